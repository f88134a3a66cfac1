package io.spindle.broker.cluster;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.spindle.broker.replication.UncleanElections;
import io.spindle.metadata.BrokerRegistration;
import io.spindle.metadata.MetadataImage;
import io.spindle.metadata.MetadataQuorum;
import io.spindle.metadata.PartitionImage;
import io.spindle.metadata.TopicImage;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A cluster broker's meters (docs/metrics.md, "Cluster"): the quorum leader as this broker sees it, its member's commit
 * and applied log indexes, how far its registry and logs trail what is committed, the registered and live brokers, and
 * the partitions each broker leads by this broker's image (one series per registered broker, refreshed before each
 * scrape), and the unclean leader elections this broker won. A single broker has none of them.
 */
final class ClusterMeters {
    private final MetadataQuorum quorum;
    private final ImageApplier applier;
    private final MeterRegistry registry;
    private final Map<Integer, AtomicInteger> ledByBroker = new ConcurrentHashMap<>();

    ClusterMeters(MetadataQuorum quorum, ImageApplier applier, UncleanElections uncleanElections,
                  MeterRegistry registry) {
        this.quorum = quorum;
        this.applier = applier;
        this.registry = registry;
        Gauge.builder("spindle.cluster.quorum.leader", quorum, q -> q.leaderId().orElse(-1))
                .description("Node id of the metadata quorum's leader as this broker knows it, -1 when none")
                .register(registry);
        Gauge.builder("spindle.cluster.quorum.is.leader", quorum, q -> q.isLeader() ? 1 : 0)
                .description("1 while this broker's quorum member leads the metadata quorum").register(registry);
        Gauge.builder("spindle.cluster.quorum.voters", quorum, q -> q.membership().voters().size())
                .description("Voters of the metadata quorum by this broker's member's Raft configuration")
                .register(registry);
        Gauge.builder("spindle.cluster.quorum.observers", quorum, q -> q.membership().observers().size())
                .description("Observers (non-voting listeners) of the metadata quorum by this broker's member's Raft "
                        + "configuration").register(registry);
        Gauge.builder("spindle.cluster.metadata.commit.index", quorum, MetadataQuorum::commitIndex)
                .description("Highest metadata log index this broker's member knows to be committed")
                .register(registry);
        Gauge.builder("spindle.cluster.metadata.applied.index", quorum, MetadataQuorum::appliedIndex)
                .description("Last metadata log index this broker's member applied to its image").register(registry);
        Gauge.builder("spindle.cluster.metadata.lag", this, ClusterMeters::lag)
                .description("Metadata log entries committed but not yet applied to this broker's registry and logs")
                .register(registry);
        Gauge.builder("spindle.cluster.brokers.registered", quorum, q -> q.image().brokers().size())
                .description("Brokers registered with the metadata quorum, fenced or not").register(registry);
        Gauge.builder("spindle.cluster.brokers.live", quorum, q -> q.image().liveBrokers().size())
                .description("Registered brokers that are not fenced").register(registry);
        FunctionCounter.builder("spindle.cluster.quorum.append.wedges.undone", quorum,
                        MetadataQuorum::appendWedgesUndone)
                .description("Times this broker's quorum member found its follower appends wedged on one failed append"
                        + " (Ratis' chained appends) and let them run again").register(registry);
        FunctionCounter.builder("spindle.cluster.unclean.leader.elections", uncleanElections, UncleanElections::count)
                .description("Unclean leader elections this broker claimed and the quorum applied: it leads a "
                        + "partition none of whose in-sync replicas was alive, and what only they held is lost")
                .register(registry);
    }

    /**
     * Entries committed but not yet in this broker's registry and logs: those its member has not applied yet, plus
     * the image changes its {@link ImageApplier} has not applied yet.
     */
    private double lag() {
        long commit = quorum.commitIndex();
        long memberBehind = commit < 0 ? 0 : Math.max(0, commit - quorum.appliedIndex());
        long applierBehind = Math.max(0, quorum.image().offset() - applier.appliedOffset());
        return memberBehind + applierBehind;
    }

    /** Recounts the partitions each registered broker leads; call before each scrape. */
    void refresh() {
        MetadataImage image = quorum.image();
        Map<Integer, Integer> counts = new HashMap<>();
        for (BrokerRegistration broker : image.brokers().values()) {
            counts.put(broker.id(), 0);
        }
        for (TopicImage topic : image.topics().values()) {
            for (PartitionImage partition : topic.partitions()) {
                if (partition.leader() >= 0) {
                    counts.merge(partition.leader(), 1, Integer::sum);
                }
            }
        }
        counts.forEach((id, count) -> ledByBroker.computeIfAbsent(id, this::register).set(count));
        ledByBroker.forEach((id, held) -> {
            if (!counts.containsKey(id)) {
                held.set(0);
            }
        });
    }

    private AtomicInteger register(int brokerId) {
        AtomicInteger count = new AtomicInteger();
        Gauge.builder("spindle.cluster.partitions.led", count, AtomicInteger::get)
                .description("Partitions the broker leads, by this broker's metadata image")
                .tag("broker", Integer.toString(brokerId)).register(registry);
        return count;
    }
}
