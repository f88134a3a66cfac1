package io.spindle.broker.replication;

import io.spindle.broker.partition.Partition;
import io.spindle.broker.partition.Partitions;
import io.spindle.metadata.BrokerRegistration;
import io.spindle.metadata.MetadataImage;
import io.spindle.metadata.PartitionImage;
import io.spindle.metadata.TopicImage;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Unclean leader elections ({@code unclean.leader.election.enable}, docs/cluster.md "Leader election"), proposed by a
 * replica: after each applied image, a partition this broker holds a replica of that has no leader and no live in-sync
 * replica and no live eligible leader replica (KIP-966) is claimed by this broker — when it is live, the lowest-id
 * live replica among the partition's last known ELR (those eligible last, whose logs hold the most), else the lowest-id
 * live replica (so that the replicas do not race; the quorum refuses a stale claim anyway), and its topic allows it
 * (the topic's config, else this broker's default) —
 * with an {@code ElectUncleanLeader} command. The quorum makes it the leader and only in-sync replica at a higher
 * leader epoch; what only the old in-sync replicas held is lost. Each claim is logged as a warning, and each one the
 * quorum applied is counted ({@link #count}, the meter {@code spindle_cluster_unclean_leader_elections_total}).
 *
 * <p>With the default {@code false} nothing is proposed: the partition stays without a leader until an in-sync
 * replica returns. Thread-safe: {@link #check} on the image applier's thread, results on the quorum client's.
 */
public final class UncleanElections {
    private static final Logger log = LoggerFactory.getLogger(UncleanElections.class);

    /** Submits the election of {@code leader} for a partition seen at {@code expectedPartitionEpoch}. */
    @FunctionalInterface
    public interface Elect {
        CompletableFuture<?> elect(UUID topicId, int partition, int expectedPartitionEpoch, int leader);
    }

    private final int nodeId;
    private final Partitions partitions;
    private final Predicate<String> allowed;
    private final Elect elect;
    private final AtomicLong elected = new AtomicLong();
    /** Claims in flight, by the partition epoch they named. */
    private final Map<TopicPartition, Integer> claiming = new ConcurrentHashMap<>();

    /** @param allowed whether a topic allows unclean elections: its config, else this broker's default */
    public UncleanElections(int nodeId, Partitions partitions, Predicate<String> allowed, Elect elect) {
        this.nodeId = nodeId;
        this.partitions = partitions;
        this.allowed = allowed;
        this.elect = elect;
    }

    /** The unclean elections this broker claimed and the quorum applied. */
    public long count() {
        return elected.get();
    }

    /** Claims the partitions of {@code image} that only an unclean election can give a leader, where allowed. */
    public void check(MetadataImage image) {
        if (!live(image, nodeId)) {
            return;
        }
        for (TopicImage topic : image.topics().values()) {
            for (PartitionImage partition : topic.partitions()) {
                if (partition.hasLeader() || !partition.replicas().contains(nodeId)
                        || partition.isr().stream().anyMatch(id -> live(image, id))
                        || partition.elr().stream().anyMatch(id -> live(image, id))) {
                    continue;
                }
                int claimant = partition.lastKnownElr().stream().filter(id -> live(image, id)).min(Integer::compare)
                        .orElseGet(() -> partition.replicas().stream().filter(id -> live(image, id))
                                .min(Integer::compare).orElse(-1));
                if (claimant == nodeId && allowed.test(topic.name())) {
                    claim(topic, partition);
                }
            }
        }
    }

    private void claim(TopicImage topic, PartitionImage partition) {
        TopicPartition id = new TopicPartition(topic.name(), partition.partition());
        Integer inFlight = claiming.putIfAbsent(id, partition.partitionEpoch());
        if (inFlight != null) {
            return;
        }
        long logEnd = partitions.get(topic.name(), partition.partition()).map(Partition::logEndOffset).orElse(-1L);
        log.warn("Broker {}: unclean leader election of {}: none of its in-sync replicas {} nor eligible leader "
                + "replicas {} is live and unclean.leader.election.enable is true; this broker claims it with its log "
                + "ending at offset {}, and records only those replicas held are lost", nodeId, id, partition.isr(),
                partition.elr(), logEnd);
        elect.elect(topic.id(), partition.partition(), partition.partitionEpoch(), nodeId)
                .whenComplete((done, failure) -> {
                    claiming.remove(id);
                    if (failure == null) {
                        elected.incrementAndGet();
                        log.warn("Broker {}: leads {} after an unclean leader election", nodeId, id);
                    } else {
                        log.info("Broker {}: the unclean leader election of {} was not applied: {}", nodeId, id,
                                failure.toString());
                    }
                });
    }

    private static boolean live(MetadataImage image, int brokerId) {
        Optional<BrokerRegistration> broker = image.broker(brokerId);
        return broker.isPresent() && !broker.get().fenced();
    }
}
