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
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.CoordinatorNotAvailableException;
import org.apache.kafka.common.errors.FencedLeaderEpochException;
import org.apache.kafka.common.errors.FencedStateEpochException;
import org.apache.kafka.common.errors.GroupIdNotFoundException;
import org.apache.kafka.common.errors.GroupNotEmptyException;
import org.apache.kafka.common.errors.NotCoordinatorException;
import org.apache.kafka.common.errors.NotLeaderOrFollowerException;
import org.apache.kafka.common.protocol.Errors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Share groups on one broker (KIP-932), in two roles:
 * <ul>
 *   <li><b>Share-partition leader</b>, for the topic partitions this broker leads ({@link SharePartitionLeadership}):
 *       their share-partitions' record state ({@link SharePartition}) in memory: acquisitions, acknowledgements,
 *       locks, delivery counts, dead letters. A share-partition is read from the share coordinator when this broker
 *       starts leading its topic partition ({@link #ensureLoaded}), every change is written there
 *       ({@link #persist}), and it is dropped here when the leadership moves on.</li>
 *   <li><b>Share coordinator</b>, while this broker leads {@link #STATE_TOPIC} partition 0 ({@link #load},
 *       {@link #unload}): the stored state of every share-partition, kept in that log and read back from it
 *       ({@link #readState}, {@link #writeState}, which other brokers reach through ShareStatePersister), the
 *       membership, the group configs and the admin operations.</li>
 * </ul>
 * A single broker leads everything and coordinates: its share-partition leader reads and writes its own coordinator's
 * state directly. Membership (heartbeats, assignment, session timeouts) is {@link #membership()}, which tells this
 * class when a member is gone so that its records are released.
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
    private final SharePartitionLeadership leadership;
    private final ShareStatePersister persister;
    /** Leader role: the share-partitions of topic partitions led here, each with the epochs it was read at. */
    private final ConcurrentHashMap<ShareStateRecords.Key, SharePartition> partitions = new ConcurrentHashMap<>();
    /**
     * Leader role: the epochs each share-partition of {@code partitions} was read at; a key here without a partition
     * there was read and had no state (the group starts there at its first fetch). Put after {@code partitions}.
     */
    private final ConcurrentHashMap<ShareStateRecords.Key, Held> held = new ConcurrentHashMap<>();
    /** Coordinator role: the stored state of every share-partition; written under stateLog's monitor. */
    private final ConcurrentHashMap<ShareStateRecords.Key, ShareStateRecords.Snapshot> stored = new ConcurrentHashMap<>();
    /** Coordinator role: the highest leader epoch that read or wrote each share-partition (older ones are fenced). */
    private final ConcurrentHashMap<ShareStateRecords.Key, Integer> leaderEpochs = new ConcurrentHashMap<>();
    /** Coordinator role: each share-partition's state epoch, raised when an admin operation resets or deletes it. */
    private final ConcurrentHashMap<ShareStateRecords.Key, Integer> stateEpochs = new ConcurrentHashMap<>();
    /** Group configs set through IncrementalAlterConfigs, and the settings they make; written under stateLog's monitor. */
    private final ConcurrentHashMap<String, Map<String, String>> groupConfigs = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, ShareSettings> groupSettings = new ConcurrentHashMap<>();
    /**
     * Set in a cluster ({@link #keepGroupConfigsInMetadata}): the group configs are the metadata's, applied on every
     * broker through {@link #applyGroupConfigs}, and this log keeps none; {@code null} on a single broker.
     */
    private volatile Consumer<String> groupConfigsInMetadata;
    private final AtomicLong lockTimeouts = new AtomicLong();
    private final ConcurrentHashMap<String, AtomicLong> groupLockTimeouts = new ConcurrentHashMap<>();
    private final DeadLetters deadLetters;
    private volatile AvailabilityListener listener = (topicId, partition) -> { };
    /**
     * Leader role, while another broker coordinates: each group's settings as last read from the coordinator, and when
     * (they are read again at a fetch once {@value #REMOTE_CONFIGS_MAX_AGE_MS} ms old).
     */
    private record RemoteSettings(ShareSettings settings, long readAtMs) {
    }

    private static final long REMOTE_CONFIGS_MAX_AGE_MS = 5_000;
    private final ConcurrentHashMap<String, RemoteSettings> remoteSettings = new ConcurrentHashMap<>();
    private final Set<String> readingConfigs = ConcurrentHashMap.newKeySet();
    /** Whether this broker is the share coordinator now (see {@link #coordinatesWhen}). */
    private volatile BooleanSupplier coordinating = this::isLoaded;
    private volatile boolean closed;
    /** Whether the share state of the state log is in memory and served (see {@link #load}, {@link #unload}). */
    private final CoordinatorResidency residency;

    /** The leader epoch and state epoch a share-partition held here was read at. */
    private record Held(int leaderEpoch, int stateEpoch) {
    }

    private ShareCoordinator(PartitionLog log, KeyedStateLog.Writer writer, GroupTopics topics, ShareSettings settings,
                             Clock clock, DeadLetterSink sink, SharePartitionLeadership leadership,
                             ShareStatePersister persister) {
        this.settings = settings;
        this.leadership = leadership;
        this.persister = persister;
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
        return start(stateLog, KeyedStateLog.durableWriter(stateLog), topics, settings, clock, sink,
                SharePartitionLeadership.ALL, ShareStatePersister.NONE);
    }

    /**
     * As {@link #start(PartitionLog, GroupTopics, ShareSettings, Clock, DeadLetterSink)}, with every write to the log
     * made by {@code writer} (a cluster's: acknowledged once the in-sync replicas hold it), share-partitions kept for
     * the topic partitions {@code leadership} says this broker leads, and their state read from and written to the
     * share coordinator through {@code persister} while another broker coordinates.
     */
    public static ShareCoordinator start(PartitionLog stateLog, KeyedStateLog.Writer writer, GroupTopics topics,
                                         ShareSettings settings, Clock clock, DeadLetterSink sink,
                                         SharePartitionLeadership leadership, ShareStatePersister persister) {
        ShareCoordinator coordinator = new ShareCoordinator(stateLog, writer, topics, settings, clock, sink,
                leadership, persister);
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
     * Forgets every share group and the stored share-partition state (members' session timers stop), as when this
     * broker stops leading the state partition: the broker that leads it next loads them from the log. The log stays.
     * The share-partitions of topic partitions this broker leads stay: from now on they are written to the new
     * coordinator.
     */
    public CompletableFuture<Void> unload() {
        return residency.unload();
    }

    /** Whether the share state is loaded and served here. */
    public boolean isLoaded() {
        return residency.isLoaded();
    }

    private void clearState() {
        int count = stored.size();
        membership.clear();
        synchronized (stateLog) {
            stored.clear();
            leaderEpochs.clear();
            stateEpochs.clear();
        }
        if (groupConfigsInMetadata == null) {
            groupConfigs.clear();
            groupSettings.clear();
        }
        LOG.info("Share coordinator unloaded {} share-partition(s) of {}", count, stateLog.partitionLog());
    }

    private void loadState() {
        stateLog.replay((keyBytes, value) -> {
            if (ShareStateRecords.isGroupConfigKey(keyBytes)) {
                if (groupConfigsInMetadata != null) {
                    return;     // written before the cluster kept them (none are written since): the metadata's apply
                }
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
                stored.remove(key);
            } else {
                stored.put(key, ShareStateRecords.readValue(value));
            }
        });
        groupConfigs.forEach((group, configs) -> {
            if (groupConfigsInMetadata != null) {
                return;
            }
            try {
                groupSettings.put(group, settings.withGroupConfigs(configs));
            } catch (RuntimeException e) {
                // A config stored under wider bounds than today's: the broker's settings apply instead, said once.
                LOG.warn("Share group '{}': ignoring its stored configs {}: {}", group, configs, e.getMessage());
            }
        });
        Map<ShareStateRecords.Key, SharePartition> restored = new HashMap<>();
        stored.forEach((key, snapshot) -> {
            membership.ensure(key.group());
            // The share-partitions of topic partitions led here are served from memory at once (on a single broker:
            // all of them); one held here already (this broker led it before it coordinated) is newer than the log.
            int epoch = leadership.leaderEpoch(key.topicId(), key.partition());
            Held at = held.get(key);
            if (epoch >= 0 && (at == null || at.leaderEpoch() != epoch)) {
                SharePartition partition = SharePartition.restore(snapshot, settings);
                // The configs just loaded (settingsFor would not yet see this broker as the coordinator).
                partition.reconfigure(groupSettings.getOrDefault(key.group(), settings));
                partitions.put(key, partition);
                held.put(key, new Held(epoch, 0));
                restored.put(key, partition);
            }
        });
        LOG.info("Share coordinator loaded {} share-partition(s) of {} share group(s) from {}, {} of them led here",
                stored.size(), membership.groupCount(), stateLog.partitionLog(), restored.size());
        // Records a crash or a move left being dead-lettered; queued behind this load, so their writes find it done.
        loop.execute(() -> restored.forEach(deadLetters::resume));
    }

    /** Share groups' members, heartbeats and assignment. */
    public ShareMembership membership() {
        return membership;
    }

    public void setAvailabilityListener(AvailabilityListener listener) {
        this.listener = listener;
    }

    /**
     * Says when this broker is the share coordinator (in a cluster: it leads {@value #STATE_TOPIC} partition 0 and has
     * loaded it); by default whenever the state is loaded, as on a single broker. While it is, the share-partitions
     * held here are read from and written to this coordinator's own log; else through the persister.
     */
    public void coordinatesWhen(BooleanSupplier coordinates) {
        this.coordinating = coordinates;
    }

    /** The broker-wide settings. */
    public ShareSettings settings() {
        return settings;
    }

    /**
     * The settings of one share group: the broker's, with the group's configs on top (on a broker that does not
     * coordinate, the configs as last read from the coordinator; see {@link #ensureLoaded}).
     */
    public ShareSettings settingsFor(String group) {
        if (groupConfigsInMetadata != null || coordinating.getAsBoolean()) {
            return groupSettings.getOrDefault(group, settings);
        }
        RemoteSettings remote = remoteSettings.get(group);
        return remote == null ? settings : remote.settings();
    }

    /**
     * On a broker that does not coordinate: reads the group's configs from the coordinator when it has none yet
     * (completing once read, so that a first fetch already starts where the group's share.auto.offset.reset says) or
     * when they are older than {@value #REMOTE_CONFIGS_MAX_AGE_MS} ms (in the background: the fetch goes on with those
     * it has).
     */
    private CompletableFuture<Void> refreshConfigs(String group) {
        if (groupConfigsInMetadata != null || coordinating.getAsBoolean()) {
            return CompletableFuture.completedFuture(null);
        }
        RemoteSettings known = remoteSettings.get(group);
        long now = clock.millis();
        if ((known != null && now - known.readAtMs() < REMOTE_CONFIGS_MAX_AGE_MS) || !readingConfigs.add(group)) {
            return CompletableFuture.completedFuture(null);
        }
        CompletableFuture<Map<String, String>> read;
        try {
            read = persister.groupConfigs(group);
        } catch (RuntimeException e) {
            read = CompletableFuture.failedFuture(e);
        }
        CompletableFuture<Void> applied = read.handleAsync((configs, failure) -> {
            readingConfigs.remove(group);
            ShareSettings effective = known == null ? settings : known.settings();
            if (failure != null) {
                LOG.warn("Share group '{}': cannot read its configs from the share coordinator ({}); using {}", group,
                        failure.toString(), known == null ? "the broker's settings" : "those read before");
            } else {
                try {
                    effective = settings.withGroupConfigs(configs);
                } catch (RuntimeException e) {
                    LOG.warn("Share group '{}': ignoring its configs {}: {}", group, configs, e.getMessage());
                    effective = settings;
                }
            }
            remoteSettings.put(group, new RemoteSettings(effective, now));
            if (known == null || !effective.equals(known.settings())) {
                ShareSettings reconfigured = effective;
                partitions.forEach((key, partition) -> {
                    if (key.group().equals(group)) {
                        synchronized (partition) {
                            partition.reconfigure(reconfigured);
                        }
                    }
                });
            }
            return null;
        }, loop);
        return known == null ? applied : CompletableFuture.completedFuture(null);
    }

    /** The configs share group {@code group} set (empty when none). */
    public Map<String, String> groupConfigs(String group) {
        return groupConfigs.getOrDefault(group, Map.of());
    }

    /**
     * From now on the group configs are kept by the cluster's metadata, which every broker applies through
     * {@link #applyGroupConfigs}: this broker's share-partitions read them from there whoever coordinates, and the
     * state log keeps none (those it holds from before are not loaded). {@code forget} is told the id of a deleted
     * share group, whose configs go with it. Call before the coordinator first loads.
     */
    public void keepGroupConfigsInMetadata(Consumer<String> forget) {
        this.groupConfigsInMetadata = forget;
    }

    /**
     * The configs of share group {@code group} as the cluster's metadata now has them (empty: none), applied to its
     * share-partitions here at once. Configs this broker's bounds refuse are ignored, said once: the broker's settings
     * apply to that group instead, as for stored configs at a load. Any thread; quick (no disk).
     */
    public void applyGroupConfigs(String group, Map<String, String> configs) {
        ShareSettings effective = settings;
        if (configs.isEmpty()) {
            groupConfigs.remove(group);
            groupSettings.remove(group);
        } else {
            groupConfigs.put(group, Map.copyOf(configs));
            try {
                effective = settings.withGroupConfigs(configs);
                groupSettings.put(group, effective);
            } catch (RuntimeException e) {
                groupSettings.remove(group);
                LOG.warn("Share group '{}': ignoring its configs {}: {}", group, configs, e.getMessage());
            }
        }
        ShareSettings reconfigured = effective;
        partitions.forEach((key, partition) -> {
            if (key.group().equals(group)) {
                synchronized (partition) {
                    partition.reconfigure(reconfigured);
                }
            }
        });
        LOG.info("Share group '{}': configs now {} (from the cluster's metadata)", group, new TreeMap<>(configs));
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
        if (groupConfigsInMetadata != null) {
            throw new IllegalStateException("share group '" + group + "': its configs are kept by the cluster's "
                    + "metadata, not by the share coordinator");
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
     * Reads from the share coordinator the share-partitions of {@code group} in those topic partitions that this broker
     * leads and does not hold yet at their current leader epoch (a new leader, or the group's first fetch there).
     * Completes when each is read, or its read failed (logged; {@link #sharePartition} then refuses it).
     */
    public CompletableFuture<Void> ensureLoaded(String group, Collection<PartitionKey> topicPartitions) {
        List<CompletableFuture<Void>> reads = new ArrayList<>();
        reads.add(refreshConfigs(group));
        for (PartitionKey topicPartition : topicPartitions) {
            int epoch = leadership.leaderEpoch(topicPartition.topicId(), topicPartition.partition());
            ShareStateRecords.Key key = new ShareStateRecords.Key(group, topicPartition.topicId(),
                    topicPartition.partition());
            Held at = held.get(key);
            if (epoch < 0 || (at != null && at.leaderEpoch() == epoch)) {
                continue;
            }
            CompletableFuture<ShareStatePersister.ReadResult> read;
            try {
                read = coordinating.getAsBoolean() ? readState(key, epoch) : persister.read(key, epoch);
            } catch (RuntimeException e) {
                read = CompletableFuture.failedFuture(e);
            }
            reads.add(read.handleAsync((result, failure) -> {
                if (failure != null) {
                    LOG.warn("Share group '{}': cannot read the state of {}:{} from the share coordinator: {}", group,
                            key.topicId(), key.partition(), failure.toString());
                } else {
                    install(key, epoch, result);
                }
                return null;
            }, loop));
        }
        return CompletableFuture.allOf(reads.toArray(new CompletableFuture<?>[0]));
    }

    /** Holds the state read at {@code epoch} unless the leadership moved on meanwhile or another read was first. */
    private void install(ShareStateRecords.Key key, int epoch, ShareStatePersister.ReadResult result) {
        Held at = held.get(key);
        if (leadership.leaderEpoch(key.topicId(), key.partition()) != epoch
                || (at != null && at.leaderEpoch() == epoch)) {
            return;
        }
        partitions.remove(key);
        if (result.snapshot().isPresent()) {
            SharePartition partition = SharePartition.restore(result.snapshot().get(), settings);
            partition.reconfigure(settingsFor(key.group()));
            partitions.put(key, partition);
            held.put(key, new Held(epoch, result.stateEpoch()));
            LOG.info("Share group '{}': leading share-partition {}:{} at leader epoch {} from offset {}", key.group(),
                    key.topicId(), key.partition(), epoch, result.snapshot().get().startOffset());
            deadLetters.resume(key, partition);
        } else {
            held.put(key, new Held(epoch, result.stateEpoch()));
        }
    }

    /** Drops a share-partition held here (the leadership moved on, or the coordinator reset it): it is read again. */
    private void forget(ShareStateRecords.Key key, String why) {
        held.remove(key);
        if (partitions.remove(key) != null) {
            LOG.info("Share group '{}': dropped share-partition {}:{}: {}", key.group(), key.topicId(), key.partition(),
                    why);
        }
    }

    /**
     * The share-partition of {@code group} in the topic-partition, made if the group has none yet, starting at
     * {@code initialOffset} (asked only then). Callers synchronize on the result around every use.
     *
     * @throws NotLeaderOrFollowerException    when this broker does not lead the topic partition
     * @throws CoordinatorNotAvailableException when its state has not been read from the coordinator
     *                                          ({@link #ensureLoaded}) at the current leader epoch
     */
    public SharePartition sharePartition(String group, Uuid topicId, int partition, LongSupplier initialOffset) {
        ShareStateRecords.Key key = new ShareStateRecords.Key(group, topicId, partition);
        int epoch = leadership.leaderEpoch(topicId, partition);
        if (epoch < 0) {
            throw new NotLeaderOrFollowerException("this broker does not lead " + topicId + ":" + partition);
        }
        Held at = held.get(key);
        if (at == null || at.leaderEpoch() != epoch) {
            throw new CoordinatorNotAvailableException("share group '" + group + "': the state of " + topicId + ":"
                    + partition + " at leader epoch " + epoch + " has not been read from the share coordinator yet");
        }
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

    /** Every share-partition the coordinator stores or this broker holds (a snapshot). */
    private Set<ShareStateRecords.Key> shareKeys() {
        Set<ShareStateRecords.Key> keys = new HashSet<>(stored.keySet());
        keys.addAll(partitions.keySet());
        return keys;
    }

    /**
     * The share-partitions of {@code group} this broker knows: those it holds as their leader, and while it
     * coordinates those stored (as {@link #view} shows them).
     */
    public Set<PartitionKey> sharePartitionKeys(String group) {
        Set<PartitionKey> keys = new HashSet<>();
        shareKeys().forEach(key -> {
            if (key.group().equals(group)) {
                keys.add(new PartitionKey(key.topicId(), key.partition()));
            }
        });
        return keys;
    }

    /**
     * A share-partition to read (DescribeShareGroupOffsets): the one held here as its leader, else while this broker
     * coordinates a copy of the stored state (acquired records in it show as available); null when neither. Synchronize
     * on it to read it.
     */
    public SharePartition view(String group, Uuid topicId, int partition) {
        SharePartition held = existing(group, topicId, partition);
        if (held != null) {
            return held;
        }
        ShareStateRecords.Snapshot snapshot = stored.get(new ShareStateRecords.Key(group, topicId, partition));
        return snapshot == null ? null : SharePartition.restore(snapshot, settingsFor(group));
    }

    /** The share-partition if the group has one held here at the topic partition's current leader epoch. */
    public SharePartition existing(String group, Uuid topicId, int partition) {
        ShareStateRecords.Key key = new ShareStateRecords.Key(group, topicId, partition);
        Held at = held.get(key);
        if (at == null || at.leaderEpoch() != leadership.leaderEpoch(topicId, partition)) {
            return null;
        }
        return partitions.get(key);
    }

    /**
     * Writes the share-partition's state at the share coordinator (this broker's own state log while it coordinates);
     * completes when it is durable there, or fails when it cannot take it. Call holding the partition's monitor, right
     * after changing it: the writes of one share-partition are made in the order of its changes.
     */
    public CompletableFuture<Void> persist(String group, Uuid topicId, int partition, SharePartition state) {
        ShareStateRecords.Key stateKey = new ShareStateRecords.Key(group, topicId, partition);
        ShareStateRecords.Snapshot snapshot = state.snapshot();
        Held at = held.get(stateKey);
        int leaderEpoch = at == null ? leadership.leaderEpoch(topicId, partition) : at.leaderEpoch();
        int stateEpoch = at == null ? 0 : at.stateEpoch();
        try {
            CompletableFuture<Void> durable = coordinating.getAsBoolean()
                    ? writeState(stateKey, leaderEpoch, stateEpoch, snapshot)
                    : persister.write(stateKey, leaderEpoch, stateEpoch, snapshot);
            durable.whenComplete((ignored, failure) -> {
                if (failure != null && unwrap(failure) instanceof FencedStateEpochException) {
                    forget(stateKey, "its state was reset at the share coordinator");
                }
            });
            deadLetters.afterPersist(stateKey, state, durable);
            return durable;
        } catch (LogStorageException e) {
            LOG.error("Share group '{}': cannot store the state of {}:{}: {}", group, topicId, partition, e.getMessage());
            return CompletableFuture.failedFuture(e);
        } catch (FencedStateEpochException e) {
            forget(stateKey, "its state was reset at the share coordinator");
            return CompletableFuture.failedFuture(e);
        } catch (RuntimeException e) {
            // This broker stopped coordinating or leading meanwhile: the client hears of it; the sweep moves on.
            return CompletableFuture.failedFuture(e);
        }
    }

    private CompletableFuture<Void> write(List<KeyedStateLog.Entry> entries) {
        synchronized (stateLog) {
            return stateLog.append(entries);
        }
    }

    // ------------------------------------------------------------------ coordinator role (any thread)

    /**
     * ReadShareGroupState: the stored state of a share-partition for the broker that leads its topic partition at
     * {@code leaderEpoch}; from now on writes at older epochs are refused.
     *
     * @throws NotCoordinatorException     when this broker does not coordinate share groups (now)
     * @throws FencedLeaderEpochException  when a newer leader epoch read or wrote it already
     */
    public CompletableFuture<ShareStatePersister.ReadResult> readState(ShareStateRecords.Key key, int leaderEpoch) {
        synchronized (stateLog) {
            checkLeaderEpoch(key, leaderEpoch);
            return CompletableFuture.completedFuture(new ShareStatePersister.ReadResult(
                    Optional.ofNullable(stored.get(key)), stateEpochs.getOrDefault(key, 0)));
        }
    }

    /**
     * WriteShareGroupState: stores a share-partition's whole state for the broker that leads its topic partition at
     * {@code leaderEpoch}; completes when it is durable in the state log.
     *
     * @throws NotCoordinatorException     when this broker does not coordinate share groups (now)
     * @throws FencedLeaderEpochException  when a newer leader epoch read or wrote it already
     * @throws FencedStateEpochException   when an admin operation reset or deleted it since {@code stateEpoch}
     * @throws LogStorageException         when the state log cannot take it
     */
    public CompletableFuture<Void> writeState(ShareStateRecords.Key key, int leaderEpoch, int stateEpoch,
                                              ShareStateRecords.Snapshot snapshot) {
        synchronized (stateLog) {
            checkLeaderEpoch(key, leaderEpoch);
            int current = stateEpochs.getOrDefault(key, 0);
            if (stateEpoch < current) {
                throw new FencedStateEpochException("share group '" + key.group() + "': the state of " + key.topicId()
                        + ":" + key.partition() + " was reset (state epoch " + current + ", written at " + stateEpoch
                        + ")");
            }
            CompletableFuture<Void> durable = write(List.of(new KeyedStateLog.Entry(ShareStateRecords.key(key),
                    ShareStateRecords.value(snapshot))));
            stored.put(key, snapshot);
            return durable;
        }
    }

    /** Call holding stateLog's monitor. */
    private void checkLeaderEpoch(ShareStateRecords.Key key, int leaderEpoch) {
        if (!coordinating.getAsBoolean()) {
            throw new NotCoordinatorException("this broker does not coordinate share groups (" + STATE_TOPIC
                    + "-0 is not loaded here)");
        }
        Integer seen = leaderEpochs.get(key);
        if (seen != null && leaderEpoch < seen) {
            throw new FencedLeaderEpochException("share group '" + key.group() + "': " + key.topicId() + ":"
                    + key.partition() + " is led at leader epoch " + seen + ", not " + leaderEpoch);
        }
        leaderEpochs.put(key, leaderEpoch);
    }

    /**
     * An admin operation's new state of a share-partition (a tombstone when null), stored with a new state epoch so
     * that a leader elsewhere holding the old one is refused its next write and reads it again. Call on the loop.
     */
    private CompletableFuture<Void> reset(ShareStateRecords.Key key, ShareStateRecords.Snapshot snapshot) {
        synchronized (stateLog) {
            stateEpochs.merge(key, 1, Integer::sum);
            if (snapshot == null) {
                stored.remove(key);
            } else {
                stored.put(key, snapshot);
            }
            return write(List.of(new KeyedStateLog.Entry(ShareStateRecords.key(key),
                    snapshot == null ? null : ShareStateRecords.value(snapshot))));
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
        for (Map.Entry<ShareStateRecords.Key, Held> e : held.entrySet()) {
            if (leadership.leaderEpoch(e.getKey().topicId(), e.getKey().partition()) != e.getValue().leaderEpoch()) {
                forget(e.getKey(), "this broker no longer leads it at leader epoch " + e.getValue().leaderEpoch());
            }
        }
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
                ShareStateRecords.Key stateKey = new ShareStateRecords.Key(groupId, key.topicId(), key.partition());
                SharePartition partition = existing(groupId, key.topicId(), key.partition());
                if (partition != null) {
                    synchronized (partition) {
                        partition.resetTo(offset);
                        durable.add(persist(groupId, key.topicId(), key.partition(), partition));
                    }
                } else {
                    // Led elsewhere, or never fetched here: stored with a new state epoch; the leader reads it again.
                    forget(stateKey, "its offsets were altered");
                    durable.add(reset(stateKey, new ShareStateRecords.Snapshot(offset, List.of())));
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
            List<CompletableFuture<Void>> tombstones = new ArrayList<>();
            Set<Uuid> deleted = new HashSet<>();
            for (ShareStateRecords.Key key : shareKeys()) {
                if (key.group().equals(groupId) && topicIds.contains(key.topicId())) {
                    forget(key, "its offsets were deleted");
                    tombstones.add(reset(key, null));
                    deleted.add(key.topicId());
                }
            }
            LOG.info("Share group '{}': deleted the state of {} share-partition(s) of topic(s) {}", groupId,
                    tombstones.size(), deleted);
            return CompletableFuture.allOf(tombstones.toArray(new CompletableFuture<?>[0])).thenApply(ignored -> deleted);
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
            List<ShareStateRecords.Key> deletedKeys = new ArrayList<>();
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
                for (ShareStateRecords.Key key : shareKeys()) {
                    if (key.group().equals(groupId)) {
                        forget(key, "its group was deleted");
                        deletedKeys.add(key);
                    }
                }
                if (groupConfigsInMetadata != null) {
                    groupConfigsInMetadata.accept(groupId);
                } else if (groupConfigs.containsKey(groupId)) {
                    tombstones.add(new KeyedStateLog.Entry(ShareStateRecords.groupConfigKey(groupId), null));
                    groupConfigs.remove(groupId);
                    groupSettings.remove(groupId);
                }
                results.put(groupId, Errors.NONE);
                LOG.info("Share group '{}' deleted", groupId);
            }
            if (tombstones.isEmpty() && deletedKeys.isEmpty()) {
                return done(results);
            }
            try {
                List<CompletableFuture<Void>> written = new ArrayList<>();
                deletedKeys.forEach(key -> written.add(reset(key, null)));
                if (!tombstones.isEmpty()) {
                    written.add(write(tombstones));
                }
                return CompletableFuture.allOf(written.toArray(new CompletableFuture<?>[0])).handle((ignored, failure) -> {
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

    private static Throwable unwrap(Throwable failure) {
        return failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
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
