package io.spindle.metadata;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;

/**
 * A change to the metadata, as ordered by the quorum's log. {@link #applyTo} is pure and deterministic — it reads
 * only the image, the command and the log offset, never a clock, a random source or the local node — so every
 * member that applies the same log gets the same image. A refused command throws {@link MetadataException} and
 * changes nothing; a command that changes nothing returns the same image.
 *
 * <p>Everything a command needs that is not in the image (a new topic's id, a broker's incarnation) is chosen by
 * whoever submits it and carried in it. Encoded by {@link MetadataCodec}.
 */
public sealed interface MetadataCommand {

    /**
     * The image after this command at log index {@code offset}.
     *
     * @throws MetadataException naming what was wrong; the image is then unchanged
     */
    MetadataImage applyTo(MetadataImage image, long offset);

    /** The number this command yields in {@code after}, its image: 0 unless a command says otherwise. */
    default long resultIn(MetadataImage after) {
        return 0;
    }

    /**
     * A broker (re)joins with a new incarnation: it is registered fenced with the epoch {@code offset}. The same
     * incarnation registering again (a retry) keeps its registration. A new incarnation first takes the old one out
     * of every partition's leadership and ISR, as if fenced. A broker whose logs may have lost records that were
     * acknowledged ({@code cleanShutdown} false: killed, crashed or powered off without forcing every acknowledged
     * write, or a new data directory; the broker's log manager decides) is taken out of every partition's ISR and
     * eligible leader replicas instead, so it may lead again only once it has caught up and rejoined the ISR
     * (KIP-966).
     */
    record RegisterBroker(int brokerId, UUID incarnation, List<BrokerEndpoint> endpoints, Optional<String> rack,
                          boolean cleanShutdown) implements MetadataCommand {
        public RegisterBroker {
            Objects.requireNonNull(incarnation, "incarnation");
            endpoints = List.copyOf(endpoints);
            Objects.requireNonNull(rack, "rack");
        }

        /** A registration after a clean stop (what every registration written before codec version 3 says). */
        public RegisterBroker(int brokerId, UUID incarnation, List<BrokerEndpoint> endpoints, Optional<String> rack) {
            this(brokerId, incarnation, endpoints, rack, true);
        }

        @Override
        public MetadataImage applyTo(MetadataImage image, long offset) {
            return BrokerChanges.register(this, image, offset);
        }

        /** The broker's epoch. */
        @Override
        public long resultIn(MetadataImage after) {
            return after.brokers().get(brokerId).epoch();
        }
    }

    /** A broker says it is alive; refused for an unknown broker or a stale epoch. Changes no image. */
    record BrokerHeartbeat(int brokerId, long brokerEpoch) implements MetadataCommand {
        @Override
        public MetadataImage applyTo(MetadataImage image, long offset) {
            new ImageDraft(image).broker(brokerId, brokerEpoch);
            return image;
        }
    }

    /**
     * A broker leads nothing and is given nothing new: it leaves every ISR (staying eligible where the ISR drops below
     * min.insync.replicas), and the partitions it led get another live in-sync replica as leader, else a live eligible
     * leader replica, or none. Sent by the quorum leader when the broker's session
     * times out, or by the broker itself when it stops. Fencing a fenced broker changes nothing.
     */
    record FenceBroker(int brokerId, long brokerEpoch) implements MetadataCommand {
        @Override
        public MetadataImage applyTo(MetadataImage image, long offset) {
            return BrokerChanges.fence(this, image, offset);
        }
    }

    /**
     * A broker that has caught up with the metadata may lead again; it leads the leaderless partitions in whose ISR it
     * is, and those with an empty ISR whose eligible leader replicas it is among.
     */
    record UnfenceBroker(int brokerId, long brokerEpoch) implements MetadataCommand {
        @Override
        public MetadataImage applyTo(MetadataImage image, long offset) {
            return BrokerChanges.unfence(this, image, offset);
        }
    }

    /** The next block of {@link ProducerIdBlock#SIZE} producer ids for a broker. */
    record AllocateProducerIds(int brokerId, long brokerEpoch) implements MetadataCommand {
        @Override
        public MetadataImage applyTo(MetadataImage image, long offset) {
            return BrokerChanges.allocateProducerIds(this, image, offset);
        }

        /** The first producer id of the block. */
        @Override
        public long resultIn(MetadataImage after) {
            return after.lastProducerIdBlock().get(brokerId).firstProducerId();
        }
    }

    /** Finalizes a feature's level (e.g. {@link MetadataImage#METADATA_VERSION}); level 0 removes the feature. */
    record SetFeatureLevel(String feature, short level) implements MetadataCommand {
        public SetFeatureLevel {
            Objects.requireNonNull(feature, "feature");
        }

        @Override
        public MetadataImage applyTo(MetadataImage image, long offset) {
            return BrokerChanges.setFeatureLevel(this, image, offset);
        }
    }

    /**
     * A new topic. Either {@code partitions} and {@code replicationFactor} are given and the replicas are placed over
     * the live brokers ({@link PartitionPlacement}), or both are -1 and {@code assignments} lists each partition's
     * replicas (Kafka's CreateTopics rule). Each partition starts with every replica in sync and its first live
     * replica as leader.
     */
    record CreateTopic(UUID topicId, String name, int partitions, int replicationFactor, Map<String, String> configs,
                       List<List<Integer>> assignments) implements MetadataCommand {
        public CreateTopic {
            Objects.requireNonNull(topicId, "topicId");
            Objects.requireNonNull(name, "name");
            configs = Map.copyOf(configs);
            assignments = assignments.stream().map(List::copyOf).toList();
        }

        @Override
        public MetadataImage applyTo(MetadataImage image, long offset) {
            return TopicChanges.create(this, image, offset);
        }
    }

    record DeleteTopic(String name) implements MetadataCommand {
        public DeleteTopic {
            Objects.requireNonNull(name, "name");
        }

        @Override
        public MetadataImage applyTo(MetadataImage image, long offset) {
            return TopicChanges.delete(this, image, offset);
        }
    }

    /**
     * Sets and removes configs of a topic. Values are checked by the broker before it submits (the config module's
     * TopicConfig); here only that a key is not both set and removed.
     */
    record AlterTopicConfigs(String name, Map<String, String> set, Set<String> delete) implements MetadataCommand {
        public AlterTopicConfigs {
            Objects.requireNonNull(name, "name");
            set = Map.copyOf(set);
            delete = Set.copyOf(delete);
        }

        @Override
        public MetadataImage applyTo(MetadataImage image, long offset) {
            return TopicChanges.alterConfigs(this, image, offset);
        }
    }

    /**
     * Sets and removes configs of a group (Kafka's GROUP config resource: consumer.*, share.*), which need not exist:
     * a group is usually configured before its first member joins. Values are checked by the broker before it submits
     * (the config module's GroupSettings and ShareSettings); here only that a key is not both set and removed. A group
     * left with no configs leaves the image.
     */
    record AlterGroupConfigs(String group, Map<String, String> set, Set<String> delete) implements MetadataCommand {
        public AlterGroupConfigs {
            Objects.requireNonNull(group, "group");
            set = Map.copyOf(set);
            delete = Set.copyOf(delete);
        }

        @Override
        public MetadataImage applyTo(MetadataImage image, long offset) {
            if (group.isEmpty()) {
                throw new MetadataException(MetadataException.Reason.INVALID_CONFIG, "A group config needs a group id");
            }
            for (String key : delete) {
                if (set.containsKey(key)) {
                    throw new MetadataException(MetadataException.Reason.INVALID_CONFIG, "Config " + key
                            + " of group " + group + " is both set and removed");
                }
            }
            TreeMap<String, String> configs = new TreeMap<>(image.groupConfigs(group));
            configs.putAll(set);
            configs.keySet().removeAll(delete);
            if (configs.equals(image.groupConfigs(group))) {
                return image;
            }
            ImageDraft draft = new ImageDraft(image);
            if (configs.isEmpty()) {
                draft.groupConfigs.remove(group);
            } else {
                draft.groupConfigs.put(group, configs);
            }
            return draft.build(offset);
        }
    }

    /**
     * Grows a topic to {@code totalCount} partitions; the new ones take the replicas in {@code assignments} (one list
     * per new partition) or are placed with the topic's replication factor when it is empty.
     */
    record CreatePartitions(String name, int totalCount, List<List<Integer>> assignments) implements MetadataCommand {
        public CreatePartitions {
            Objects.requireNonNull(name, "name");
            assignments = assignments.stream().map(List::copyOf).toList();
        }

        @Override
        public MetadataImage applyTo(MetadataImage image, long offset) {
            return TopicChanges.createPartitions(this, image, offset);
        }
    }

    /**
     * Sets a partition's leader and ISR, proposed by whoever saw {@code expectedPartitionEpoch} (a leader shrinking
     * or growing its ISR, a reassignment, a preferred-leader election). The leader must be a live in-sync replica or
     * {@link PartitionImage#NO_LEADER}; the ISR a non-empty subset of the replicas, and every replica it adds to the
     * partition's ISR a live (registered, unfenced) broker.
     */
    record ChangePartition(UUID topicId, int partition, int expectedPartitionEpoch, int leader, List<Integer> isr)
            implements MetadataCommand {
        public ChangePartition {
            Objects.requireNonNull(topicId, "topicId");
            isr = List.copyOf(isr);
        }

        @Override
        public MetadataImage applyTo(MetadataImage image, long offset) {
            return TopicChanges.changePartition(this, image, offset);
        }
    }

    /**
     * An unclean leader election: a partition with no leader and no live in-sync replica is given the live replica
     * {@code leader} as its leader and only in-sync replica, at a higher leader epoch; what only the old in-sync
     * replicas held is lost. Proposed by a replica whose broker allows it (the topic's
     * {@code unclean.leader.election.enable}, else that broker's default). Refused when the topic sets
     * {@code unclean.leader.election.enable=false}, when the partition has a leader or a live in-sync or eligible
     * leader replica (a clean election comes first), when {@code leader} is not a live replica, or when the partition
     * epoch moved. The eligible leader replicas and the last known ELR are emptied.
     */
    record ElectUncleanLeader(UUID topicId, int partition, int expectedPartitionEpoch, int leader)
            implements MetadataCommand {
        public ElectUncleanLeader {
            Objects.requireNonNull(topicId, "topicId");
        }

        @Override
        public MetadataImage applyTo(MetadataImage image, long offset) {
            return TopicChanges.electUnclean(this, image, offset);
        }
    }

    /**
     * Moves a partition to the {@code target} replicas (preferred leader first), or cancels its reassignment in
     * progress when the target is empty ({@link Reassignments}).
     */
    record ReassignPartition(String topic, int partition, Optional<List<Integer>> target) implements MetadataCommand {
        public ReassignPartition {
            Objects.requireNonNull(topic, "topic");
            target = target.map(List::copyOf);
        }

        @Override
        public MetadataImage applyTo(MetadataImage image, long offset) {
            return Reassignments.reassign(this, image, offset);
        }
    }
}
