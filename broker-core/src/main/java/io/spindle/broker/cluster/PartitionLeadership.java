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
 */
public record PartitionLeadership(int leader, int leaderEpoch, List<Integer> replicas, List<Integer> isr,
                                  List<Integer> offlineReplicas) {
    public static final int NO_LEADER = -1;

    public PartitionLeadership {
        replicas = List.copyOf(replicas);
        isr = List.copyOf(isr);
        offlineReplicas = List.copyOf(offlineReplicas);
    }

    public boolean hasLeader() {
        return leader != NO_LEADER;
    }
}
