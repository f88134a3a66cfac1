package io.spindle.broker;

import io.spindle.log.PartitionLog;
import java.util.Collection;
import java.util.Optional;
import org.apache.kafka.common.Uuid;

/** The broker's topic registry, as the request handlers see it. Thread-safe. */
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

    /** The log of one partition, empty if the topic or partition does not exist. */
    Optional<PartitionLog> partition(String topic, int partition);
}
