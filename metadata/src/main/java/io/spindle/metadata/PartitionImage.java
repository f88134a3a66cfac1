package io.spindle.metadata;

import java.util.List;

/**
 * One partition's replicas and leadership. The leader epoch rises at every leader change (it fences a deposed
 * leader); the partition epoch rises at every change of this record, so a proposer of a change (e.g. an ISR shrink)
 * names the epoch it saw and a stale proposal is refused.
 *
 * @param partition      the partition index
 * @param replicas       the brokers holding a replica, preferred leader first
 * @param isr            the in-sync replicas, a subset of replicas; never empty
 * @param leader         the leading broker, or {@link #NO_LEADER}
 * @param leaderEpoch    the leader epoch, from 0
 * @param partitionEpoch the partition epoch, from 0
 */
public record PartitionImage(int partition, List<Integer> replicas, List<Integer> isr, int leader, int leaderEpoch,
                             int partitionEpoch) {
    /** The leader of a partition none of whose in-sync replicas is alive. */
    public static final int NO_LEADER = -1;

    public PartitionImage {
        replicas = List.copyOf(replicas);
        isr = List.copyOf(isr);
    }

    public boolean hasLeader() {
        return leader != NO_LEADER;
    }
}
