package io.spindle.broker.cluster;

import java.util.List;

/**
 * A partition's replicas and leadership, as Metadata reports them.
 *
 * @param leader          the leading broker, or -1 when none can lead now
 * @param leaderEpoch     the leader epoch
 * @param replicas        the brokers holding a replica, preferred leader first
 * @param isr             the in-sync replicas
 * @param offlineReplicas replicas whose storage failed
 * @param elr             the eligible leader replicas: out of the ISR but holding every acknowledged record (KIP-966)
 * @param lastKnownElr    who was eligible last, when the partition has no in-sync or eligible replica left
 */
public record PartitionLeadership(int leader, int leaderEpoch, List<Integer> replicas, List<Integer> isr,
                                  List<Integer> offlineReplicas, List<Integer> elr, List<Integer> lastKnownElr) {
    public static final int NO_LEADER = -1;

    public PartitionLeadership {
        replicas = List.copyOf(replicas);
        isr = List.copyOf(isr);
        offlineReplicas = List.copyOf(offlineReplicas);
        elr = List.copyOf(elr);
        lastKnownElr = List.copyOf(lastKnownElr);
    }

    /** A partition without eligible leader replicas outside its ISR (one broker's partitions). */
    public PartitionLeadership(int leader, int leaderEpoch, List<Integer> replicas, List<Integer> isr,
                               List<Integer> offlineReplicas) {
        this(leader, leaderEpoch, replicas, isr, offlineReplicas, List.of(), List.of());
    }

    public boolean hasLeader() {
        return leader != NO_LEADER;
    }
}
