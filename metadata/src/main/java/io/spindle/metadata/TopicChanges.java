package io.spindle.metadata;

import io.spindle.config.TopicConfig;
import io.spindle.metadata.MetadataCommand.AlterTopicConfigs;
import io.spindle.metadata.MetadataCommand.ChangePartition;
import io.spindle.metadata.MetadataCommand.CreatePartitions;
import io.spindle.metadata.MetadataCommand.CreateTopic;
import io.spindle.metadata.MetadataCommand.DeleteTopic;
import io.spindle.metadata.MetadataCommand.ElectUncleanLeader;
import io.spindle.metadata.MetadataException.Reason;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;

/** How the topic and partition commands change an image. Pure. */
final class TopicChanges {
    /** Kafka's legal topic names. */
    private static final Pattern LEGAL_NAME = Pattern.compile("[a-zA-Z0-9._-]{1,249}");

    private TopicChanges() {
    }

    static MetadataImage create(CreateTopic command, MetadataImage image, long offset) {
        String name = command.name();
        if (!LEGAL_NAME.matcher(name).matches() || name.equals(".") || name.equals("..")) {
            throw new MetadataException(Reason.INVALID_TOPIC, "Topic name '" + name + "' is not legal: 1 to 249 of "
                    + "ASCII letters, digits, '.', '_' and '-', not '.' or '..'");
        }
        if (image.topics().containsKey(name)) {
            throw new MetadataException(Reason.TOPIC_EXISTS, "Topic " + name + " already exists");
        }
        if (image.topic(command.topicId()).isPresent()) {
            throw new MetadataException(Reason.TOPIC_EXISTS, "Topic id " + command.topicId()
                    + " is already used by topic " + image.topic(command.topicId()).orElseThrow().name());
        }
        checkConfigKeys(name, command.configs());
        List<List<Integer>> assignments;
        if (command.assignments().isEmpty()) {
            if (command.partitions() < 1) {
                throw new MetadataException(Reason.INVALID_PARTITIONS, "Topic " + name
                        + " needs at least 1 partition, not " + command.partitions());
            }
            assignments = PartitionPlacement.place(image, command.partitions(), command.replicationFactor());
        } else {
            if (command.partitions() != -1 || command.replicationFactor() != -1) {
                throw new MetadataException(Reason.INVALID_REPLICA_ASSIGNMENT, "Topic " + name + " gives replica "
                        + "assignments, so its partition count and replication factor must be -1, not "
                        + command.partitions() + " and " + command.replicationFactor());
            }
            PartitionPlacement.checkAssignment(image, name, 0, command.assignments());
            assignments = command.assignments();
        }
        ImageDraft draft = new ImageDraft(image);
        List<PartitionImage> partitions = new ArrayList<>();
        appendPartitions(draft, partitions, assignments);
        draft.topics.put(name, new TopicImage(command.topicId(), name, command.configs(), partitions));
        return draft.build(offset);
    }

    static MetadataImage delete(DeleteTopic command, MetadataImage image, long offset) {
        ImageDraft draft = new ImageDraft(image);
        draft.topic(command.name());
        draft.topics.remove(command.name());
        return draft.build(offset);
    }

    static MetadataImage alterConfigs(AlterTopicConfigs command, MetadataImage image, long offset) {
        ImageDraft draft = new ImageDraft(image);
        TopicImage topic = draft.topic(command.name());
        checkConfigKeys(topic.name(), command.set());
        for (String key : command.delete()) {
            if (command.set().containsKey(key)) {
                throw new MetadataException(Reason.INVALID_CONFIG, "Config " + key + " of topic " + topic.name()
                        + " is both set and removed");
            }
        }
        Map<String, String> configs = new TreeMap<>(topic.configs());
        configs.putAll(command.set());
        configs.keySet().removeAll(command.delete());
        if (configs.equals(topic.configs())) {
            return image;
        }
        TopicImage altered = new TopicImage(topic.id(), topic.name(), configs, topic.partitions());
        int minInsync = ImageDraft.minInsync(altered);
        if (minInsync != ImageDraft.minInsync(topic)) {
            altered = new TopicImage(topic.id(), topic.name(), configs, topic.partitions().stream()
                    .map(p -> eligibleUnder(p, minInsync)).toList());
        }
        draft.topics.put(topic.name(), altered);
        return draft.build(offset);
    }

    /**
     * A partition's eligible leader replicas after its topic's min.insync.replicas became {@code minInsync}: kept while
     * the ISR is smaller (its leader acknowledges no acks=all write, so they still hold every acknowledged record),
     * none once it is not (Kafka clears them at any change; a raise keeps them safe, so Spindle keeps them). The ISR
     * then has a member, so nobody is left without a leader by it.
     */
    private static PartitionImage eligibleUnder(PartitionImage partition, int minInsync) {
        if (partition.elr().isEmpty() || partition.isr().size() < minInsync) {
            return partition;
        }
        return new PartitionImage(partition.partition(), partition.replicas(), partition.isr(), partition.leader(),
                partition.leaderEpoch(), partition.partitionEpoch() + 1, partition.addingReplicas(),
                partition.removingReplicas(), List.of(), List.of());
    }

    static MetadataImage createPartitions(CreatePartitions command, MetadataImage image, long offset) {
        ImageDraft draft = new ImageDraft(image);
        TopicImage topic = draft.topic(command.name());
        int current = topic.partitions().size();
        int added = command.totalCount() - current;
        if (added <= 0) {
            throw new MetadataException(Reason.INVALID_PARTITIONS, "Topic " + topic.name() + " has " + current
                    + " partitions; a new count must be larger, not " + command.totalCount());
        }
        List<List<Integer>> assignments;
        if (command.assignments().isEmpty()) {
            assignments = PartitionPlacement.place(image, added, topic.partition(0).replicas().size());
        } else {
            if (command.assignments().size() != added) {
                throw new MetadataException(Reason.INVALID_REPLICA_ASSIGNMENT, "Topic " + topic.name() + " grows by "
                        + added + " partitions but " + command.assignments().size() + " assignments were given");
            }
            PartitionPlacement.checkAssignment(image, topic.name(), current, command.assignments());
            assignments = command.assignments();
        }
        List<PartitionImage> partitions = new ArrayList<>(topic.partitions());
        appendPartitions(draft, partitions, assignments);
        draft.topics.put(topic.name(), new TopicImage(topic.id(), topic.name(), topic.configs(), partitions));
        return draft.build(offset);
    }

    static MetadataImage changePartition(ChangePartition command, MetadataImage image, long offset) {
        ImageDraft draft = new ImageDraft(image);
        TopicImage topic = image.topic(command.topicId()).orElseThrow(() -> new MetadataException(
                Reason.UNKNOWN_TOPIC, "No topic has id " + command.topicId()));
        String where = "Partition " + command.partition() + " of topic " + topic.name();
        PartitionImage partition = partitionAt(topic, command.partition(), command.expectedPartitionEpoch());
        List<Integer> isr = command.isr();
        if (isr.isEmpty() || new HashSet<>(isr).size() != isr.size() || !partition.replicas().containsAll(isr)) {
            throw new MetadataException(Reason.INVALID_PARTITION_CHANGE, where + ": ISR " + isr + " must be a "
                    + "non-empty subset of the replicas " + partition.replicas() + " without duplicates");
        }
        int leader = command.leader();
        if (leader != PartitionImage.NO_LEADER && (!isr.contains(leader) || !draft.isLive(leader))) {
            throw new MetadataException(Reason.INVALID_PARTITION_CHANGE, where + ": leader " + leader
                    + " must be a live broker in the ISR " + isr);
        }
        // A leader decides to take a follower in from the image it applied last; the follower may have been fenced
        // since (a broker stopping cleanly fences itself right after handing its leaderships over, while it still
        // fetches). In the ISR a fenced broker would hold the high watermark back until the leader shrinks it again,
        // replica.lag.time.max.ms later: only a live broker joins. One already in sync stays (the last in-sync replica).
        for (int replica : isr) {
            if (!partition.isr().contains(replica) && !draft.isLive(replica)) {
                throw new MetadataException(Reason.INVALID_PARTITION_CHANGE, where + ": replica " + replica
                        + " cannot join the ISR " + partition.isr() + ": it is not a live broker");
            }
        }
        if (leader == partition.leader() && isr.equals(partition.isr())) {
            return image;
        }
        draft.put(topic, Reassignments.completeIfInSync(draft,
                draft.transition(topic, partition, leader, isr, Set.of())));
        return draft.build(offset);
    }

    static MetadataImage electUnclean(ElectUncleanLeader command, MetadataImage image, long offset) {
        ImageDraft draft = new ImageDraft(image);
        TopicImage topic = image.topic(command.topicId()).orElseThrow(() -> new MetadataException(
                Reason.UNKNOWN_TOPIC, "No topic has id " + command.topicId()));
        String where = "Partition " + command.partition() + " of topic " + topic.name();
        PartitionImage partition = partitionAt(topic, command.partition(), command.expectedPartitionEpoch());
        if ("false".equalsIgnoreCase(topic.configs().get(TopicConfig.UNCLEAN_LEADER_ELECTION_ENABLE))) {
            throw new MetadataException(Reason.INVALID_PARTITION_CHANGE, where + " sets "
                    + TopicConfig.UNCLEAN_LEADER_ELECTION_ENABLE + "=false: only an in-sync replica may lead it");
        }
        if (partition.hasLeader() || partition.isr().stream().anyMatch(draft::isLive)
                || partition.elr().stream().anyMatch(draft::isLive)) {
            throw new MetadataException(Reason.INVALID_PARTITION_CHANGE, where + " has leader " + partition.leader()
                    + ", in-sync replicas " + partition.isr() + " and eligible leader replicas " + partition.elr()
                    + " of which one is live: no unclean election");
        }
        int leader = command.leader();
        if (!partition.replicas().contains(leader) || !draft.isLive(leader)) {
            throw new MetadataException(Reason.INVALID_PARTITION_CHANGE, where + ": leader " + leader
                    + " must be a live broker among the replicas " + partition.replicas());
        }
        draft.put(topic, ImageDraft.changed(partition, leader, List.of(leader)).withElr(List.of(), List.of()));
        return draft.build(offset);
    }

    /** @throws MetadataException UNKNOWN_PARTITION, or STALE_PARTITION_EPOCH when it is not at {@code expectedEpoch} */
    private static PartitionImage partitionAt(TopicImage topic, int index, int expectedEpoch) {
        String where = "Partition " + index + " of topic " + topic.name();
        if (index < 0 || index >= topic.partitions().size()) {
            throw new MetadataException(Reason.UNKNOWN_PARTITION, where + " does not exist (the topic has "
                    + topic.partitions().size() + ")");
        }
        PartitionImage partition = topic.partition(index);
        if (partition.partitionEpoch() != expectedEpoch) {
            throw new MetadataException(Reason.STALE_PARTITION_EPOCH, where + " is at partition epoch "
                    + partition.partitionEpoch() + ", not " + expectedEpoch);
        }
        return partition;
    }

    /** New partitions (numbered after {@code partitions}) with every replica in sync and the first live one leading. */
    private static void appendPartitions(ImageDraft draft, List<PartitionImage> partitions,
                                         List<List<Integer>> assignments) {
        for (List<Integer> replicas : assignments) {
            int leader = replicas.stream().filter(draft::isLive).findFirst().orElse(PartitionImage.NO_LEADER);
            partitions.add(new PartitionImage(partitions.size(), replicas, replicas, leader, 0, 0));
        }
    }

    private static void checkConfigKeys(String topic, Map<String, String> configs) {
        for (String key : configs.keySet()) {
            if (key.isEmpty()) {
                throw new MetadataException(Reason.INVALID_CONFIG, "Topic " + topic + " has a config without a name");
            }
        }
    }
}
