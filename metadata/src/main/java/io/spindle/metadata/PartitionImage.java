package io.spindle.metadata;

import java.util.List;

/**
 * One partition's replicas and leadership. The leader epoch rises at every leader change (it fences a deposed
 * leader); the partition epoch rises at every change of this record, so a proposer of a change (e.g. an ISR shrink)
 * names the epoch it saw and a stale proposal is refused.
 *
 * <p>Eligible leader replicas (Kafka's KIP-966): while the ISR is smaller than the topic's {@code min.insync.replicas}
 * no acks=all write is acknowledged, so the replicas that left the ISR as it shrank below it still hold every
 * acknowledged record. They are kept in {@code elr} and may be elected when the ISR is empty; a broker that comes back
 * after an unclean shutdown is taken out of both ({@link MetadataCommand.RegisterBroker}). When that leaves the
 * partition with neither, {@code lastKnownElr} says who was eligible last (the replicas an unclean election should
 * prefer); it is empty whenever the ISR or the ELR is not.
 *
 * <p>While a reassignment is in progress ({@link #isReassigning}) {@code replicas} holds the target replicas first,
 * then those being removed: the replicas being added copy the leader while the old ones keep serving, and once every
 * target replica is in the ISR the quorum makes the target the replicas ({@link Reassignments}).
 *
 * @param partition        the partition index
 * @param replicas         the brokers holding a replica, preferred leader first
 * @param isr              the in-sync replicas, a subset of replicas; empty only when no replica is both live and
 *                         known to hold every acknowledged record (then there is no leader)
 * @param leader           the leading broker, or {@link #NO_LEADER}
 * @param leaderEpoch      the leader epoch, from 0
 * @param partitionEpoch   the partition epoch, from 0
 * @param addingReplicas   the replicas a reassignment in progress adds (a subset of replicas), empty when none
 * @param removingReplicas the replicas a reassignment in progress removes (a subset of replicas), empty when none
 * @param elr              the eligible leader replicas: out of the ISR, but holding every acknowledged record
 * @param lastKnownElr     the replicas last eligible (ISR and ELR) before the partition had none; empty otherwise
 */
public record PartitionImage(int partition, List<Integer> replicas, List<Integer> isr, int leader, int leaderEpoch,
                             int partitionEpoch, List<Integer> addingReplicas, List<Integer> removingReplicas,
                             List<Integer> elr, List<Integer> lastKnownElr) {
    /** The leader of a partition none of whose in-sync replicas is alive. */
    public static final int NO_LEADER = -1;

    public PartitionImage {
        replicas = List.copyOf(replicas);
        isr = List.copyOf(isr);
        addingReplicas = List.copyOf(addingReplicas);
        removingReplicas = List.copyOf(removingReplicas);
        elr = List.copyOf(elr);
        lastKnownElr = List.copyOf(lastKnownElr);
    }

    /** A partition without eligible leader replicas outside its ISR. */
    public PartitionImage(int partition, List<Integer> replicas, List<Integer> isr, int leader, int leaderEpoch,
                          int partitionEpoch, List<Integer> addingReplicas, List<Integer> removingReplicas) {
        this(partition, replicas, isr, leader, leaderEpoch, partitionEpoch, addingReplicas, removingReplicas,
                List.of(), List.of());
    }

    /** A partition with no reassignment in progress. */
    public PartitionImage(int partition, List<Integer> replicas, List<Integer> isr, int leader, int leaderEpoch,
                          int partitionEpoch) {
        this(partition, replicas, isr, leader, leaderEpoch, partitionEpoch, List.of(), List.of());
    }

    public boolean hasLeader() {
        return leader != NO_LEADER;
    }

    /** This partition with {@code newElr} as its eligible leader replicas and {@code newLastKnownElr}; epochs unchanged. */
    PartitionImage withElr(List<Integer> newElr, List<Integer> newLastKnownElr) {
        return new PartitionImage(partition, replicas, isr, leader, leaderEpoch, partitionEpoch, addingReplicas,
                removingReplicas, newElr, newLastKnownElr);
    }

    /** Whether a reassignment is in progress: some replicas are being added or removed. */
    public boolean isReassigning() {
        return !addingReplicas.isEmpty() || !removingReplicas.isEmpty();
    }

    /** The replicas the partition will have once its reassignment completes: all of them when none is in progress. */
    public List<Integer> targetReplicas() {
        return replicas.stream().filter(id -> !removingReplicas.contains(id)).toList();
    }

    /** The replicas the partition had before its reassignment: all of them when none is in progress. */
    public List<Integer> originalReplicas() {
        return replicas.stream().filter(id -> !addingReplicas.contains(id)).toList();
    }
}
