package io.spindle.metadata;

import io.spindle.metadata.MetadataException.Reason;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;

/**
 * A mutable copy of an image while one command is applied; {@link #build} freezes it at the command's log offset.
 * Also the lookups that every command needs with the same error (unknown broker, stale epoch, unknown topic).
 * Not thread-safe: one command, one thread.
 */
final class ImageDraft {
    final TreeMap<Integer, BrokerRegistration> brokers;
    final TreeMap<String, TopicImage> topics;
    final TreeMap<Integer, ProducerIdBlock> lastProducerIdBlock;
    final TreeMap<String, Short> features;
    long nextProducerId;

    ImageDraft(MetadataImage image) {
        brokers = new TreeMap<>(image.brokers());
        topics = new TreeMap<>(image.topics());
        lastProducerIdBlock = new TreeMap<>(image.lastProducerIdBlock());
        features = new TreeMap<>(image.features());
        nextProducerId = image.nextProducerId();
    }

    MetadataImage build(long offset) {
        return new MetadataImage(offset, brokers, topics, nextProducerId, lastProducerIdBlock, features);
    }

    /** @throws MetadataException UNKNOWN_BROKER or STALE_BROKER_EPOCH */
    BrokerRegistration broker(int id, long epoch) {
        BrokerRegistration broker = brokers.get(id);
        if (broker == null) {
            throw new MetadataException(Reason.UNKNOWN_BROKER, "Broker " + id + " is not registered");
        }
        if (broker.epoch() != epoch) {
            throw new MetadataException(Reason.STALE_BROKER_EPOCH, "Broker " + id + " has epoch " + broker.epoch()
                    + ", not " + epoch + " (a request from an earlier incarnation of the broker)");
        }
        return broker;
    }

    /** @throws MetadataException UNKNOWN_TOPIC */
    TopicImage topic(String name) {
        TopicImage topic = topics.get(name);
        if (topic == null) {
            throw new MetadataException(Reason.UNKNOWN_TOPIC, "Topic " + name + " does not exist");
        }
        return topic;
    }

    /** Replaces one partition of a topic. */
    void put(TopicImage topic, PartitionImage partition) {
        List<PartitionImage> partitions = new ArrayList<>(topic.partitions());
        partitions.set(partition.partition(), partition);
        topics.put(topic.name(), new TopicImage(topic.id(), topic.name(), topic.configs(), partitions));
    }

    /**
     * Every partition's leader and ISR after {@code brokerId} went away: it leaves the ISR where others remain (the
     * last in-sync replica stays, so that it may lead again once back), and a partition it led gets the first other
     * live in-sync replica as leader, or none.
     */
    void removeFromLeadershipAndIsr(int brokerId) {
        for (TopicImage topic : List.copyOf(topics.values())) {
            for (PartitionImage partition : topic.partitions()) {
                if (!partition.isr().contains(brokerId)) {
                    continue;
                }
                List<Integer> isr = new ArrayList<>(partition.isr());
                if (isr.size() > 1) {
                    isr.remove(Integer.valueOf(brokerId));
                }
                int leader = partition.leader();
                if (leader == brokerId) {
                    leader = isr.stream().filter(id -> id != brokerId && isLive(id)).findFirst()
                            .orElse(PartitionImage.NO_LEADER);
                }
                if (leader == partition.leader() && isr.equals(partition.isr())) {
                    continue;
                }
                put(topic(topic.name()), changed(partition, leader, isr));
            }
        }
    }

    /** A leaderless partition whose in-sync replicas include {@code brokerId} gets it as leader. */
    void electWhereLeaderless(int brokerId) {
        for (TopicImage topic : List.copyOf(topics.values())) {
            for (PartitionImage partition : topic.partitions()) {
                if (!partition.hasLeader() && partition.isr().contains(brokerId)) {
                    put(topic(topic.name()), changed(partition, brokerId, partition.isr()));
                }
            }
        }
    }

    boolean isLive(int brokerId) {
        BrokerRegistration broker = brokers.get(brokerId);
        return broker != null && !broker.fenced();
    }

    /** The partition with a new leader and ISR: the leader epoch rises when the leader changes, the partition epoch always. */
    static PartitionImage changed(PartitionImage partition, int leader, List<Integer> isr) {
        int leaderEpoch = leader == partition.leader() ? partition.leaderEpoch() : partition.leaderEpoch() + 1;
        return new PartitionImage(partition.partition(), partition.replicas(), isr, leader, leaderEpoch,
                partition.partitionEpoch() + 1, partition.addingReplicas(), partition.removingReplicas());
    }
}
