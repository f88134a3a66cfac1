package io.spindle.share;

import org.apache.kafka.common.Uuid;

/**
 * Which topic partitions this broker leads: the share-partitions of those are kept here (KIP-932's share-partition
 * leader). Any thread.
 */
@FunctionalInterface
public interface SharePartitionLeadership {
    /** The leader epoch this broker leads the topic partition at, or -1 when it does not lead it (or it is unknown). */
    int leaderEpoch(Uuid topicId, int partition);

    /** A broker that leads every partition at epoch 0 (tests of the module). */
    SharePartitionLeadership ALL = (topicId, partition) -> 0;
}
