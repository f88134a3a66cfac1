package io.spindle.groups;

import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.common.TopicPartition;

/**
 * What every group has, whatever its protocol: an id and its committed offsets. Confined to the coordinator
 * thread.
 */
abstract class Group {
    final String groupId;
    final Map<TopicPartition, CommittedOffset> offsets = new HashMap<>();

    Group(String groupId) {
        this.groupId = groupId;
    }

    /** "classic" or "consumer", as ListGroups names group types. */
    abstract String type();

    /** The state name ListGroups and DescribeGroups report. */
    abstract String stateName();

    /** The protocol type ListGroups reports ("consumer" for consumers; empty for a group that only stores offsets). */
    abstract String protocolType();

    /** True when the group has no members, so it may be deleted or change protocol. */
    abstract boolean isEmpty();

    /** Members now (for metrics). */
    abstract int memberCount();

    /**
     * How many times the group has rebalanced, as far as its persisted state tells: the classic generation, or the
     * consumer protocol's group epoch. Only grows, so a rate of it counts rebalances.
     */
    abstract long rebalanceCount();

    /** True when the group's members consume {@code topic} (OffsetDelete refuses to delete its offsets). */
    abstract boolean subscribedTo(String topic);

    /** Stops the group's timers and answers its waiting requests (coordinator shutdown or group deletion). */
    abstract void shutdown();
}
