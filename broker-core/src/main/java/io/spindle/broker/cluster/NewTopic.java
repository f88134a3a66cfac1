package io.spindle.broker.cluster;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A topic a CreateTopics request asks for, after the request's own checks: either a partition count and a
 * replication factor (-1: the default), or one replica list per partition (then both are -1).
 *
 * @param name              the topic name
 * @param partitions        the partition count, or -1 with assignments
 * @param replicationFactor the replication factor, -1 for the default
 * @param assignments       each partition's replicas, preferred leader first; empty unless given
 * @param overrides         the topic configs set on it
 */
public record NewTopic(String name, int partitions, short replicationFactor, List<List<Integer>> assignments,
                       Map<String, String> overrides) {
    public NewTopic {
        Objects.requireNonNull(name, "name");
        assignments = assignments.stream().map(List::copyOf).toList();
        overrides = Map.copyOf(overrides);
    }

    /** The partition count: the given one, or the number of assignments. */
    public int partitionCount() {
        return assignments.isEmpty() ? partitions : assignments.size();
    }
}
