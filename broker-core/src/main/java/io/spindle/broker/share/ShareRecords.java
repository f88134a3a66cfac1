package io.spindle.broker.share;

import io.spindle.broker.TopicInfo;
import io.spindle.broker.Topics;
import io.spindle.broker.cluster.MetadataAuthority;
import io.spindle.broker.data.LeaderHints;
import io.spindle.broker.data.StorageErrors;
import io.spindle.broker.partition.Partition;
import io.spindle.broker.partition.Partitions;
import io.spindle.config.ShareAutoOffsetReset;
import io.spindle.config.ShareIsolationLevel;
import io.spindle.config.ShareSettings;
import io.spindle.log.LogSlice;
import io.spindle.log.TimestampAndOffset;
import io.spindle.share.AcknowledgeType;
import io.spindle.share.AcquiredRange;
import io.spindle.share.Acknowledgement;
import io.spindle.share.ReadRecords;
import io.spindle.share.ShareCoordinator;
import io.spindle.share.SharePartition;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.protocol.Errors;

/**
 * What ShareFetch and ShareAcknowledge do to a share-partition: acknowledge records and acquire records, each
 * change written to the share state before the client hears of it (the futures complete once it is durable).
 *
 * <p>A record whose {@value DeliverAtHeaders#HEADER} header names a later time is not acquired before it
 * ({@link DeliverAtHeaders}); a released one may wait its group's redelivery backoff (the share-partition knows). A
 * group whose {@code share.isolation.level} is read_committed gets only committed records ({@link CommittedRecords}).
 *
 * <p>Acquiring reads the log while holding the share-partition's monitor, so concurrent fetches of one
 * share-partition take turns (Kafka's share-partition fetch lock); the read only maps a slice of a segment.
 *
 * <p>Only the leader of a topic partition serves its share-partitions (KIP-932's share-partition leader): elsewhere a
 * partition is refused with NOT_LEADER_OR_FOLLOWER and, where the cluster knows it, its leader
 * ({@link LeaderHints#leaderOf}).
 *
 * <p>Thread-safe; called on the data path's reader threads.
 */
final class ShareRecords {
    /** Reads one acquisition may make past records a read_committed group does not see (each up to maxBytes). */
    private static final int MAX_READS = 16;

    private final ShareCoordinator coordinator;
    private final Topics topics;
    private final Partitions partitions;
    private final MetadataAuthority authority;

    /**
     * A topic id and partition resolved to the partition this broker leads, or the error why it cannot be (with the
     * leader, when the cluster knows one, for NOT_LEADER_OR_FOLLOWER).
     */
    record Target(Uuid topicId, int index, Partition partition, Errors error, Optional<LeaderHints.Leader> leader) {
    }

    /** Records acquired from one partition: the log slice holding them (close it) and the acquired ranges. */
    record Acquired(Target target, LogSlice slice, List<AcquiredRange> ranges, CompletableFuture<Void> durable) {
    }

    /** The outcome of acknowledging in one partition. */
    record AckResult(Errors error, String message, CompletableFuture<Void> durable) {
    }

    /** @param authority the cluster's metadata, for the leaders of partitions led elsewhere (null: none) */
    ShareRecords(ShareCoordinator coordinator, Topics topics, Partitions partitions, MetadataAuthority authority) {
        this.coordinator = coordinator;
        this.topics = topics;
        this.partitions = partitions;
        this.authority = authority;
    }

    ShareCoordinator coordinator() {
        return coordinator;
    }

    Target resolve(Uuid topicId, int index) {
        Optional<TopicInfo> topic = topics.topic(topicId);
        if (topic.isEmpty()) {
            return new Target(topicId, index, null, Errors.UNKNOWN_TOPIC_ID, Optional.empty());
        }
        String name = topic.get().name();
        Optional<Partition> partition = partitions.get(name, index);
        if (partition.isPresent() && partition.get().isLeader()) {
            return new Target(topicId, index, partition.get(), Errors.NONE, Optional.empty());
        }
        boolean exists = partition.isPresent() || (authority != null && authority.partition(name, index).isPresent());
        return exists
                ? new Target(topicId, index, null, Errors.NOT_LEADER_OR_FOLLOWER, LeaderHints.leaderOf(authority, name, index))
                : new Target(topicId, index, null, Errors.UNKNOWN_TOPIC_OR_PARTITION, Optional.empty());
    }

    /** Reads the share-partitions of these targets from the share coordinator where this broker does not hold them. */
    CompletableFuture<Void> ensureLoaded(String group, List<Target> targets) {
        List<ShareCoordinator.PartitionKey> keys = new ArrayList<>();
        for (Target target : targets) {
            if (target.error() == Errors.NONE) {
                keys.add(new ShareCoordinator.PartitionKey(target.topicId(), target.index()));
            }
        }
        return coordinator.ensureLoaded(group, keys);
    }

    /** The endpoints of the leaders named by refused targets, once each (the response's node_endpoints). */
    static List<Node> leaderEndpoints(Collection<Target> targets) {
        Map<Integer, Node> nodes = new LinkedHashMap<>();
        for (Target target : targets) {
            target.leader().ifPresent(leader -> nodes.computeIfAbsent(leader.broker().id(), id ->
                    new Node(id, leader.broker().host(), leader.broker().port(), leader.broker().rack().orElse(null))));
        }
        return new ArrayList<>(nodes.values());
    }

    /** Applies {@code member}'s acknowledgement batches in one partition. */
    AckResult acknowledge(String group, String member, Target target, List<Acknowledgement> batches) {
        if (target.error() != Errors.NONE) {
            return new AckResult(target.error(), null, CompletableFuture.completedFuture(null));
        }
        SharePartition state = coordinator.existing(group, target.topicId(), target.index());
        if (state == null) {
            return new AckResult(Errors.INVALID_RECORD_STATE, "share group '" + group + "' has no records in flight in "
                    + target.partition().topicPartition(), CompletableFuture.completedFuture(null));
        }
        SharePartition.AckOutcome outcome;
        CompletableFuture<Void> durable;
        synchronized (state) {
            outcome = state.acknowledge(member, batches, coordinator.nowMs());
            if (outcome.error() != null) {
                return new AckResult(Errors.INVALID_RECORD_STATE, target.partition().topicPartition() + ": "
                        + outcome.error(), CompletableFuture.completedFuture(null));
            }
            durable = coordinator.persist(group, target.topicId(), target.index(), state);
        }
        if (outcome.madeAvailable()) {
            coordinator.announceAvailable(target.topicId(), target.index());
        }
        return new AckResult(Errors.NONE, null, durable);
    }

    /**
     * Acquires up to {@code maxRecords} records of the partition for {@code member}, reading at most {@code maxBytes}
     * (but always a whole first batch); null when there is nothing to acquire.
     *
     * <p>A read_committed group reads below the last stable offset only, and the records of aborted transactions and
     * control records it meets are archived ({@link CommittedRecords}); when a read held only such records the next
     * one is tried, up to {@value #MAX_READS} reads, so a fetch moves past a long aborted stretch without waiting.
     *
     * @throws RuntimeException from the log (offline partition, ...), for {@link StorageErrors} to map
     */
    Acquired acquire(String group, String member, Target target, int maxRecords, int maxBytes) {
        Partition partition = target.partition();
        ShareSettings settings = coordinator.settingsFor(group);
        IsolationLevel isolation = settings.isolationLevel() == ShareIsolationLevel.READ_COMMITTED
                ? IsolationLevel.READ_COMMITTED : IsolationLevel.READ_UNCOMMITTED;
        SharePartition state = coordinator.sharePartition(group, target.topicId(), target.index(),
                () -> startOffset(partition, settings.autoOffsetReset(), isolation));
        synchronized (state) {
            state.advanceTo(partition.logStartOffset());
            long end = partition.fetchableEnd(isolation);
            long now = coordinator.nowMs();
            long archivedBefore = state.archivedTotal();
            for (int read = 0; read < MAX_READS && state.hasAcquirable(end, now); read++) {
                long from = state.nextFetchOffset(now);
                if (from >= end) {
                    break;
                }
                LogSlice slice = partition.read(from, Math.max(1, maxBytes), isolation);
                if (slice.isEmpty()) {
                    slice.close();
                    break;
                }
                long archived = state.archivedTotal();
                List<AcquiredRange> ranges = state.acquire(member, from, Math.min(slice.nextOffset(), end),
                        maxRecords, now, readRecords(partition, slice, isolation));
                if (!ranges.isEmpty()) {
                    // The client skips what it did not acquire: batches past the last acquired record are not sent.
                    slice = slice.cutAfter(ranges.get(ranges.size() - 1).lastOffset());
                    CompletableFuture<Void> durable = coordinator.persist(group, target.topicId(), target.index(), state);
                    return new Acquired(target, slice, ranges, durable);
                }
                slice.close();
                if (state.archivedTotal() == archived) {
                    break;   // the read held nothing to acquire yet (records waiting): later reads hold no more now
                }
            }
            if (state.archivedTotal() != archivedBefore) {
                coordinator.persist(group, target.topicId(), target.index(), state).exceptionally(failure -> null);
            }
            return null;
        }
    }

    /** Where a group without state in {@code partition} starts, per its share.auto.offset.reset. */
    private long startOffset(Partition partition, ShareAutoOffsetReset reset, IsolationLevel isolation) {
        return switch (reset.strategy()) {
            case EARLIEST -> partition.logStartOffset();
            case LATEST -> partition.fetchableEnd(isolation);
            case BY_DURATION -> {
                long now = coordinator.nowMs();
                // A duration reaching before the epoch asks for every record (and a negative time means ListOffsets'
                // special timestamps): from time 0.
                long since = reset.duration().compareTo(Duration.ofMillis(now)) >= 0 ? 0
                        : now - reset.duration().toMillis();
                TimestampAndOffset first = partition.offsetFor(since, isolation);
                yield first == null ? partition.fetchableEnd(isolation) : first.offset();
            }
        };
    }

    /** What the share-partition learns from {@code slice}: delivery times, and for read_committed what to skip. */
    private static ReadRecords readRecords(Partition partition, LogSlice slice, IsolationLevel isolation) {
        DeliverAtHeaders times = new DeliverAtHeaders(slice);
        if (isolation == IsolationLevel.READ_UNCOMMITTED) {
            return ReadRecords.deliveringAt(times::deliverAt);
        }
        CommittedRecords committed = new CommittedRecords(partition, slice);
        return new ReadRecords() {
            @Override
            public long deliverAt(long offset) {
                return times.deliverAt(offset);
            }

            @Override
            public boolean isDeliverable(long offset) {
                return committed.isDeliverable(offset);
            }
        };
    }

    /** The protocol's acknowledgement batches as the share-partition takes them. */
    static List<Acknowledgement> batches(List<Long> firsts, List<Long> lasts, List<List<Byte>> types) {
        List<Acknowledgement> batches = new ArrayList<>(firsts.size());
        for (int i = 0; i < firsts.size(); i++) {
            List<AcknowledgeType> typed = new ArrayList<>(types.get(i).size());
            for (Byte code : types.get(i)) {
                typed.add(code == null ? null : AcknowledgeType.of(code));
            }
            batches.add(new Acknowledgement(firsts.get(i), lasts.get(i), typed));
        }
        return batches;
    }
}
