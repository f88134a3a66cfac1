package io.spindle.log;

import io.spindle.config.StorageSettings;
import io.spindle.config.TopicConfig;
import io.spindle.log.compact.CleanableLog;
import io.spindle.log.compact.LogCleaner;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every partition log under one data directory, the flusher thread that forces them (group commit), a
 * scheduler for retention, the data directory's recovery points ({@link RecoveryPoints}) and the expiry of idle producers, and the log cleaner that
 * compacts them.
 *
 * <p>Layout: {@code <dataDir>/<topic>-<partition>/} per partition; any other file or directory is left
 * alone (the broker keeps its own metadata beside the logs). A deleted partition's directory is renamed to
 * {@code <topic>-<partition>.<n>.delete} before its files go, so a crash mid-delete never resurrects it.
 *
 * <p>Thread-safe.
 */
public final class LogManager implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(LogManager.class);
    private static final Pattern PARTITION_DIR = Pattern.compile("(.+)-(\\d+)");
    private static final long CHECKPOINT_INTERVAL_MS = 60_000;
    /**
     * A clean stop forces the logs with one sync of the file system ({@link FileSystemSync}) when at least this many
     * have something unforced, else each on its own: below it their fdatasyncs take tens of milliseconds, and a sync of
     * the file system would also wait for what other processes left dirty on it.
     */
    static final int FORCE_AT_ONCE_FROM = 64;

    private final Path dataDir;
    private final FlushPolicy flushPolicy;
    private final Clock clock;
    private final long producerIdExpirationMs;
    private final ConcurrentHashMap<String, PartitionLog> logs = new ConcurrentHashMap<>();
    private final Flusher flusher;
    private final ScheduledThreadPoolExecutor scheduler;
    private final LogCleaner cleaner;
    private final SealedSegmentCheck sealedCheck;
    private final RecoveryPoints recoveryPoints;
    /** Opened once the data directory exists, before any log: a syncfs reports write-back errors from then on. */
    private volatile FileSystemSync fileSystemSync;
    private volatile java.util.function.LongConsumer durableLatencyListener = nanos -> { };
    private final java.util.List<LifecycleListener> lifecycleListeners = new java.util.concurrent.CopyOnWriteArrayList<>();

    /** Told when a partition log comes and goes (e.g. to register and remove its meters); of new logs on any thread. */
    public interface LifecycleListener {
        void opened(PartitionLog log);

        void deleted(PartitionLog log);
    }
    private volatile boolean closed;
    /** Whether the last stop left a clean-shutdown record vouching for every log opened at this start. */
    private volatile boolean lastStopWasClean;
    /** Whether this start found partition logs of known topics to open. */
    private volatile boolean openedLogs;

    private LogManager(StorageSettings storage, Clock clock) throws IOException {
        this.dataDir = storage.dataDir().toAbsolutePath().normalize();
        this.flushPolicy = FlushPolicy.from(storage);
        this.clock = clock;
        this.producerIdExpirationMs = storage.producerState().idExpirationMs();
        this.flusher = new Flusher(flushPolicy, logs::values);
        ScheduledThreadPoolExecutor scheduler = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "spindle-log-scheduler");
            t.setDaemon(true);
            return t;
        });
        // At close the periodic retention and checkpoint tasks are dropped, and one that is running finishes
        // uninterrupted: an interrupt during a force closes the segment's file channel.
        scheduler.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        scheduler.setContinueExistingPeriodicTasksAfterShutdownPolicy(false);
        this.scheduler = scheduler;
        this.cleaner = new LogCleaner(storage.cleaner(), dataDir, this::cleanableLogs, clock, this::appendedBytes);
        this.sealedCheck = new SealedSegmentCheck(logs::values);
        this.recoveryPoints = RecoveryPoints.open(dataDir, logs::values);
    }

    /** Bytes appended to every partition since each was opened: the foreground load the log cleaner gives way to. */
    private long appendedBytes() {
        long total = 0;
        for (PartitionLog log : logs.values()) {
            total += log.appendedBytes();
        }
        return total;
    }

    private List<CleanableLog> cleanableLogs() {
        return logs.values().stream().map(PartitionLog::cleanable).toList();
    }

    /**
     * Initializes what a log's first segment needs and is slow to start: the fallocate binding of
     * {@link DiskSpace} (JNA and jnr-ffi, which generates code with ASM), about 200 ms. A broker calls this on a
     * background thread at process start so that the work overlaps its other start-up.
     */
    public static void preloadNativeAccess() {
        DiskSpace.preload();
    }

    /**
     * Opens and recovers every partition directory under the storage section's data directory (created if
     * missing), forcing appends as its flush settings say and running retention at its interval. The background
     * check of the segments taken at their seals' word waits for {@link #startSealedSegmentCheck}, which the owner
     * calls once it serves.
     *
     * @param storage     the broker's storage section ({@code BrokerConfig.storage()})
     * @param topicConfig each topic's settings, asked once per topic found on disk
     */
    public static LogManager open(StorageSettings storage, Function<String, TopicConfig> topicConfig, Clock clock) {
        LogManager manager;
        try {
            manager = new LogManager(storage, clock);
        } catch (IOException e) {
            throw new LogIOException("cannot read the log cleaner's checkpoint or the recovery points in "
                    + storage.dataDir() + ": " + e.getMessage(), e);
        }
        try {
            long started = System.nanoTime();
            manager.loadAll(topicConfig);
            manager.logLoaded(System.nanoTime() - started);
        } catch (IOException | RuntimeException e) {
            manager.close();
            if (e instanceof LogStorageException lse) {
                throw lse;
            }
            throw new LogIOException("cannot open data directory " + storage.dataDir() + ": " + e.getMessage(), e);
        }
        long retentionCheckIntervalMs = storage.retentionCheckIntervalMs();
        manager.scheduler.scheduleWithFixedDelay(manager::enforceRetention, retentionCheckIntervalMs,
                retentionCheckIntervalMs, TimeUnit.MILLISECONDS);
        manager.scheduler.scheduleWithFixedDelay(manager::recordRecoveryPoints, CHECKPOINT_INTERVAL_MS,
                CHECKPOINT_INTERVAL_MS, TimeUnit.MILLISECONDS);
        long expiryCheckIntervalMs = storage.producerState().idExpirationCheckIntervalMs();
        manager.scheduler.scheduleWithFixedDelay(manager::expireProducers, expiryCheckIntervalMs, expiryCheckIntervalMs,
                TimeUnit.MILLISECONDS);
        manager.cleaner.start();
        return manager;
    }

    /**
     * As {@link #open(StorageSettings, Function, Clock)}, for tools and tests that choose a flush policy directly
     * (benchmarks, recovery tests).
     *
     * @param retentionCheckIntervalMs how often retention runs
     */
    public static LogManager open(Path dataDir, FlushPolicy flushPolicy, long retentionCheckIntervalMs,
                                  Function<String, TopicConfig> topicConfig, Clock clock) {
        LogManager manager = open(new StorageSettings(dataDir, flushPolicy.mode(), flushPolicy.intervalMs(),
                flushPolicy.intervalMessages(), retentionCheckIntervalMs), topicConfig, clock);
        manager.startSealedSegmentCheck();
        return manager;
    }

    /**
     * Starts the background check of every segment loaded at its seal's word (batch headers, indexes, CRC32C:
     * {@link SealedSegmentCheck}); a read checks a segment's headers and indexes first in any case. Idempotent.
     */
    public void startSealedSegmentCheck() {
        sealedCheck.start();
    }

    private void loadAll(Function<String, TopicConfig> topicConfig) throws IOException {
        Files.createDirectories(dataDir);
        fileSystemSync = FileSystemSync.open(dataDir);
        List<Path> dirs = new ArrayList<>();
        try (Stream<Path> entries = Files.list(dataDir)) {
            entries.filter(Files::isDirectory).forEach(dirs::add);
        }
        dirs.sort(Comparator.naturalOrder());
        Map<String, CleanShutdown.Entry> cleanStop = CleanShutdown.read(dataDir);
        boolean everyLogVouchedFor = !cleanStop.isEmpty();
        List<Runnable> opens = new ArrayList<>();
        for (Path dir : dirs) {
            String name = dir.getFileName().toString();
            if (name.endsWith(".delete")) {
                deleteRecursively(dir);
                continue;
            }
            Matcher m = PARTITION_DIR.matcher(name);
            if (!m.matches()) {
                continue;
            }
            String topic = m.group(1);
            int partition;
            try {
                partition = Integer.parseInt(m.group(2));
            } catch (NumberFormatException e) {
                continue;
            }
            TopicConfig config = topicConfig.apply(topic);
            if (config == null) {
                continue; // not a topic the broker knows: leave its files alone
            }
            boolean compacted = cleaner.cleanedOffsets().containsKey(key(topic, partition));
            CleanShutdown.Entry entry = cleanStop.get(name);
            everyLogVouchedFor &= entry != null;
            opens.add(() -> logs.put(key(topic, partition), PartitionLog.open(dir, topic, partition, config, clock,
                    flushPolicy, flusher, this::onDurable, compacted, producerIdExpirationMs, entry, recoveryPoints)));
        }
        DiskTasks.runAll("spindle-log-open", opens);
        // Every log is forced to its end now: recorded once, a crash soon after this start recovers only what is
        // appended from here on. Then, before any append, the clean stop's record goes: a crash from here on
        // recovers each log from the larger of its own checkpoint and the recovery points.
        recoveryPoints.started();
        lastStopWasClean = everyLogVouchedFor;
        openedLogs = !opens.isEmpty();
        CleanShutdown.delete(dataDir);
    }

    /**
     * Whether this broker's last stop was clean: it left a {@link CleanShutdown} record naming every partition log
     * opened at this start, so none of them lost a tail that was not forced. False after a kill, a crash or a power
     * loss, when a log could not be vouched for at the stop (offline, its close failed), and for a data directory with
     * no record (new, or replaced): then a log may lack records the cluster acknowledged, and in a cluster the broker
     * must not be elected leader of anything until it has caught up (docs/cluster.md, "Unclean shutdown").
     */
    public boolean lastStopWasClean() {
        return lastStopWasClean;
    }

    /**
     * Whether the logs hold every record they had counted as written before the last stop: after a clean stop, and
     * in {@code flush.mode=fsync} after any stop of a data directory that held logs (nothing is acknowledged, nor
     * counted towards another leader's acknowledgement, before it is forced; so a kill or a power loss takes only
     * what nobody was told of). False after an unclean stop in the other modes, whose page cache held what was
     * acknowledged, and for a data directory without logs (new, or replaced after a disk loss). Not covered: a disk
     * that acknowledges a force it did not do.
     */
    public boolean logsIntactSinceLastStop() {
        return lastStopWasClean || (flushPolicy.acknowledgesAfterFsync() && openedLogs);
    }

    private void logLoaded(long nanos) {
        long segments = 0;
        long bytes = 0;
        for (PartitionLog log : logs.values()) {
            segments += log.segmentCount();
            bytes += log.sizeInBytes();
        }
        LOG.info("opened {} partition log(s) in {}: {} segment(s), {} bytes, {} batch(es) validated, in {} ms",
                logs.size(), dataDir, segments, bytes, batchesValidatedAtOpen(), nanos / 1_000_000);
        ProcessLimits.warnIfNear(LOG, logs.size());
    }

    /**
     * Batches the open of every log validated one by one (CRC32C): none after a clean stop; after a crash, those past
     * each log's recovery point. Logs created since the start count none.
     */
    long batchesValidatedAtOpen() {
        long validated = 0;
        for (PartitionLog log : logs.values()) {
            validated += log.batchesValidatedAtOpen();
        }
        return validated;
    }

    public Path dataDir() {
        return dataDir;
    }

    /** The log cleaner that compacts the logs whose cleanup.policy has compact (its threads run from open to close). */
    public LogCleaner cleaner() {
        return cleaner;
    }

    public FlushPolicy flushPolicy() {
        return flushPolicy;
    }

    /** The partition's log, created (with its directory, durably) if it does not exist. */
    public PartitionLog getOrCreate(String topic, int partition, TopicConfig config) {
        return getOrCreateAll(topic, List.of(partition), config).get(0);
    }

    /**
     * The logs of {@code partitions} of {@code topic}, in that order, those that do not exist created (with their
     * directories, durably): the directories first, then one fsync of the data directory for all of their entries (not
     * one per partition), then the logs opened on several threads ({@link DiskTasks}), so that their own fsyncs overlap.
     * A new log writes no checkpoint until it has something to check (see {@link LogLoader#open}).
     *
     * <p>{@link LifecycleListener}s hear of each new log on the thread that opened it, so they must be thread-safe.
     *
     * @throws LogIOException naming the directory that could not be created or forced; the logs created before the
     *                        failure stay open (and their listeners are told), as after single creations
     */
    public List<PartitionLog> getOrCreateAll(String topic, List<Integer> partitions, TopicConfig config) {
        ensureOpen();
        makeDirectories(topic, partitions);
        PartitionLog[] opened = new PartitionLog[partitions.size()];
        List<Runnable> opens = new ArrayList<>(partitions.size());
        for (int i = 0; i < partitions.size(); i++) {
            int index = i;
            int partition = partitions.get(i);
            opens.add(() -> {
                boolean[] created = new boolean[1];
                PartitionLog log = logs.computeIfAbsent(key(topic, partition), k -> {
                    created[0] = true;
                    try {
                        recoveryPoints.forget(k);
                    } catch (IOException e) {
                        throw new LogIOException("cannot drop a deleted log's entry from " + dataDir.resolve(
                                RecoveryPoints.FILE_NAME) + " before creating " + k + ": " + e.getMessage(), e);
                    }
                    return PartitionLog.open(dataDir.resolve(k), topic, partition, config, clock, flushPolicy, flusher,
                            this::onDurable, cleaner.cleanedOffsets().containsKey(k), producerIdExpirationMs, null,
                            recoveryPoints);
                });
                opened[index] = log;
                if (created[0]) {
                    // On the opening thread: what a listener does with a new log (a partition beginning its first
                    // leader epoch, a forced file) overlaps with the other logs' too.
                    lifecycleListeners.forEach(l -> l.opened(log));
                }
            });
        }
        DiskTasks.runAll("spindle-log-create", opens);
        return List.of(opened);
    }

    /** Creates the missing partition directories and forces the data directory once for all of their entries. */
    private void makeDirectories(String topic, List<Integer> partitions) {
        boolean made = false;
        Path dir = dataDir;
        try {
            for (int partition : partitions) {
                dir = dataDir.resolve(key(topic, partition));
                if (!logs.containsKey(key(topic, partition)) && !Files.isDirectory(dir)) {
                    Files.createDirectories(dir);
                    made = true;
                }
            }
            if (made) {
                // Before any log in them takes an append: an fsync of a partition's files and its own directory does
                // not make the partition directory's entry in the data directory durable.
                dir = dataDir;
                Checkpoint.forceDirectory(dataDir);
            }
        } catch (IOException e) {
            throw new LogIOException("cannot create partition directory " + dir + ": " + e.getMessage(), e);
        }
    }

    /** Adds a lifecycle listener, and tells it at once of every log already open. */
    public void addLifecycleListener(LifecycleListener listener) {
        addLifecycleListenerForNewLogs(listener);
        logs.values().forEach(listener::opened);
    }

    /**
     * Adds a lifecycle listener that hears of the logs opened and deleted from now on only; the caller learns of those
     * already open from {@link #logs()}, which may also hold a log this listener hears of.
     */
    public void addLifecycleListenerForNewLogs(LifecycleListener listener) {
        lifecycleListeners.add(listener);
    }

    public Optional<PartitionLog> get(String topic, int partition) {
        return Optional.ofNullable(logs.get(key(topic, partition)));
    }

    public Collection<PartitionLog> logs() {
        return List.copyOf(logs.values());
    }

    /** Removes a partition's log and its files; slices already read stay valid until closed. */
    public void delete(String topic, int partition) {
        PartitionLog log = logs.remove(key(topic, partition));
        if (log == null) {
            return;
        }
        Path doomed = dataDir.resolve(key(topic, partition) + "." + System.nanoTime() + ".delete");
        try {
            Files.move(log.directory(), doomed);
            Checkpoint.forceDirectory(dataDir);
        } catch (IOException e) {
            throw new LogIOException("cannot delete " + log.directory() + ": " + e.getMessage(), e);
        }
        log.deleteIn(doomed);
        try {
            cleaner.forgetDeletedLogs();
        } catch (IOException e) {
            LOG.warn("cannot drop {} from the log cleaner's checkpoint: {}", key(topic, partition), e.getMessage());
        }
        lifecycleListeners.forEach(l -> l.deleted(log));
    }

    /**
     * Told, on the flusher thread, how long each append waited from the append to the fsync that made it
     * durable, in nanoseconds (fsync mode only). Keep it cheap.
     */
    public void setDurableLatencyListener(java.util.function.LongConsumer listener) {
        this.durableLatencyListener = listener == null ? nanos -> { } : listener;
    }

    private void onDurable(long nanos) {
        durableLatencyListener.accept(nanos);
    }

    /** Applies retention to every log now (it also runs on the retention schedule). */
    public void enforceRetention() {
        for (PartitionLog log : logs.values()) {
            try {
                log.enforceRetention();
            } catch (LogStorageException e) {
                LOG.error("retention of {} failed: {}", log, e.getMessage());
            }
        }
    }

    /**
     * Forgets, in every log, the producers idle past producer.id.expiration.ms ({@link PartitionLog#expireProducers});
     * runs every producer.id.expiration.check.interval.ms on the scheduler. Returns how many it forgot.
     */
    public int expireProducers() {
        int expired = 0;
        for (PartitionLog log : logs.values()) {
            try {
                expired += log.expireProducers();
            } catch (RuntimeException e) {
                LOG.error("producer expiry of {} failed: {}", log, e.toString());
            }
        }
        return expired;
    }

    /** The producers every log knows, summed (Kafka's ProducerIdCount); any thread, no lock. */
    public long producerIdCount() {
        long count = 0;
        for (PartitionLog log : logs.values()) {
            count += log.producerIdCount();
        }
        return count;
    }

    /**
     * Forces every log with unforced appends (flush.mode none or interval), then records every log's recovery point in
     * the data directory's one {@link RecoveryPoints} file: in place of a checkpoint file per partition (a file fsync,
     * a rename and a directory fsync each). A failed write leaves the last record, which is older, hence safe.
     */
    void recordRecoveryPoints() {
        for (PartitionLog log : logs.values()) {
            try {
                log.flushIfDirty();
            } catch (LogStorageException e) {
                LOG.error("flush of {} failed: {}", log, e.getMessage());
            }
        }
        try {
            recoveryPoints.write();
        } catch (IOException | RuntimeException e) {
            LOG.error("cannot write the recovery points in {}: {}", dataDir, e.toString());
        }
    }

    private static String key(String topic, int partition) {
        return topic + "-" + partition;
    }

    private void ensureOpen() {
        if (closed) {
            throw new LogClosedException("log manager for " + dataDir + " is closed");
        }
    }

    private static void deleteRecursively(Path dir) throws IOException {
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) walk.sorted(Comparator.reverseOrder())::iterator) {
                Files.deleteIfExists(p);
            }
        }
    }

    /**
     * Flushes every log and records, in one {@link CleanShutdown} record forced after all of them, what each log's
     * clean checkpoint would say; a log that cannot be vouched for (offline, damaged, its close failed) is left out
     * and gets its own unclean checkpoint.
     */
    @Override
    public void close() {
        close(true);
    }

    /**
     * Closes as {@link #close} does, for a process that ends right after (the broker's command, after a SIGTERM): every
     * log is forced and the one {@link CleanShutdown} record written as there, but the segments' mappings and file
     * descriptors are not released one by one; the end of the process releases them, as the unmapping and closing
     * would (neither writes anything). At 10,000 partitions the 10,000 unmappings, which serialize on the process's
     * address-space lock, were most of what was left of a clean stop (docs/benchmarks.md, "A clean stop of 10,000
     * partitions"). Not for a broker embedded in a process that goes on: its files would stay open and mapped.
     */
    public void closeForExit() {
        close(false);
    }

    private void close(boolean release) {
        if (closed) {
            return;
        }
        closed = true;
        sealedCheck.close();
        cleaner.close();
        scheduler.shutdown();
        try {
            if (!scheduler.awaitTermination(10, TimeUnit.SECONDS)) {
                LOG.warn("log scheduler did not finish its running task within 10 s; interrupting it");
                scheduler.shutdownNow();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        long started = System.nanoTime();
        String forcedAtOnce = forceAllAtOnce();
        Queue<CleanShutdown.Entry> clean = new ConcurrentLinkedQueue<>();
        List<Runnable> closes = new ArrayList<>();
        for (PartitionLog log : logs.values()) {
            closes.add(() -> {
                try {
                    CleanShutdown.Entry entry = log.closeForShutdown(release);
                    if (entry != null) {
                        clean.add(entry);
                    }
                } catch (LogStorageException e) {
                    LOG.error("closing {} failed: {}", log, e.getMessage());
                }
            });
        }
        DiskTasks.runAll("spindle-log-close", closes);
        try {
            if (!clean.isEmpty()) {
                CleanShutdown.write(dataDir, clean);
            }
        } catch (IOException e) {
            // Nothing is lost: every log was forced; the next start recovers them from their own checkpoints.
            LOG.error("cannot write the clean shutdown's record in {}: {}", dataDir, e.getMessage());
        }
        flusher.close();
        FileSystemSync sync = fileSystemSync;
        if (sync != null) {
            sync.close();
        }
        LOG.info("closed {} partition log(s) in {}, {} of them clean, in {} ms; {}", closes.size(), dataDir,
                clean.size(), (System.nanoTime() - started) / 1_000_000, forcedAtOnce);
    }

    /**
     * Before the logs close: when at least {@link #FORCE_AT_ONCE_FROM} of them have something unforced, forces them all
     * with one sync of the file system, and tells each what it covered, so that its close has nothing left to force.
     * Otherwise, or when the sync fails, or where it cannot be trusted, each log forces itself as it closes. Returns
     * what happened, for the close's log line.
     */
    private String forceAllAtOnce() {
        FileSystemSync sync = fileSystemSync;
        if (sync == null || !sync.available()) {
            return "each log forced on its own (no syncfs: " + (sync == null ? "not opened" : sync.unavailableReason())
                    + ")";
        }
        List<PartitionLog> unforced = new ArrayList<>();
        List<Durability.FileSystemSyncScope> scopes = new ArrayList<>();
        for (PartitionLog log : logs.values()) {
            Durability.FileSystemSyncScope scope = log.beforeFileSystemSync();
            if (scope != null) {
                unforced.add(log);
                scopes.add(scope);
            }
        }
        boolean synced = unforced.size() >= FORCE_AT_ONCE_FROM && sync.syncAll();
        for (int i = 0; i < unforced.size(); i++) {
            unforced.get(i).afterFileSystemSync(scopes.get(i), synced);
        }
        return synced ? unforced.size() + " log(s) forced by one syncfs"
                : unforced.size() + " log(s) with something unforced, each forced on its own";
    }
}
