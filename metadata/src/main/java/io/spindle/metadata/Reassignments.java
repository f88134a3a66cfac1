package io.spindle.metadata;

import io.spindle.metadata.MetadataCommand.ReassignPartition;
import io.spindle.metadata.MetadataException.Reason;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;

/**
 * How a partition moves to other brokers (Kafka's partition reassignment). Pure.
 *
 * <ol>
 *   <li>{@link ReassignPartition} with a target: the replicas become the target followed by the original replicas
 *       the target leaves out (being removed); the target's new brokers are being added. They create the partition
 *       and copy the leader, which keeps serving.</li>
 *   <li>Once every target replica is in the ISR (the leader's {@code ChangePartition} that takes the last one in, or
 *       at once when the target is already in sync) the target becomes the replicas and the ISR loses the removed
 *       ones; a removed leader hands the leadership to the first live in-sync target replica (a new leader epoch).
 *       Brokers no longer among the replicas stop and delete their copy.</li>
 *   <li>{@link ReassignPartition} without a target cancels: the original replicas come back, the added ones leave
 *       the replicas and the ISR.</li>
 * </ol>
 */
final class Reassignments {
    private Reassignments() {
    }

    static MetadataImage reassign(ReassignPartition command, MetadataImage image, long offset) {
        ImageDraft draft = new ImageDraft(image);
        TopicImage topic = draft.topic(command.topic());
        String where = "Partition " + command.partition() + " of topic " + topic.name();
        if (command.partition() < 0 || command.partition() >= topic.partitions().size()) {
            throw new MetadataException(Reason.UNKNOWN_PARTITION, where + " does not exist (the topic has "
                    + topic.partitions().size() + " partitions)");
        }
        PartitionImage current = topic.partition(command.partition());
        PartitionImage next = command.target().isEmpty()
                ? cancel(current, where, draft)
                : start(current, command.target().get(), where, draft);
        if (next.equals(current)) {
            return image;
        }
        draft.put(topic, new PartitionImage(next.partition(), next.replicas(), next.isr(), next.leader(),
                next.leaderEpoch(), current.partitionEpoch() + 1, next.addingReplicas(), next.removingReplicas(),
                next.elr(), next.lastKnownElr()));
        return draft.build(offset);
    }

    private static PartitionImage start(PartitionImage current, List<Integer> target, String where, ImageDraft draft) {
        checkTarget(target, where, draft);
        List<Integer> original = current.originalReplicas();
        List<Integer> removing = original.stream().filter(id -> !target.contains(id)).toList();
        List<Integer> adding = target.stream().filter(id -> !original.contains(id)).toList();
        List<Integer> replicas = new ArrayList<>(target);
        replicas.addAll(removing);
        List<Integer> isr = current.isr().stream().filter(replicas::contains).toList();
        if (isr.isEmpty()) {
            throw new MetadataException(Reason.INVALID_REPLICA_ASSIGNMENT, where + ": none of its in-sync replicas "
                    + current.isr() + " is among the replicas " + replicas + " a move to " + target + " keeps");
        }
        return completeIfInSync(draft, moved(current, replicas, isr, adding, removing));
    }

    private static PartitionImage cancel(PartitionImage current, String where, ImageDraft draft) {
        if (!current.isReassigning()) {
            throw new MetadataException(Reason.NO_REASSIGNMENT_IN_PROGRESS, where + " has no reassignment in progress");
        }
        List<Integer> original = current.originalReplicas();
        List<Integer> isr = current.isr().stream().filter(original::contains).toList();
        if (isr.isEmpty()) {
            throw new MetadataException(Reason.INVALID_REPLICA_ASSIGNMENT, where + ": none of its in-sync replicas "
                    + current.isr() + " is an original replica " + original + ", so its reassignment cannot be "
                    + "cancelled");
        }
        return withLeaderAmong(draft, moved(current, original, isr, List.of(), List.of()), original);
    }

    /** Kafka's rules for a target: not empty, no duplicates, every broker registered. */
    private static void checkTarget(List<Integer> target, String where, ImageDraft draft) {
        if (target.isEmpty()) {
            throw new MetadataException(Reason.INVALID_REPLICA_ASSIGNMENT, where + ": the target replicas are empty");
        }
        if (new HashSet<>(target).size() != target.size()) {
            throw new MetadataException(Reason.INVALID_REPLICA_ASSIGNMENT, where + ": the target replicas " + target
                    + " name a broker more than once");
        }
        for (int broker : target) {
            if (!draft.brokers.containsKey(broker)) {
                throw new MetadataException(Reason.INVALID_REPLICA_ASSIGNMENT, where + ": the target replicas "
                        + target + " name broker " + broker + ", which is not registered");
            }
        }
    }

    /**
     * {@code partition} (after a change) with its reassignment completed when every target replica is in its ISR:
     * the target becomes the replicas, the removed replicas leave the ISR, and a removed leader hands over.
     */
    static PartitionImage completeIfInSync(ImageDraft draft, PartitionImage partition) {
        if (!partition.isReassigning() || !partition.isr().containsAll(partition.targetReplicas())) {
            return partition;
        }
        List<Integer> target = partition.targetReplicas();
        List<Integer> isr = partition.isr().stream().filter(target::contains).toList();
        return withLeaderAmong(draft, moved(partition, target, isr, List.of(), List.of()), target);
    }

    /** The partition with its leader kept when it is among {@code replicas}, else the first live in-sync one. */
    private static PartitionImage withLeaderAmong(ImageDraft draft, PartitionImage partition, List<Integer> replicas) {
        int leader = partition.leader();
        if (replicas.contains(leader) && draft.isLive(leader)) {
            return partition;
        }
        Optional<Integer> elected = replicas.stream()
                .filter(id -> partition.isr().contains(id) && draft.isLive(id)).findFirst();
        int newLeader = elected.orElse(PartitionImage.NO_LEADER);
        if (newLeader == leader) {
            return partition;
        }
        return new PartitionImage(partition.partition(), partition.replicas(), partition.isr(), newLeader,
                partition.leaderEpoch() + 1, partition.partitionEpoch(), partition.addingReplicas(),
                partition.removingReplicas(), partition.elr(), partition.lastKnownElr());
    }

    /**
     * The same partition (leader, epochs) with other replicas; whoever records it raises the partition epoch. Its
     * eligible leader replicas keep those still among the replicas.
     */
    private static PartitionImage moved(PartitionImage current, List<Integer> replicas, List<Integer> isr,
                                        List<Integer> adding, List<Integer> removing) {
        return new PartitionImage(current.partition(), replicas, isr, current.leader(), current.leaderEpoch(),
                current.partitionEpoch(), adding, removing, current.elr().stream().filter(replicas::contains).toList(),
                current.lastKnownElr().stream().filter(replicas::contains).toList());
    }
}
