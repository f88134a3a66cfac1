package io.spindle.groups;

import io.spindle.config.ConsumerGroupConfig;
import io.spindle.config.GroupSettings;
import io.spindle.log.CoordinatorLoop;
import io.spindle.log.CoordinatorResidency;
import io.spindle.log.KeyedStateLog;
import io.spindle.log.LogStorageException;
import io.spindle.log.PartitionLog;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.ConsumerGroupDescribeResponseData;
import org.apache.kafka.common.message.ConsumerGroupHeartbeatRequestData;
import org.apache.kafka.common.message.ConsumerGroupHeartbeatResponseData;
import org.apache.kafka.common.message.DeleteGroupsResponseData.DeletableGroupResult;
import org.apache.kafka.common.message.DescribeGroupsResponseData.DescribedGroup;
import org.apache.kafka.common.message.HeartbeatRequestData;
import org.apache.kafka.common.message.HeartbeatResponseData;
import org.apache.kafka.common.message.JoinGroupRequestData;
import org.apache.kafka.common.message.JoinGroupResponseData;
import org.apache.kafka.common.message.LeaveGroupRequestData.MemberIdentity;
import org.apache.kafka.common.message.LeaveGroupResponseData.MemberResponse;
import org.apache.kafka.common.message.ListGroupsRequestData;
import org.apache.kafka.common.message.ListGroupsResponseData;
import org.apache.kafka.common.message.OffsetCommitRequestData;
import org.apache.kafka.common.message.OffsetCommitResponseData;
import org.apache.kafka.common.message.OffsetDeleteRequestData;
import org.apache.kafka.common.message.OffsetDeleteResponseData;
import org.apache.kafka.common.message.OffsetFetchRequestData.OffsetFetchRequestGroup;
import org.apache.kafka.common.message.OffsetFetchResponseData.OffsetFetchResponseGroup;
import org.apache.kafka.common.message.SyncGroupRequestData;
import org.apache.kafka.common.message.SyncGroupResponseData;
import org.apache.kafka.common.message.TxnOffsetCommitRequestData;
import org.apache.kafka.common.message.TxnOffsetCommitResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The group coordinator of a single-broker cluster: every group's membership (classic protocol,
 * {@link ClassicGroup}, and KIP-848's consumer protocol, {@link ConsumerGroup}) and committed offsets,
 * persisted in {@link #OFFSETS_TOPIC} through an {@link KeyedStateLog} and loaded back at start.
 *
 * <p>API: one method per Kafka request, taking and returning kafka-clients' message data classes with topics
 * named by name (the broker's handlers translate topic ids and version differences). Every method returns at
 * once with a future; the work runs on the coordinator thread.
 *
 * <p>Threading: all group state is confined to one thread, which also runs every timer (session, rebalance,
 * initial delay): a single-threaded scheduled executor. Nothing on it waits: a JoinGroup or SyncGroup that must
 * wait for other members is a future completed by a later event. Appends to the offsets log run on it too (the
 * log's append is quick; its fsync is not on this thread), and an OffsetCommit's future completes only when its
 * records are durable per the broker's flush policy.
 *
 * <p>What is stored: every committed offset (an OffsetCommit is answered once its record is durable); a classic
 * group's generation, protocol, leader and members with their assignments whenever a generation completes or
 * the group empties; a KIP-848 group's epochs, target assignment and members whenever a heartbeat or a timer
 * changed them (written without waiting for durability: after a crash that lost it, members are told
 * UNKNOWN_MEMBER_ID or FENCED_MEMBER_EPOCH and rejoin). Offsets are applied in memory when appended, before they
 * are durable, so an OffsetFetch may see an offset a power loss would take back; that only replays records.
 *
 * <p>Its parts: {@link GroupViews} (ListGroups, DescribeGroups, ConsumerGroupDescribe, lag and statistics),
 * {@link CommittedOffsets} (OffsetCommit, OffsetFetch, OffsetDelete) and {@link PendingTransactionalOffsets}
 * (offsets committed inside a transaction, TxnOffsetCommit, waiting until the transaction coordinator completes the
 * transaction: {@link #completeTransaction}), both through {@link OffsetsHost}; the groups' state machines through
 * {@link GroupContext}.
 *
 * <p>Not implemented: offset expiry (offsets.retention.minutes; offsets live until DeleteGroups or OffsetDelete)
 * and Kafka's record format for this topic (Spindle's own: {@link OffsetsRecords}).
 */
public final class GroupCoordinator implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(GroupCoordinator.class);
    /** The internal topic that holds the coordinator's state (only partition 0 is used). */
    public static final String OFFSETS_TOPIC = "__consumer_offsets";
    /** Longest metadata string accepted with a committed offset (Kafka's offset.metadata.max.bytes). */
    static final int MAX_METADATA_LENGTH = 4096;

    /** Who sent a request: its client.id and address, kept with members for DescribeGroups. */
    public record Client(String clientId, String clientHost) {
    }

    private final ScheduledThreadPoolExecutor loop;
    private final KeyedStateLog offsetsLog;
    private final GroupTopics topics;
    private final GroupSettings settings;
    private final Clock clock;
    private final Map<String, Group> groups = new TreeMap<>();
    private final Context context = new Context();
    private final PendingTransactionalOffsets transactional = new PendingTransactionalOffsets(context);
    private final CommittedOffsets committedOffsets = new CommittedOffsets(context, transactional);
    private final GroupViews views;
    private final GroupConfigStore configs;
    /**
     * Set in a cluster ({@link #keepGroupConfigsInMetadata}): the group configs are the metadata's, applied through
     * {@link #applyGroupConfigs}, and the offsets log keeps none; {@code null} on a single broker.
     */
    private volatile Consumer<String> groupConfigsInMetadata;
    private volatile boolean closed;
    /** Whether the groups of the offsets log are in memory and served (see {@link #load} and {@link #unload}). */
    private final CoordinatorResidency residency;

    private GroupCoordinator(PartitionLog log, KeyedStateLog.Writer writer, GroupTopics topics, GroupSettings settings,
                             Clock clock) {
        this.offsetsLog = new KeyedStateLog(log, writer, clock);
        this.topics = topics;
        this.settings = settings;
        this.clock = clock;
        this.views = new GroupViews(groups, topics);
        this.configs = new GroupConfigStore(settings);
        this.loop = CoordinatorLoop.newLoop("spindle-group-coordinator");
        this.residency = new CoordinatorResidency(loop, "group", log, this::loadState, this::clearState);
    }

    /**
     * Loads the state kept in {@code offsetsLog} (partition 0 of {@link #OFFSETS_TOPIC}) and starts serving.
     * Blocks while loading.
     *
     * @throws IllegalStateException naming the log when its content cannot be read back
     */
    public static GroupCoordinator start(PartitionLog offsetsLog, GroupTopics topics, GroupSettings settings, Clock clock) {
        return start(offsetsLog, KeyedStateLog.durableWriter(offsetsLog), topics, settings, clock);
    }

    /**
     * As {@link #start(PartitionLog, GroupTopics, GroupSettings, Clock)}, with every write to the log made by
     * {@code writer} (a cluster's: acknowledged once the in-sync replicas hold it).
     */
    public static GroupCoordinator start(PartitionLog offsetsLog, KeyedStateLog.Writer writer, GroupTopics topics,
                                         GroupSettings settings, Clock clock) {
        GroupCoordinator coordinator = new GroupCoordinator(offsetsLog, writer, topics, settings, clock);
        coordinator.residency.loadAtStart(coordinator::close);
        return coordinator;
    }

    /**
     * Loads the groups from the offsets log again if they were {@linkplain #unload unloaded} (this broker leads the
     * offsets partition again); nothing when they are loaded. Completes once they are.
     */
    public CompletableFuture<Void> load() {
        return residency.load();
    }

    /**
     * Forgets every group (their timers stop, waiting joins and syncs are answered COORDINATOR_NOT_AVAILABLE), as when
     * this broker stops leading the offsets partition: another broker coordinates them, from the log. The log stays.
     */
    public CompletableFuture<Void> unload() {
        return residency.unload();
    }

    /** Whether the groups are loaded and served here. */
    public boolean isLoaded() {
        return residency.isLoaded();
    }

    private void clearState() {
        groups.values().forEach(Group::shutdown);
        int count = groups.size();
        groups.clear();
        if (groupConfigsInMetadata == null) {
            configs.clear();
        }
        transactional.clear();
        LOG.info("Group coordinator unloaded {} group(s) of {}", count, offsetsLog.partitionLog());
    }

    private void loadState() {
        offsetsLog.replay((keyBytes, value) -> {
            OffsetsRecords.Key key = OffsetsRecords.readKey(keyBytes);
            if (key.type() == OffsetsRecords.GROUP_CONFIG_KEY) {
                if (groupConfigsInMetadata != null) {
                    return;     // written before the cluster kept them (none are written since): the metadata's apply
                }
                configs.restore(key.group(), value == null ? null : OffsetsRecords.readGroupConfig(value));
            } else if (key.type() == OffsetsRecords.TRANSACTIONAL_OFFSET_KEY) {
                transactional.restore(key.group(), key.producerId(), new TopicPartition(key.topic(), key.partition()),
                        value == null ? null : OffsetsRecords.readOffset(value));
            } else if (key.type() == OffsetsRecords.OFFSET_KEY) {
                TopicPartition tp = new TopicPartition(key.topic(), key.partition());
                if (value == null) {
                    Group group = groups.get(key.group());
                    if (group != null) {
                        group.offsets.remove(tp);
                    }
                } else {
                    classicGroup(key.group()).offsets.put(tp, OffsetsRecords.readOffset(value));
                }
            } else if (key.type() == OffsetsRecords.GROUP_KEY) {
                if (value == null) {
                    groups.remove(key.group());
                } else {
                    classicGroup(key.group()).restore(OffsetsRecords.readGroup(value));
                }
            } else if (value == null) {
                if (groups.get(key.group()) instanceof ConsumerGroup consumer) {
                    groups.remove(key.group());
                    if (!consumer.offsets.isEmpty()) {
                        classicGroup(key.group()).offsets.putAll(consumer.offsets);
                    }
                }
            } else {
                ConsumerGroup consumer = consumerGroup(key.group());
                OffsetsRecords.readConsumerGroup(value, consumer);
                consumer.lastStored = OffsetsRecords.consumerGroupValue(consumer);
            }
        });
        for (Group group : groups.values()) {
            if (group instanceof ClassicGroup classic) {
                classic.startTimers();
            } else if (group instanceof ConsumerGroup consumer) {
                consumer.startTimers();
            }
        }
        LOG.info("Group coordinator loaded {} group(s) from {}", groups.size(), offsetsLog.partitionLog());
    }

    private ClassicGroup classicGroup(String groupId) {
        Group group = groups.get(groupId);
        if (group instanceof ClassicGroup classic) {
            return classic;
        }
        ClassicGroup classic = new ClassicGroup(groupId, context);
        if (group != null) {
            classic.offsets.putAll(group.offsets);
        }
        groups.put(groupId, classic);
        return classic;
    }

    /** The consumer-protocol group of that id, made from the classic one (keeping its offsets) if need be. */
    private ConsumerGroup consumerGroup(String groupId) {
        Group group = groups.get(groupId);
        if (group instanceof ConsumerGroup consumer) {
            return consumer;
        }
        ConsumerGroup consumer = new ConsumerGroup(groupId, context);
        if (group != null) {
            consumer.offsets.putAll(group.offsets);
            group.shutdown();
        }
        groups.put(groupId, consumer);
        return consumer;
    }

    // ------------------------------------------------------------------ classic protocol

    /** JoinGroup. {@code requireKnownMemberId}: v4+, where a new dynamic member first gets MEMBER_ID_REQUIRED. */
    public CompletableFuture<JoinGroupResponseData> joinGroup(Client client, JoinGroupRequestData request,
                                                              boolean requireKnownMemberId) {
        return onLoop(() -> {
            String groupId = request.groupId();
            if (groupId == null || groupId.isEmpty()) {
                return done(ClassicResponses.joinErrorData(request.memberId(), Errors.INVALID_GROUP_ID));
            }
            if (request.sessionTimeoutMs() < settings.minSessionTimeoutMs()
                    || request.sessionTimeoutMs() > settings.maxSessionTimeoutMs()) {
                return done(ClassicResponses.joinErrorData(request.memberId(), Errors.INVALID_SESSION_TIMEOUT));
            }
            Group group = groups.get(groupId);
            if (group == null && !request.memberId().isEmpty()) {
                return done(ClassicResponses.joinErrorData(request.memberId(), Errors.UNKNOWN_MEMBER_ID));
            }
            if (group instanceof ConsumerGroup && !group.isEmpty()) {
                return done(ClassicResponses.joinErrorData(request.memberId(), Errors.INCONSISTENT_GROUP_PROTOCOL));
            }
            return classicGroup(groupId).join(request, client.clientId(), client.clientHost(), requireKnownMemberId);
        });
    }

    public CompletableFuture<SyncGroupResponseData> syncGroup(SyncGroupRequestData request) {
        return onLoop(() -> {
            if (request.groupId() == null || request.groupId().isEmpty()) {
                return done(new SyncGroupResponseData().setErrorCode(Errors.INVALID_GROUP_ID.code()));
            }
            if (!(groups.get(request.groupId()) instanceof ClassicGroup group)) {
                return done(new SyncGroupResponseData().setErrorCode(Errors.UNKNOWN_MEMBER_ID.code()));
            }
            return group.sync(request);
        });
    }

    public CompletableFuture<HeartbeatResponseData> heartbeat(HeartbeatRequestData request) {
        return onLoop(() -> {
            if (request.groupId() == null || request.groupId().isEmpty()) {
                return done(new HeartbeatResponseData().setErrorCode(Errors.INVALID_GROUP_ID.code()));
            }
            if (!(groups.get(request.groupId()) instanceof ClassicGroup group)) {
                return done(new HeartbeatResponseData().setErrorCode(Errors.UNKNOWN_MEMBER_ID.code()));
            }
            return done(group.heartbeat(request));
        });
    }

    /** LeaveGroup (batched, v3+ form): one response per member, in request order. */
    public CompletableFuture<List<MemberResponse>> leaveGroup(String groupId, List<MemberIdentity> leaving) {
        return onLoop(() -> {
            Group group = groups.get(groupId);
            List<MemberResponse> responses = new ArrayList<>();
            for (MemberIdentity m : leaving) {
                Errors error = group instanceof ClassicGroup classic
                        ? classic.leave(m.memberId(), m.groupInstanceId()) : Errors.UNKNOWN_MEMBER_ID;
                responses.add(new MemberResponse().setMemberId(m.memberId()).setGroupInstanceId(m.groupInstanceId())
                        .setErrorCode(error.code()));
            }
            return done(responses);
        });
    }

    // ------------------------------------------------------------------ consumer protocol (KIP-848)

    public CompletableFuture<ConsumerGroupHeartbeatResponseData> consumerGroupHeartbeat(
            Client client, ConsumerGroupHeartbeatRequestData request) {
        return onLoop(() -> {
            String groupId = request.groupId();
            if (groupId == null || groupId.isEmpty()) {
                return done(new ConsumerGroupHeartbeatResponseData().setErrorCode(Errors.INVALID_REQUEST.code())
                        .setErrorMessage("the group id must not be empty"));
            }
            Group group = groups.get(groupId);
            boolean joining = request.memberEpoch() == 0;
            if (group == null || (group instanceof ClassicGroup && group.isEmpty())) {
                if (!joining) {
                    return done(new ConsumerGroupHeartbeatResponseData().setErrorCode(Errors.UNKNOWN_MEMBER_ID.code())
                            .setErrorMessage("group '" + groupId + "' has no member " + request.memberId()));
                }
                group = consumerGroup(groupId);
            }
            if (!(group instanceof ConsumerGroup consumer)) {
                return done(new ConsumerGroupHeartbeatResponseData().setErrorCode(Errors.GROUP_ID_NOT_FOUND.code())
                        .setErrorMessage("group '" + groupId + "' is a classic group with members"));
            }
            return done(consumer.heartbeat(request, client.clientId(), client.clientHost()));
        });
    }

    public CompletableFuture<List<ConsumerGroupDescribeResponseData.DescribedGroup>> consumerGroupDescribe(List<String> groupIds) {
        return onLoop(() -> done(views.describeConsumerGroups(groupIds)));
    }

    /** The consumer.* group configs {@code groupId} set (empty when none); any thread. */
    public Map<String, String> groupConfigs(String groupId) {
        return configs.overrides(groupId);
    }

    /** The timings of KIP-848 group {@code groupId}: its group configs on top of the broker's; any thread. */
    public ConsumerGroupConfig consumerGroupConfig(String groupId) {
        return configs.config(groupId);
    }

    /**
     * Replaces the consumer.* group configs of {@code groupId}, which need not exist yet ({@link GroupConfigStore});
     * they apply at once ({@link ConsumerGroup#reconfigured}). Completes when durable. @throws
     * io.spindle.config.ConfigException naming a config not allowed and why; then nothing changed
     */
    public CompletableFuture<Void> alterGroupConfigs(String groupId, Map<String, String> groupConfigs, boolean validateOnly) {
        ConsumerGroupConfig config = configs.validate(groupConfigs);
        if (validateOnly) {
            return done(null);
        }
        if (groupConfigsInMetadata != null) {
            throw new IllegalStateException("group '" + groupId + "': its configs are kept by the cluster's metadata, "
                    + "not by the group coordinator");
        }
        Map<String, String> stored = Map.copyOf(groupConfigs);
        return onLoop(() -> {
            CompletableFuture<Void> durable = offsetsLog.append(List.of(new KeyedStateLog.Entry(
                    OffsetsRecords.groupConfigKey(groupId),
                    stored.isEmpty() ? null : OffsetsRecords.groupConfigValue(stored))));
            ConsumerGroupConfig before = configs.config(groupId);
            configs.put(groupId, stored, config);
            if (groups.get(groupId) instanceof ConsumerGroup consumer) {
                consumer.reconfigured(before);
            }
            LOG.info("Group '{}': configs now {}", groupId, new TreeMap<>(stored));
            return durable;
        });
    }

    /**
     * From now on the consumer.* group configs are kept by the cluster's metadata, which every broker applies through
     * {@link #applyGroupConfigs}; the offsets log keeps none (those it holds from before are not loaded). {@code forget}
     * is told the id of a deleted group, whose configs go with it. Call before the coordinator first loads.
     */
    public void keepGroupConfigsInMetadata(Consumer<String> forget) {
        this.groupConfigsInMetadata = forget;
    }

    /**
     * The consumer.* configs of {@code groupId} as the cluster's metadata now has them (empty: none), applied to the
     * group at once ({@link ConsumerGroup#reconfigured}); configs this broker's bounds refuse are ignored, said once.
     * Any thread: the change is made on the coordinator's thread.
     */
    public void applyGroupConfigs(String groupId, Map<String, String> groupConfigs) {
        Map<String, String> applied = Map.copyOf(groupConfigs);
        try {
            loop.execute(() -> {
                ConsumerGroupConfig before = configs.config(groupId);
                configs.restore(groupId, applied);
                if (groups.get(groupId) instanceof ConsumerGroup consumer) {
                    consumer.reconfigured(before);
                }
                LOG.info("Group '{}': configs now {} (from the cluster's metadata)", groupId, new TreeMap<>(applied));
            });
        } catch (RejectedExecutionException closing) {
            LOG.debug("Group '{}': configs {} not applied, the coordinator is closed", groupId, applied);
        }
    }

    // ------------------------------------------------------------------ offsets

    /** OffsetCommit; the answer comes once the offsets are durable. Topics by name. */
    public CompletableFuture<OffsetCommitResponseData> commitOffsets(OffsetCommitRequestData request) {
        return onLoop(() -> committedOffsets.commit(request));
    }

    /**
     * TxnOffsetCommit: the offsets wait, invisible to OffsetFetch, until {@link #completeTransaction}. A producer
     * outside the group (no member id, generation -1) may commit; a member is checked as for OffsetCommit. The
     * caller has checked that the group is part of the producer's open transaction. Topics by name.
     */
    public CompletableFuture<TxnOffsetCommitResponseData> commitTransactionalOffsets(TxnOffsetCommitRequestData request) {
        return onLoop(() -> transactional.commit(request));
    }

    /**
     * Completes the transaction of {@code producerId} for {@code groupId}: on commit its waiting offsets become the
     * group's committed offsets (the future completes once they are durable), on abort they are dropped. A
     * transaction that left no offsets here completes at once.
     */
    public CompletableFuture<Void> completeTransaction(String groupId, long producerId, boolean commit) {
        return onLoop(() -> transactional.complete(groupId, producerId, commit));
    }

    /** OffsetFetch for one group (v8+ form; topics by name; null topics: all of the group's offsets). */
    public CompletableFuture<OffsetFetchResponseGroup> fetchOffsets(OffsetFetchRequestGroup request) {
        return fetchOffsets(request, false);
    }

    /**
     * OffsetFetch; with {@code requireStable} (KIP-447, read_committed consumers) a partition with offsets waiting in
     * an open transaction is answered UNSTABLE_OFFSET_COMMIT, and the client asks again.
     */
    public CompletableFuture<OffsetFetchResponseGroup> fetchOffsets(OffsetFetchRequestGroup request, boolean requireStable) {
        return onLoop(() -> committedOffsets.fetch(request, requireStable));
    }

    /** OffsetDelete: removes a group's offsets of partitions its members do not consume. */
    public CompletableFuture<OffsetDeleteResponseData> deleteOffsets(OffsetDeleteRequestData request) {
        return onLoop(() -> committedOffsets.delete(request));
    }

    // ------------------------------------------------------------------ listing, describing, deleting

    public CompletableFuture<ListGroupsResponseData> listGroups(ListGroupsRequestData request) {
        return onLoop(() -> done(views.list(request)));
    }

    /**
     * DescribeGroups (classic groups). {@code notFoundAsError}: v6+, where an unknown group (or one of the consumer
     * protocol) is answered GROUP_ID_NOT_FOUND rather than as a Dead group.
     */
    public CompletableFuture<List<DescribedGroup>> describeGroups(List<String> groupIds, boolean notFoundAsError) {
        return onLoop(() -> done(views.describe(groupIds, notFoundAsError)));
    }

    /** DeleteGroups: an empty group's membership, offsets and configs go; a group with members is refused. */
    public CompletableFuture<List<DeletableGroupResult>> deleteGroups(List<String> groupIds) {
        return onLoop(() -> {
            List<DeletableGroupResult> results = new ArrayList<>();
            List<KeyedStateLog.Entry> entries = new ArrayList<>();
            for (String groupId : groupIds) {
                Group group = groups.get(groupId);
                Errors error;
                if (group == null) {
                    error = Errors.GROUP_ID_NOT_FOUND;
                } else if (!group.isEmpty()) {
                    error = Errors.NON_EMPTY_GROUP;
                } else {
                    error = Errors.NONE;
                    for (TopicPartition tp : group.offsets.keySet()) {
                        entries.add(new KeyedStateLog.Entry(OffsetsRecords.offsetKey(groupId, tp.topic(), tp.partition()), null));
                    }
                    entries.add(new KeyedStateLog.Entry(OffsetsRecords.groupKey(groupId), null));
                    entries.add(new KeyedStateLog.Entry(OffsetsRecords.consumerGroupKey(groupId), null));
                    if (groupConfigsInMetadata != null) {
                        groupConfigsInMetadata.accept(groupId); // its configs go with it, as a share group's do
                    } else {
                        entries.add(new KeyedStateLog.Entry(OffsetsRecords.groupConfigKey(groupId), null));
                        configs.put(groupId, Map.of(), null);
                    }
                    groups.remove(groupId);
                    if (group instanceof ClassicGroup classic) {
                        classic.markDead();
                    } else {
                        group.shutdown();
                    }
                    LOG.info("Group '{}' deleted with {} committed offset(s)", groupId, group.offsets.size());
                }
                results.add(new DeletableGroupResult().setGroupId(groupId).setErrorCode(error.code()));
            }
            return appendThen(entries, results, () -> results.forEach(r -> {
                if (r.errorCode() == Errors.NONE.code()) {
                    r.setErrorCode(Errors.COORDINATOR_NOT_AVAILABLE.code());
                }
            }));
        });
    }

    // ------------------------------------------------------------------ lag

    /**
     * The lag of every partition {@code groupId} has committed an offset for (empty for an unknown group), sorted by
     * topic and partition. For the CLI and metrics; thread-safe like every method here.
     */
    public CompletableFuture<List<PartitionLag>> lag(String groupId) {
        return onLoop(() -> done(views.lag(groupId)));
    }

    /** Every group's type, state, member count, rebalance count and lag (for metrics); thread-safe. */
    public CompletableFuture<List<GroupStats>> stats() {
        return onLoop(() -> done(views.stats()));
    }

    /** The ids of every group the coordinator knows. */
    public CompletableFuture<List<String>> groupIds() {
        return onLoop(() -> done(new ArrayList<>(groups.keySet())));
    }

    /** The offsets log the coordinator writes (tests and tools: its size, its segments). */
    public PartitionLog offsetsLog() {
        return offsetsLog.partitionLog();
    }

    // ------------------------------------------------------------------ plumbing

    private <T> CompletableFuture<T> appendThen(List<KeyedStateLog.Entry> entries, T result, Runnable onFailure) {
        if (entries.isEmpty()) {
            return done(result);
        }
        try {
            return offsetsLog.append(entries).handle((ignored, failure) -> {
                if (failure != null) {
                    LOG.error("Writing {} group record(s) failed: {}", entries.size(), failure.toString());
                    onFailure.run();
                }
                return result;
            });
        } catch (LogStorageException e) {
            LOG.error("Writing {} group record(s) failed: {}", entries.size(), e.getMessage());
            onFailure.run();
            return done(result);
        }
    }

    private <T> CompletableFuture<T> onLoop(Supplier<CompletableFuture<T>> work) {
        return CoordinatorLoop.run(loop, LOG, "group", work);
    }

    private static <T> CompletableFuture<T> done(T value) {
        return CompletableFuture.completedFuture(value);
    }

    /** Stops the timers, answers waiting requests with COORDINATOR_NOT_AVAILABLE; the log itself stays open. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            loop.submit(() -> groups.values().forEach(Group::shutdown)).get(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | java.util.concurrent.TimeoutException | RejectedExecutionException e) {
            LOG.warn("Group coordinator did not shut its groups down cleanly: {}", e.toString());
        }
        CoordinatorLoop.stop(loop, LOG, "group");    // session timeouts are dropped, a running task finishes
    }

    /** What the groups' state machines and the offset stores ask of the coordinator; on its thread. */
    private final class Context implements GroupContext, OffsetsHost {
        @Override
        public long nowMs() {
            return clock.millis();
        }

        @Override
        public Group group(String groupId) {
            return groups.get(groupId);
        }

        @Override
        public Group groupForOffsets(String groupId) {
            Group group = groups.get(groupId);
            return group != null ? group : classicGroup(groupId);
        }

        @Override
        public CompletableFuture<Void> append(List<KeyedStateLog.Entry> entries) {
            return offsetsLog.append(entries);
        }

        @Override
        public <T> CompletableFuture<T> appendThen(List<KeyedStateLog.Entry> entries, T result, Runnable onFailure) {
            return GroupCoordinator.this.appendThen(entries, result, onFailure);
        }

        @Override
        public GroupSettings settings() {
            return settings;
        }

        @Override
        public ConsumerGroupConfig consumerConfig(String groupId) {
            return configs.config(groupId);
        }

        @Override
        public GroupTopics topics() {
            return topics;
        }

        @Override
        public ScheduledFuture<?> schedule(long delayMs, Runnable task) {
            return loop.schedule(() -> guarded(task), Math.max(0, delayMs), TimeUnit.MILLISECONDS);
        }

        @Override
        public void onCoordinatorThread(CompletableFuture<?> future, Runnable task) {
            future.whenComplete((ignored, failure) -> runOnLoop(task));
        }

        void runOnLoop(Runnable task) {
            try {
                loop.execute(() -> guarded(task));
            } catch (RejectedExecutionException e) {
                LOG.debug("Group coordinator shut down; dropped a pending step");
            }
        }

        @Override
        public CompletableFuture<Void> persist(ClassicGroup group) {
            try {
                return append(List.of(new KeyedStateLog.Entry(OffsetsRecords.groupKey(group.groupId),
                        OffsetsRecords.groupValue(group.stored()))));
            } catch (LogStorageException e) {
                LOG.error("Group '{}': cannot store its metadata: {}", group.groupId, e.getMessage());
                return CompletableFuture.failedFuture(e);
            }
        }

        @Override
        public void persistIfChanged(ConsumerGroup group) {
            byte[] value = OffsetsRecords.consumerGroupValue(group);
            if (java.util.Arrays.equals(value, group.lastStored)) {
                return;
            }
            try {
                append(List.of(new KeyedStateLog.Entry(OffsetsRecords.consumerGroupKey(group.groupId), value)));
                group.lastStored = value;
            } catch (LogStorageException e) {
                LOG.error("Group '{}': cannot store its state: {}", group.groupId, e.getMessage());
            }
        }

        private void guarded(Runnable task) {
            try {
                task.run();
            } catch (RuntimeException e) {
                LOG.error("Group coordinator task failed", e);
            }
        }
    }
}
