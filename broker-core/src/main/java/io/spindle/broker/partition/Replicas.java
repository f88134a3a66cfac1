package io.spindle.broker.partition;

import java.util.List;

/**
 * Who holds a partition: its leader, the leader epoch, every replica, and the in-sync ones. On a single broker
 * that is this node alone at epoch 0 ({@link #local}); a broker of a cluster takes it from the metadata image.
 *
 * @param leader      node id of the leader, {@link #NO_LEADER} when none leads
 * @param leaderEpoch bumped each time leadership changes; clients fence stale requests with it
 * @param replicas    every node holding a copy, the preferred leader first
 * @param isr         the replicas caught up with the leader (acks=all waits for them)
 */
public record Replicas(int leader, int leaderEpoch, List<Integer> replicas, List<Integer> isr) {
    public static final int NO_LEADER = -1;

    public Replicas {
        replicas = List.copyOf(replicas);
        isr = List.copyOf(isr);
        if (leader != NO_LEADER && !replicas.contains(leader)) {
            throw new IllegalArgumentException("leader " + leader + " is not one of the replicas " + replicas);
        }
        if (!replicas.containsAll(isr)) {
            throw new IllegalArgumentException("in-sync replicas " + isr + " are not all replicas " + replicas);
        }
    }

    /** This node alone: leader, only replica and only in-sync replica, at epoch 0. */
    public static Replicas local(int nodeId) {
        return new Replicas(nodeId, 0, List.of(nodeId), List.of(nodeId));
    }

    /** The same replicas at leader epoch {@code epoch}. */
    public Replicas atEpoch(int epoch) {
        return new Replicas(leader, epoch, replicas, isr);
    }
}
