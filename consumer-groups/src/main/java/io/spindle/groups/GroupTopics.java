package io.spindle.groups;

import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import org.apache.kafka.common.Uuid;

/**
 * What the coordinator needs to know of the broker's topics: partition counts (server-side assignment of
 * KIP-848 groups), ids (that protocol names topics by id) and log end offsets (lag). The broker implements it
 * over its topic registry. Implementations must be thread-safe and must not block on disk.
 */
public interface GroupTopics {
    /** The topic's partition count, empty when the topic does not exist. */
    OptionalInt partitionCount(String topic);

    Optional<Uuid> topicId(String topic);

    Optional<String> topicName(Uuid topicId);

    /** The names of every topic a consumer may subscribe to (internal topics excluded), for regex subscriptions. */
    java.util.Collection<String> topicNames();

    /** The partition's log end offset, empty when the topic or partition does not exist. */
    OptionalLong logEndOffset(String topic, int partition);
}
