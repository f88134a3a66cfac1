package io.spindle.share;

import io.spindle.config.ShareSettings;
import io.spindle.groups.GroupTopics;
import io.spindle.log.CoordinatorLoop;
import io.spindle.log.CoordinatorResidency;
import io.spindle.log.KeyedStateLog;
import io.spindle.log.LogStorageException;
import io.spindle.log.PartitionLog;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.GroupIdNotFoundException;
import org.apache.kafka.common.errors.GroupNotEmptyException;
import org.apache.kafka.common.protocol.Errors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The share-group coordinator of a single broker (KIP-932): every share-partition's record state
 * ({@link SharePartition}), persisted in {@link #STATE_TOPIC} and loaded back at start, the group configs, and the
 * admin operations on them. Membership (heartbeats, assignment, session timeouts) is {@link #membership()}, which
 * tells this class when a member is gone so that its records are released.
 *
 * <p>Threading: membership, session timers and the sweep that expires acquisition locks run on one thread
 * ({@code spindle-share-coordinator}); the methods returning futures complete them there. Share-partitions are
 * reached from any thread (the fetch path's readers) through {@link #sharePartition}; whoever changes one holds its
 * monitor and calls {@link #persist} before releasing it, so the stored records of a share-partition are in the
 * order of its changes.
 *
 * <p>Durability: every change of a share-partition (acquisition, acknowledgement, release, lock timeout) is written
 * as the partition's whole state; {@link #persist} completes when that record is durable per the broker's flush
 * policy, and the fetch path answers a client only then (write-ahead). Acquired records are stored as available with
 * their delivery count, so after a restart they are delivered again and the count goes on. Membership is not stored:
 * after a restart members get UNKNOWN_MEMBER_ID and join again, as after a session timeout.
 */
public final class ShareCoordinator implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ShareCoordinator.class);
    /** The internal topic that holds share-partition state (only partition 0 is used). */
    public static final String STATE_TOPIC = "__share_group_state";
    /** The protocol type and group type share groups are listed with. */
    public static final String GROUP_TYPE = "share";
    private static final long SWEEP_INTERVAL_MS = 50;

    /** Hears that records of a topic-partition may be acquired again (released, timed out): waiting fetches retry. */
    public interface AvailabilityListener {
        void recordsAvailable(Uuid topicId, int partition);
    }

    private final ShareSettings settings;
    private final GroupTopics topics;
    private final Clock clock;
    private final KeyedStateLog stateLog;
    private final ScheduledThreadPoolExecutor loop;
    private final ShareGroups membership;
    private final ConcurrentHashMap<ShareStateRecords.Key, SharePartition> partitions = new ConcurrentHashMap<>();
    /** Group configs set through IncrementalAlterConfigs, and the settings they make; written under stateLog's monitor. */
    private final ConcurrentHashMap<String, Map<String, String>> groupConfigs = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, ShareSettings> groupSettings = new ConcurrentHashMap<>();
    private final AtomicLong lockTimeouts = new AtomicLong();
    private final ConcurrentHashMap<String, AtomicLong> groupLockTimeouts = new ConcurrentHashMap<>();
    private final DeadLetters deadLetters;
    private volatile AvailabilityListener listener = (topicId, partition) -> { };
    private volatile boolean closed;
    /** Whether the share state of the state log is in memory and served (see {@link #load}, {@link #unload}). */
    private final CoordinatorResidency residency;

    private ShareCoordinator(PartitionLog log, KeyedStateLog.Writer writer, GroupTopics topics, ShareSettings settings,
                             Clock clock, DeadLetterSink sink) {
        this.settings = settings;
        this.topics = topics;
        this.clock = clock;
        this.stateLog = new KeyedStateLog(log, writer, clock);
        this.loop = CoordinatorLoop.newLoop("spindle-share-coordinator");
        this.membership = new ShareGroups(topics, this::settingsFor, loop, this::releaseMember, clock::millis);
        this.deadLetters = new DeadLetters(sink, loop, key -> topics.topicName(key.topicId()),
                this::settingsFor,
                (key, partition) -> partitions.get(key) == partition,
                (key, partition) -> persist(key.group(), key.topicId(), key.partition(), partition));
        this.residency = new CoordinatorResidency(loop, "share", log, this::loadState, this::clearState);
    }

    /**
     * Loads the state kept in {@code stateLog} (partition 0 of {@link #STATE_TOPIC}) and starts serving. Blocks while
     * loading.
     *
     * @throws IllegalStateException naming the log when its content cannot be read back
     */
    public static ShareCoordinator start(PartitionLog stateLog, GroupTopics topics, ShareSettings settings,
                                         Clock clock) {
        return start(stateLog, topics, settings, clock, DeadLetterSink.NONE);
    }

    /**
     * As {@link #start(PartitionLog, GroupTopics, ShareSettings, Clock)}, copying dead letters to {@code sink}; records
     * a crash left being dead-lettered are sent to it again at once.
     */
    public static ShareCoordinator start(PartitionLog stateLog, GroupTopics topics, ShareSettings settings,
                                         Clock clock, DeadLetterSink sink) {
        return start(stateLog, KeyedStateLog.durableWriter(stateLog), topics, settings, clock, sink);
    }

    /**
     * As {@link #start(PartitionLog, GroupTopics, ShareSettings, Clock, DeadLetterSink)}, with every write to the log
     * made by {@code writer} (a cluster's: acknowledged once the in-sync replicas hold it).
     */
    public static ShareCoordinator start(PartitionLog stateLog, KeyedStateLog.Writer writer, GroupTopics topics,
                                         ShareSettings settings, Clock clock, DeadLetterSink sink) {
        ShareCoordinator coordinator = new ShareCoordinator(stateLog, writer, topics, settings, clock, sink);
        coordinator.residency.loadAtStart(coordinator::close);
        coordinator.loop.scheduleWithFixedDelay(coordinator::sweep, SWEEP_INTERVAL_MS, SWEEP_INTERVAL_MS, TimeUnit.MILLISECONDS);
        return coordinator;
    }

    /**
     * Loads the share state from the state log again if it was {@linkplain #unload unloaded} (this broker leads the
     * state partition again), resuming interrupted dead-lettering; nothing when it is loaded.
     */
    public CompletableFuture<Void> load() {
        return residency.load();
    }

    /**
     * Forgets every share group and share-partition (members' session timers stop), as when this broker stops leading
     * the state partition: the broker that leads it next loads them from the log. The log stays.
     */
    public CompletableFuture<Void> unload() {
        return residency.unload();
    }

    /** Whether the share state is loaded and served here. */
    public boolean isLoaded() {
        return residency.isLoaded();
    }

    private void clearState() {
        int count = partitions.size();
        membership.clear();
        partitions.clear();
        groupConfigs.clear();
        groupSettings.clear();
        LOG.info("Share coordinator unloaded {} share-partition(s) of {}", count, stateLog.partitionLog());
    }

    private void loadState() {
        stateLog.replay((keyBytes, value) -> {
            if (ShareStateRecords.isGroupConfigKey(keyBytes)) {
                String group = ShareStateRecords.readGroupConfigKey(keyBytes);
                Map<String, String> configs = value == null ? null : ShareStateRecords.readGroupConfigValue(value);
                if (configs == null) {
                    groupConfigs.remove(group);
                } else {
                    groupConfigs.put(group, configs);
                }
                return;
            }
            ShareStateRecords.Key key = ShareStateRecords.readKey(keyBytes);
            if (value == null) {
                partitions.remove(key);
            } else {
                partitions.put(key, SharePartition.restore(ShareStateRecords.readValue(value), settings));
            }
        });
        groupConfigs.forEach((group, configs) -> {
            try {
                groupSettings.put(group, settings.withGroupConfigs(configs));
            } catch (RuntimeException e) {
                // A config stored under wider bounds than today's: the broker's settings apply instead, said once.
                LOG.warn("Share group '{}': ignoring its stored configs {}: {}", group, configs, e.getMessage());
            }
        });
        partitions.forEach((key, partition) -> {
            membership.ensure(key.group());
            partition.reconfigure(settingsFor(key.group()));
        });
        LOG.info("Share coordinator loaded {} share-partition(s) of {} share group(s) from {}", partitions.size(),
                membership.groupCount(), stateLog.partitionLog());
        partitions.forEach(deadLetters::resume);     // records a crash or a move left being dead-lettered
    }

    /** Share groups' members, heartbeats and assignment. */
    public ShareMembership membership() {
        return membership;
    }

    public void setAvailabilityListener(AvailabilityListener listener) {
        this.listener = listener;
    }

    /** The broker-wide settings. */
    public ShareSettings settings() {
        return settings;
    }

    /** The settings of one share group: the broker's, with the group's configs on top. */
    public ShareSettings settingsFor(String group) {
        return groupSettings.getOrDefault(group, settings);
    }

    /** The configs share group {@code group} set (empty when none). */
    public Map<String, String> groupConfigs(String group) {
        return groupConfigs.getOrDefault(group, Map.of());
    }

    /**
     * Replaces the configs of share group {@code group} (the group need not exist yet: a group is usually configured
     * before its consumers start); they apply to its share-partitions at once. Completes when they are durable.
     *
     * @throws io.spindle.config.ConfigException naming an unknown config or a value not allowed; nothing changed
     */
    public CompletableFuture<Void> alterGroupConfigs(String group, Map<String, String> configs, boolean validateOnly) {
        ShareSettings effective = settings.withGroupConfigs(configs);
        if (validateOnly) {
            return CompletableFuture.completedFuture(null);
        }
        Map<String, String> stored = Map.copyOf(new TreeMap<>(configs));
        byte[] key = ShareStateRecords.groupConfigKey(group);
        CompletableFuture<Void> durable;
        synchronized (stateLog) {
            durable = write(List.of(new KeyedStateLog.Entry(key, stored.isEmpty() ? null
                    : ShareStateRecords.groupConfigValue(new TreeMap<>(stored)))));
            if (stored.isEmpty()) {
                groupConfigs.remove(group);
                groupSettings.remove(group);
            } else {
                groupConfigs.put(group, stored);
                groupSettings.put(group, effective);
            }
        }
        partitions.forEach((k, partition) -> {
            if (k.group().equals(group)) {
                synchronized (partition) {
                    partition.reconfigure(effective);
                }
            }
        });
        LOG.info("Share group '{}': configs now {}", group, stored);
        return durable;
    }

    public long nowMs() {
        return clock.millis();
    }

    // ------------------------------------------------------------------ share-partitions (any thread)

    /**
     * The share-partition of {@code group} in the topic-partition, made if the group has none yet, starting at
     * {@code initialOffset} (asked only then). Callers synchronize on the result around every use.
     */
    public SharePartition sharePartition(String group, Uuid topicId, int partition, LongSupplier initialOffset) {
        ShareStateRecords.Key key = new ShareStateRecords.Key(group, topicId, partition);
        SharePartition existing = partitions.get(key);
        if (existing != null) {
            return existing;
        }
        boolean[] created = {false};
        SharePartition result = partitions.computeIfAbsent(key, k -> {
            created[0] = true;
            return SharePartition.startingAt(initialOffset.getAsLong(), settingsFor(group));
        });
        if (created[0]) {
            synchronized (result) {
                // Stored at once so that "latest" keeps meaning the offset where the group first looked.
                persist(group, topicId, partition, result).exceptionally(failure -> null);
            }
        }
        return result;
    }

    /** Every share-partition, by key (a snapshot of the map; synchronize on each to read it). */
    public Map<ShareStateRecords.Key, SharePartition> sharePartitions() {
        return new HashMap<>(partitions);
    }

    /** Records whose acquisition lock expired since the broker started. */
    public long lockTimeouts() {
        return lockTimeouts.get();
    }

    /** Records of {@code group} whose acquisition lock expired since the broker started. */
    public long lockTimeouts(String group) {
        AtomicLong count = groupLockTimeouts.get(group);
        return count == null ? 0 : count.get();
    }

    /** Records of {@code group} copied to its dead-letter topic (then archived) since the broker started. */
    public long deadLettered(String group) {
        return deadLetters.deadLettered(group);
    }

    /** Records of {@code group} archived without their dead-letter copy since the broker started: see DeadLetterSink. */
    public long deadLettersNotWritten(String group) {
        return deadLetters.notWritten(group);
    }

    /** Every share-partition of {@code group}, by key (a snapshot of the map; synchronize on each to read it). */
    public Map<ShareStateRecords.Key, SharePartition> sharePartitions(String group) {
        Map<ShareStateRecords.Key, SharePartition> result = new TreeMap<>(
                Comparator.comparing((ShareStateRecords.Key k) -> k.topicId().toString())
                        .thenComparingInt(ShareStateRecords.Key::partition));
        partitions.forEach((key, partition) -> {
            if (key.group().equals(group)) {
                result.put(key, partition);
            }
        });
        return result;
    }

    /** The share-partition if the group has one. */
    public SharePartition existing(String group, Uuid topicId, int partition) {
        return partitions.get(new ShareStateRecords.Key(group, topicId, partition));
    }

    /**
     * Writes the share-partition's state; completes when it is durable, or fails when the state log cannot take it.
     * Call holding the partition's monitor, right after changing it.
     */
    public CompletableFuture<Void> persist(String group, Uuid topicId, int partition, SharePartition state) {
        ShareStateRecords.Key stateKey = new ShareStateRecords.Key(group, topicId, partition);
        byte[] key = ShareStateRecords.key(stateKey);
        byte[] value = ShareStateRecords.value(state.snapshot());
        try {
            CompletableFuture<Void> durable = write(List.of(new KeyedStateLog.Entry(key, value)));
            deadLetters.afterPersist(stateKey, state, durable);
            return durable;
        } catch (LogStorageException e) {
            LOG.error("Share group '{}': cannot store the state of {}:{}: {}", group, topicId, partition, e.getMessage());
            return CompletableFuture.failedFuture(e);
        }
    }

    private CompletableFuture<Void> write(List<KeyedStateLog.Entry> entries) {
        synchronized (stateLog) {
            return stateLog.append(entries);
        }
    }

    /** Tells waiting fetches that records of the topic-partition became available. */
    public void announceAvailable(Uuid topicId, int partition) {
        listener.recordsAvailable(topicId, partition);
    }

    /**
     * Expires acquisition locks, and wakes the fetches of partitions where a record's wait (backoff, delivery time)
     * ended; runs on the coordinator thread every {@value #SWEEP_INTERVAL_MS} ms.
     */
    private void sweep() {
        long now = clock.millis();
        for (Map.Entry<ShareStateRecords.Key, SharePartition> e : partitions.entrySet()) {
            SharePartition partition = e.getValue();
            ShareStateRecords.Key key = e.getKey();
            boolean released;
            synchronized (partition) {
                int expired = partition.expireLocks(now);
                if (expired > 0) {
                    lockTimeouts.addAndGet(expired);
                    groupLockTimeouts.computeIfAbsent(key.group(), g -> new AtomicLong()).addAndGet(expired);
                    persist(key.group(), key.topicId(), key.partition(), partition).exceptionally(failure -> null);
                }
                released = expired > 0 || partition.waitOver(now);
            }
            if (released) {
                announceAvailable(key.topicId(), key.partition());
            }
        }
    }

    /** Releases what {@code member} of {@code group} holds in any share-partition (it left or its session ended). */
    public void releaseMember(String group, String member) {
        for (Map.Entry<ShareStateRecords.Key, SharePartition> e : partitions.entrySet()) {
            ShareStateRecords.Key key = e.getKey();
            if (!key.group().equals(group)) {
                continue;
            }
            SharePartition partition = e.getValue();
            boolean released;
            synchronized (partition) {
                released = partition.releaseAll(member, clock.millis()) > 0;
                if (released) {
                    persist(group, key.topicId(), key.partition(), partition).exceptionally(failure -> null);
                }
            }
            if (released) {
                announceAvailable(key.topicId(), key.partition());
            }
        }
    }

    /**
     * Whether {@code member} is a member of share group {@code group} now; any thread (see
     * {@link ShareMembership#isMember}).
     */
    public boolean isMember(String group, String member) {
        return membership.isMember(group, member);
    }

    /** A share-partition of a group, named by topic id and partition index. */
    public record PartitionKey(Uuid topicId, int partition) {
    }

    /**
     * AlterShareGroupOffsets: starts each named share-partition of {@code groupId} anew at the given offset, nothing in
     * flight (made if the group had none; the group too, as Kafka does). Completes when the new state is durable.
     * Fails with {@link GroupNotEmptyException} (NON_EMPTY_GROUP) while the group has members: their acquired records
     * would no longer belong to the window.
     */
    public CompletableFuture<Void> alterOffsets(String groupId, Map<PartitionKey, Long> startOffsets) {
        return onLoop(() -> {
            int members = membership.memberCount(groupId);
            if (members > 0) {
                return CompletableFuture.failedFuture(new GroupNotEmptyException("share group '" + groupId + "' has "
                        + members + " member(s); its offsets can be altered only while it has none"));
            }
            membership.ensure(groupId);
            List<CompletableFuture<Void>> durable = new ArrayList<>();
            startOffsets.forEach((key, offset) -> {
                SharePartition partition = partitions.computeIfAbsent(
                        new ShareStateRecords.Key(groupId, key.topicId(), key.partition()),
                        k -> SharePartition.startingAt(offset, settingsFor(groupId)));
                synchronized (partition) {
                    partition.resetTo(offset);
                    durable.add(persist(groupId, key.topicId(), key.partition(), partition));
                }
                LOG.info("Share group '{}': share-partition {}:{} now starts at offset {}", groupId, key.topicId(),
                        key.partition(), offset);
            });
            return CompletableFuture.allOf(durable.toArray(new CompletableFuture<?>[0]));
        });
    }

    /**
     * DeleteShareGroupOffsets: drops the state of {@code groupId}'s share-partitions in the given topics, so the group
     * starts in them again per share.auto.offset.reset. Completes, with the topics that had state (the others had
     * nothing to delete), when the tombstones are durable. Fails with
     * {@link GroupIdNotFoundException} for a group that does not exist and {@link GroupNotEmptyException} while it has
     * members.
     */
    public CompletableFuture<Set<Uuid>> deleteOffsets(String groupId, Set<Uuid> topicIds) {
        return onLoop(() -> {
            int members = membership.memberCount(groupId);
            if (members < 0) {
                return CompletableFuture.failedFuture(new GroupIdNotFoundException("share group '" + groupId
                        + "' does not exist"));
            }
            if (members > 0) {
                return CompletableFuture.failedFuture(new GroupNotEmptyException("share group '" + groupId + "' has "
                        + members + " member(s); its offsets can be deleted only while it has none"));
            }
            List<KeyedStateLog.Entry> tombstones = new ArrayList<>();
            Set<Uuid> deleted = new HashSet<>();
            for (ShareStateRecords.Key key : new ArrayList<>(partitions.keySet())) {
                if (key.group().equals(groupId) && topicIds.contains(key.topicId())) {
                    partitions.remove(key);
                    tombstones.add(new KeyedStateLog.Entry(ShareStateRecords.key(key), null));
                    deleted.add(key.topicId());
                }
            }
            LOG.info("Share group '{}': deleted the state of {} share-partition(s) of topic(s) {}", groupId,
                    tombstones.size(), deleted);
            return tombstones.isEmpty() ? done(deleted) : write(tombstones).thenApply(ignored -> deleted);
        });
    }

    /** Whether a share group of that id exists (it has members, or state from before). */
    public CompletableFuture<Boolean> exists(String groupId) {
        return onLoop(() -> done(membership.memberCount(groupId) >= 0));
    }

    /**
     * DeleteGroups for the share groups among {@code groupIds}: an empty one goes with its share-partition state
     * (once the tombstones are durable); one with members is refused with NON_EMPTY_GROUP. Groups that are not share
     * groups are absent from the result.
     */
    public CompletableFuture<Map<String, Errors>> delete(List<String> groupIds) {
        return onLoop(() -> {
            Map<String, Errors> results = new LinkedHashMap<>();
            List<KeyedStateLog.Entry> tombstones = new ArrayList<>();
            for (String groupId : groupIds) {
                int members = membership.memberCount(groupId);
                if (members < 0) {
                    continue;
                }
                if (members > 0) {
                    results.put(groupId, Errors.NON_EMPTY_GROUP);
                    continue;
                }
                membership.remove(groupId);
                for (ShareStateRecords.Key key : new ArrayList<>(partitions.keySet())) {
                    if (key.group().equals(groupId)) {
                        partitions.remove(key);
                        tombstones.add(new KeyedStateLog.Entry(ShareStateRecords.key(key), null));
                    }
                }
                if (groupConfigs.containsKey(groupId)) {
                    tombstones.add(new KeyedStateLog.Entry(ShareStateRecords.groupConfigKey(groupId), null));
                    groupConfigs.remove(groupId);
                    groupSettings.remove(groupId);
                }
                results.put(groupId, Errors.NONE);
                LOG.info("Share group '{}' deleted", groupId);
            }
            if (tombstones.isEmpty()) {
                return done(results);
            }
            try {
                return write(tombstones).handle((ignored, failure) -> {
                    if (failure != null) {
                        results.replaceAll((g, e) -> e == Errors.NONE ? Errors.COORDINATOR_NOT_AVAILABLE : e);
                    }
                    return results;
                });
            } catch (LogStorageException e) {
                results.replaceAll((g, err) -> err == Errors.NONE ? Errors.COORDINATOR_NOT_AVAILABLE : err);
                return done(results);
            }
        });
    }

    /** The state log (tests and tools). */
    public PartitionLog stateLog() {
        return stateLog.partitionLog();
    }

    // ------------------------------------------------------------------ plumbing

    private <T> CompletableFuture<T> onLoop(Supplier<CompletableFuture<T>> work) {
        return CoordinatorLoop.run(loop, LOG, "share", work);
    }

    private static <T> CompletableFuture<T> done(T value) {
        return CompletableFuture.completedFuture(value);
    }

    /** Stops the timers and the sweep; the state log itself stays open. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        CoordinatorLoop.stop(loop, LOG, "share");
    }

}
