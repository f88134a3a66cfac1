package io.spindle.metadata;

import io.spindle.config.TopicConfig;
import io.spindle.metadata.MetadataException.Reason;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;
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
    final TreeMap<String, SortedMap<String, String>> groupConfigs;
    long nextProducerId;

    ImageDraft(MetadataImage image) {
        brokers = new TreeMap<>(image.brokers());
        topics = new TreeMap<>(image.topics());
        lastProducerIdBlock = new TreeMap<>(image.lastProducerIdBlock());
        features = new TreeMap<>(image.features());
        groupConfigs = new TreeMap<>(image.groupConfigs());
        nextProducerId = image.nextProducerId();
    }

    MetadataImage build(long offset) {
        return new MetadataImage(offset, brokers, topics, nextProducerId, lastProducerIdBlock, features,
                groupConfigs);
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
     * Every partition's leader and ISR after {@code brokerId} went away (fenced, or a new incarnation after a clean
     * shutdown): it leaves every ISR — the last in-sync replica too, which then stays eligible ({@link #transition}) —
     * and a partition it led gets the first other live in-sync replica as leader, else a live eligible one, or none.
     */
    void removeFromLeadershipAndIsr(int brokerId) {
        for (TopicImage topic : List.copyOf(topics.values())) {
            for (PartitionImage partition : topic.partitions()) {
                if (!partition.isr().contains(brokerId) && partition.leader() != brokerId) {
                    continue;
                }
                List<Integer> isr = partition.isr().stream().filter(id -> id != brokerId).toList();
                put(topic(topic.name()), transition(topic, partition, leaderAfterLosing(partition, brokerId, isr), isr,
                        Set.of()));
            }
        }
    }

    /**
     * A broker registers after an unclean shutdown: its log may have lost a tail that held acknowledged records (what
     * was not forced yet, or a disk that lied), so it leaves the ISR and the eligible leader replicas of every
     * partition, and a partition it led gets another leader as in {@link #removeFromLeadershipAndIsr}. It becomes
     * eligible again only by rejoining the ISR once caught up with a leader. When it was the last eligible replica
     * the partition is left without a leader: with unclean.leader.election.enable=false it stays so, as in Kafka.
     */
    void removeAfterUncleanShutdown(int brokerId) {
        for (TopicImage topic : List.copyOf(topics.values())) {
            for (PartitionImage partition : topic.partitions()) {
                if (!partition.isr().contains(brokerId) && !partition.elr().contains(brokerId)
                        && partition.leader() != brokerId) {
                    continue;
                }
                List<Integer> isr = partition.isr().stream().filter(id -> id != brokerId).toList();
                put(topic(topic.name()), transition(topic, partition, leaderAfterLosing(partition, brokerId, isr), isr,
                        Set.of(brokerId)));
            }
        }
    }

    private int leaderAfterLosing(PartitionImage partition, int brokerId, List<Integer> isr) {
        if (partition.leader() != brokerId) {
            return partition.leader();
        }
        return isr.stream().filter(this::isLive).findFirst().orElse(PartitionImage.NO_LEADER);
    }

    /**
     * A leaderless partition whose in-sync replicas include {@code brokerId} gets it as leader; one with an empty ISR
     * whose eligible leader replicas include it, too.
     */
    void electWhereLeaderless(int brokerId) {
        for (TopicImage topic : List.copyOf(topics.values())) {
            for (PartitionImage partition : topic.partitions()) {
                if (partition.hasLeader()) {
                    continue;
                }
                if (partition.isr().contains(brokerId)) {
                    put(topic(topic.name()), transition(topic, partition, brokerId, partition.isr(), Set.of()));
                } else if (partition.isr().isEmpty() && partition.elr().contains(brokerId)) {
                    put(topic(topic.name()), transition(topic, partition, PartitionImage.NO_LEADER, List.of(),
                            Set.of()));
                }
            }
        }
    }

    /**
     * min.insync.replicas as the quorum counts it for eligible leader replicas: the topic's setting, else 1. Never more
     * than what its leaders enforce (the topic's setting, else their broker's default, at least 1), which is what
     * makes an eligible replica safe: while the ISR is smaller than what a leader enforces, it acknowledges no acks=all
     * write. Counting less than the leaders enforce only keeps fewer replicas eligible.
     */
    static int minInsync(TopicImage topic) {
        String value = topic.configs().get(TopicConfig.MIN_INSYNC_REPLICAS);
        if (value == null) {
            return 1;
        }
        try {
            return Math.max(1, Integer.parseInt(value.strip()));
        } catch (NumberFormatException e) {
            return 1;
        }
    }

    /**
     * The partition after its leader became {@code leader} and its ISR {@code isr} (Kafka's KIP-966 rules):
     * <ul>
     *   <li>While the ISR is smaller than {@link #minInsync}, the replicas it lost stay eligible (ELR) beside those
     *       eligible before, except {@code ineligible} (a broker back from an unclean shutdown) and replicas that
     *       joined the ISR; once the ISR is at least that, the ELR is empty (acks=all writes are acknowledged again
     *       without them).</li>
     *   <li>Without a leader and with an empty ISR, the first live eligible replica leads as the ISR's only member
     *       (nothing acknowledged is missing from it).</li>
     *   <li>When neither ISR nor ELR has anyone left, the last known ELR keeps who was eligible just before.</li>
     * </ul>
     * The leader epoch rises when the leader changes, the partition epoch always.
     */
    PartitionImage transition(TopicImage topic, PartitionImage before, int leader, List<Integer> isr,
                              Set<Integer> ineligible) {
        int minInsync = minInsync(topic);
        LinkedHashSet<Integer> elr = new LinkedHashSet<>();
        if (isr.size() < minInsync) {
            elr.addAll(before.elr());
            before.isr().stream().filter(id -> !isr.contains(id)).forEach(elr::add);
            elr.removeAll(isr);
            elr.removeAll(ineligible);
            elr.retainAll(before.replicas());
        }
        List<Integer> newIsr = isr;
        int newLeader = leader;
        if (newLeader == PartitionImage.NO_LEADER && isr.isEmpty()) {
            Optional<Integer> eligible = elr.stream().filter(this::isLive).findFirst();
            if (eligible.isPresent()) {
                newLeader = eligible.get();
                newIsr = List.of(newLeader);
                elr.remove(newLeader);
                if (newIsr.size() >= minInsync) {
                    elr.clear();
                }
            }
        }
        List<Integer> lastKnownElr = List.of();
        if (newIsr.isEmpty() && elr.isEmpty()) {
            LinkedHashSet<Integer> wasEligible = new LinkedHashSet<>(before.isr());
            wasEligible.addAll(before.elr());
            lastKnownElr = wasEligible.isEmpty() ? before.lastKnownElr() : List.copyOf(wasEligible);
        }
        int leaderEpoch = newLeader == before.leader() ? before.leaderEpoch() : before.leaderEpoch() + 1;
        return new PartitionImage(before.partition(), before.replicas(), newIsr, newLeader, leaderEpoch,
                before.partitionEpoch() + 1, before.addingReplicas(), before.removingReplicas(), List.copyOf(elr),
                lastKnownElr);
    }

    boolean isLive(int brokerId) {
        BrokerRegistration broker = brokers.get(brokerId);
        return broker != null && !broker.fenced();
    }

    /** The partition with a new leader and ISR: the leader epoch rises when the leader changes, the partition epoch always. */
    static PartitionImage changed(PartitionImage partition, int leader, List<Integer> isr) {
        int leaderEpoch = leader == partition.leader() ? partition.leaderEpoch() : partition.leaderEpoch() + 1;
        return new PartitionImage(partition.partition(), partition.replicas(), isr, leader, leaderEpoch,
                partition.partitionEpoch() + 1, partition.addingReplicas(), partition.removingReplicas(),
                partition.elr(), partition.lastKnownElr());
    }
}
