package io.spindle.log.compact;

import io.spindle.config.CleanerSettings;
import io.spindle.config.TopicConfig;
import io.spindle.log.AbortedTransaction;
import io.spindle.log.compact.CleaningPlan.Candidate;
import io.spindle.log.compact.CleaningPlan.LogSummary;
import io.spindle.log.compact.SegmentCleaner.SegmentFile;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The log cleaner: {@code log.cleaner.threads} background threads ({@code spindle-log-cleaner-N}) that compact the
 * logs whose cleanup.policy has compact. Each thread, over and over, picks the log with the highest dirty ratio at
 * or above its topic's min.cleanable.dirty.ratio, or one holding dirty records older than max.compaction.lag.ms
 * ({@link CleaningPlan}: never the active segment, never records younger than min.compaction.lag.ms, never at or
 * past the last stable offset), maps its
 * dirty part's keys ({@link SegmentCleaner#buildMap}, as far as its share of log.cleaner.dedupe.buffer.size goes),
 * rewrites the segments from the log start up to the mapped end into groups of at most segment.bytes, and has the
 * log swap them in ({@link CleanableLog#replaceSegments}). Then it records in the {@link CleanerCheckpoint} that the
 * log is clean up to the mapped end. When no log needs cleaning it waits log.cleaner.backoff.ms.
 *
 * <p>Two threads never clean the same log. The read and write rate of all threads together is held to
 * log.cleaner.io.max.bytes.per.second. While the broker is busy (foreground appends at 1 MiB/s or more), each thread
 * also works at most a quarter of its time ({@link ForegroundPacer}), so that produce keeps its rate; on an idle
 * broker it runs flat out. A clean that fails (a damaged batch, an I/O error) is logged in one line;
 * that log is then left alone until a restart ({@link #uncleanablePartitions()}) and the thread goes on with the
 * others.
 *
 * <p>Thread-safe. Time comes from the injected clock (compaction lags, tombstone horizons).
 */
public final class LogCleaner implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(LogCleaner.class);

    private final CleanerSettings settings;
    private final Supplier<? extends Collection<? extends CleanableLog>> logs;
    private final Clock clock;
    private final CleanerCheckpoint checkpoint;
    private final Throttle throttle;
    private final ForegroundPacer.ForegroundLoad foregroundLoad;
    private final Set<String> inProgress = ConcurrentHashMap.newKeySet();
    private final Map<String, String> uncleanable = new ConcurrentHashMap<>();
    private final CountDownLatch stopping = new CountDownLatch(1);
    private final List<Thread> threads = new ArrayList<>();
    private final long mapBytesPerThread;
    /**
     * Drops the replaced segments' last references off the cleaner threads ({@link CleanableLog#replaceSegments}):
     * freeing the page cache of a GiB of unlinked segments took the cleaner about 0.35 s, after the clean was done
     * and before it was recorded. One thread, started at the first clean; a release handed to it after
     * {@link #close()} runs on the caller.
     */
    private final ThreadPoolExecutor releases = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS,
            new LinkedBlockingQueue<>(), task -> {
                Thread thread = new Thread(task, "spindle-log-cleaner-release");
                thread.setDaemon(true);
                return thread;
            }, (task, executor) -> task.run());

    private final LongAdder runs = new LongAdder();
    private final LongAdder bytesRead = new LongAdder();
    private final LongAdder bytesWritten = new LongAdder();
    private final LongAdder failures = new LongAdder();
    private volatile long lastRunNanos;
    private volatile double maxDirtyRatio;
    /** Clock millis: when the cleaner was made, when a thread last finished a round, when each log was last cleaned. */
    private final long startedMs;
    private volatile long lastRoundEndMs;
    private final Map<String, Long> lastCleanedMs = new ConcurrentHashMap<>();

    /**
     * A cleaner over the logs {@code logs} supplies (asked afresh each round), keeping its checkpoint in
     * {@code dataDir}. Threads start with {@link #start()}.
     *
     * @param appendedBytes the bytes appended to every partition of the broker so far (a running total): the
     *                      foreground load the cleaners give way to
     */
    public LogCleaner(CleanerSettings settings, Path dataDir,
                      Supplier<? extends Collection<? extends CleanableLog>> logs, Clock clock,
                      LongSupplier appendedBytes) throws IOException {
        this.settings = settings;
        this.foregroundLoad = new ForegroundPacer.ForegroundLoad(appendedBytes);
        this.logs = logs;
        this.clock = clock;
        String[] damage = new String[1];
        this.checkpoint = CleanerCheckpoint.read(dataDir, damage);
        if (damage[0] != null) {
            LOG.warn("{}; every compacted log counts as dirty from its start until it is cleaned again", damage[0]);
        }
        this.throttle = new Throttle(settings.ioMaxBytesPerSecond(), System::nanoTime, this::pause);
        this.mapBytesPerThread = settings.dedupeBufferSize() / Math.max(1, settings.threads());
        this.startedMs = clock.millis();
        this.lastRoundEndMs = startedMs;
    }

    /** Waits {@code nanos}, or less when the cleaner stops. */
    private void pause(long nanos) throws InterruptedIOException {
        try {
            stopping.await(nanos, TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while holding the cleaner back");
        }
    }

    /** Starts the threads; none when log.cleaner.threads is 0. */
    public synchronized void start() {
        for (int i = 0; i < settings.threads(); i++) {
            Thread thread = new Thread(this::run, "spindle-log-cleaner-" + i);
            thread.setDaemon(true);
            threads.add(thread);
            thread.start();
        }
    }

    private void run() {
        // The key map (log.cleaner.dedupe.buffer.size, split over the threads) is made at the first clean, not at
        // start: a broker with no compacted topic, or none dirty yet, does not carry it.
        Worker[] made = new Worker[1];
        Supplier<Worker> cleaner = () -> made[0] != null ? made[0] : (made[0] = newWorker());
        try {
            while (stopping.getCount() > 0) {
                boolean cleaned = cleanOnce(cleaner);
                lastRoundEndMs = clock.millis();
                if (!cleaned) {
                    stopping.await(settings.backoffMs(), TimeUnit.MILLISECONDS);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** A cleaner thread's own parts: its key map and rewrite buffers, and its pacing. */
    private record Worker(SegmentCleaner cleaner, ForegroundPacer pacer) {
    }

    private Worker newWorker() {
        ForegroundPacer pacer = new ForegroundPacer(foregroundLoad, System::nanoTime, this::pause);
        return new Worker(new SegmentCleaner(new OffsetMap(mapBytesPerThread), (read, written) -> {
            bytesRead.add(read);
            bytesWritten.add(written);
            if (stopping.getCount() == 0) {
                throw new Stopped();
            }
            pacer.pace();
            throttle.acquire(read + written);
        }), pacer);
    }

    /**
     * Cleans the log most in need of it, if any, on the calling thread (what each cleaner thread does in a loop;
     * tests call it to clean at a chosen moment).
     *
     * @return true when a log was cleaned (or a clean failed), false when none needed it
     */
    public boolean cleanOnce() {
        boolean cleaned = cleanOnce(this::newWorker);
        lastRoundEndMs = clock.millis();
        return cleaned;
    }

    private boolean cleanOnce(Supplier<Worker> cleaner) {
        long now = clock.millis();
        Map<String, CleanableLog> byName = new HashMap<>();
        List<LogSummary> summaries = new ArrayList<>();
        double maxRatio = 0;
        for (CleanableLog log : logs.get()) {
            TopicConfig config = log.config();
            if (!config.cleanupPolicy().compacts() || log.isOffline() || uncleanable.containsKey(log.name())) {
                continue;
            }
            LogSummary summary = new LogSummary(log.name(), config, log.segmentSummaries(), firstDirtyOffset(log),
                    log.firstUnstableOffset());
            maxRatio = Math.max(maxRatio, CleaningPlan.candidate(summary, now).dirtyRatio());
            if (!inProgress.contains(log.name())) {
                byName.put(log.name(), log);
                summaries.add(summary);
            }
        }
        maxDirtyRatio = maxRatio;
        Optional<Candidate> chosen = CleaningPlan.choose(summaries, now);
        if (chosen.isEmpty()) {
            return false;
        }
        Candidate candidate = chosen.get();
        CleanableLog log = byName.get(candidate.log().name());
        if (!inProgress.add(log.name())) {
            return true;                // another thread took it meanwhile: look again at once
        }
        long started = System.nanoTime();
        try {
            Worker worker = cleaner.get();
            worker.pacer().startWork();
            clean(log, candidate, worker.cleaner(), now);
        } catch (IOException | RuntimeException e) {
            if (e instanceof Stopped) {
                return true;            // stopped mid-clean: the files it wrote are discarded at the next load
            }
            if (e instanceof NoSuchFileException || logs.get().stream().noneMatch(l -> l.name().equals(log.name()))) {
                // Retention deleted a segment it was reading, or the partition was deleted: nothing is wrong.
                LOG.debug("{}: a clean was overtaken by a change of the log: {}", log.name(), e.toString());
                return true;
            }
            String reason = e.getMessage() == null ? e.toString() : e.getMessage();
            uncleanable.put(log.name(), reason);
            failures.increment();
            LOG.error("{}: compaction failed, and this partition will not be compacted again until a restart: {}",
                    log.name(), reason);
            LOG.debug("{}: the compaction failure", log.name(), e);
        } finally {
            inProgress.remove(log.name());
            lastRunNanos = System.nanoTime() - started;
            runs.increment();
        }
        return true;
    }

    private long firstDirtyOffset(CleanableLog log) {
        long cleanedTo = checkpoint.get(log.name());
        long start = log.logStartOffset();
        // Before the log start (retention moved it) or past its end (the partition was deleted and made anew): the
        // checkpoint says nothing about the log as it is.
        return cleanedTo < start || cleanedTo > log.logEndOffset() ? start : cleanedTo;
    }

    private void clean(CleanableLog log, Candidate candidate, SegmentCleaner cleaner, long now) throws IOException {
        TopicConfig config = log.config();
        long firstDirty = candidate.log().firstDirtyOffset();
        List<SegmentFile> dirty = log.sealedSegments(firstDirty, candidate.firstUncleanableOffset());
        if (dirty.isEmpty()) {
            return;
        }
        List<AbortedTransaction> aborted = log.abortedTransactions(log.logStartOffset(),
                candidate.firstUncleanableOffset());
        long mappedEnd = Math.min(cleaner.buildMap(dirty, firstDirty, new CleanedTransactions(aborted)),
                candidate.firstUncleanableOffset());
        List<SegmentFile> replaced = log.sealedSegments(log.logStartOffset(), mappedEnd);
        List<SegmentFile> cleaned = cleaner.clean(replaced, mappedEnd, config.segmentBytes(), now,
                config.deleteRetentionMs(), log.producerLastBatches(), new CleanedTransactions(aborted),
                log.directory());
        if (log.replaceSegments(replaced, cleaned, releases)) {
            checkpoint.put(log.name(), mappedEnd);
            lastCleanedMs.put(log.name(), clock.millis());
            LOG.debug("{}: cleaned offsets [{}, {}) of segments {} into {}", log.name(), firstDirty, mappedEnd,
                    replaced.stream().map(SegmentFile::baseOffset).toList(),
                    cleaned.stream().map(SegmentFile::baseOffset).toList());
        }
    }

    /** Thrown into a clean when the cleaner stops. */
    private static final class Stopped extends InterruptedIOException {
        Stopped() {
            super("the log cleaner is stopping");
        }
    }

    /** Cleans done (or failed) since start. */
    public long runs() {
        return runs.sum();
    }

    /** Bytes of segment files the cleaner has read. */
    public long bytesRead() {
        return bytesRead.sum();
    }

    /** Bytes of cleaned segment files the cleaner has written. */
    public long bytesWritten() {
        return bytesWritten.sum();
    }

    /** How long the last clean took, in seconds. */
    public double lastRunSeconds() {
        return lastRunNanos / 1e9;
    }

    /** Cleans that failed since start (each left its log uncleanable until a restart). */
    public long failures() {
        return failures.sum();
    }

    /**
     * Seconds since a cleaner thread last finished a round (a clean, or a look that found nothing to clean), or since
     * start when none has: it grows past log.cleaner.backoff.ms plus the longest clean only when the threads are stuck
     * or gone.
     */
    public double secondsSinceLastRound() {
        return Math.max(0, clock.millis() - lastRoundEndMs) / 1e3;
    }

    /**
     * The dirty ratio of a compacted log now: the bytes of its cleanable range not yet cleaned over the bytes of the
     * whole cleanable log (what {@link CleaningPlan} compares with min.cleanable.dirty.ratio); NaN when the log's
     * policy does not compact.
     */
    public double dirtyRatio(CleanableLog log) {
        if (!log.config().cleanupPolicy().compacts()) {
            return Double.NaN;
        }
        LogSummary summary = new LogSummary(log.name(), log.config(), log.segmentSummaries(), firstDirtyOffset(log));
        return CleaningPlan.candidate(summary, clock.millis()).dirtyRatio();
    }

    /**
     * Seconds since this cleaner last cleaned the log, or since the cleaner started when it has not cleaned it yet
     * (the checkpoint keeps where a clean stopped, not when).
     */
    public double secondsSinceLastClean(String logName) {
        return Math.max(0, clock.millis() - lastCleanedMs.getOrDefault(logName, startedMs)) / 1e3;
    }

    /** The highest dirty ratio among the compacted logs when a cleaner last looked. */
    public double maxDirtyRatio() {
        return maxDirtyRatio;
    }

    /** The partitions ("topic-partition") whose clean failed, each with the failure; not cleaned until a restart. */
    public Map<String, String> uncleanablePartitions() {
        return Map.copyOf(uncleanable);
    }

    /** Where each log's last clean stopped ("topic-partition" → offset), as the checkpoint file says. */
    public Map<String, Long> cleanedOffsets() {
        return checkpoint.asMap();
    }

    /** Drops the checkpoint entries of logs that no longer exist. */
    public void forgetDeletedLogs() throws IOException {
        Set<String> names = logs.get().stream().map(CleanableLog::name).collect(Collectors.toSet());
        lastCleanedMs.keySet().retainAll(names);
        checkpoint.retainOnly(names);
    }

    /**
     * Stops the threads. A clean in progress stops at its next read or write of a chunk (its cleaned files are
     * discarded at the next load); one already swapping segments in finishes the swap, so no thread is interrupted
     * in the middle of file operations.
     */
    @Override
    public void close() {
        stopping.countDown();
        releases.shutdown();        // the releases handed over still run; later ones run on their cleaner thread
        List<Thread> started;
        synchronized (this) {
            started = List.copyOf(threads);
        }
        for (Thread thread : started) {
            try {
                thread.join(TimeUnit.SECONDS.toMillis(10));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            if (thread.isAlive()) {
                LOG.warn("{} did not stop within 10 s", thread.getName());
            }
        }
    }
}
