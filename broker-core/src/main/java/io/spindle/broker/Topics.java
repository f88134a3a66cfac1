package io.spindle.broker;

import java.util.Collection;
import java.util.Optional;
import org.apache.kafka.common.Uuid;

/** The broker's topic registry, as the request handlers see it (the partitions themselves are in {@code Partitions}). Thread-safe. */
public interface Topics {
    Optional<TopicInfo> topic(String name);

    Optional<TopicInfo> topic(Uuid id);

    /** Every topic, internal ones included. */
    Collection<TopicInfo> all();

    /**
     * The topic, created with the broker's defaults first if it does not exist, auto.create.topics.enable is
     * on and the name is valid; empty otherwise.
     */
    Optional<TopicInfo> getOrAutoCreate(String name);
}
