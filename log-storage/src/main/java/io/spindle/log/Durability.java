package io.spindle.log;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What of one partition log is forced to disk, and who waits for it: the flushed (durable) offset, the waiting
 * acknowledgements, the sealed segments not forced yet, and the flushes the {@link Flusher} runs (group commit: every
 * append that arrives while an fsync runs waits for the next one).
 *
 * <p>Going offline: the first failed write or fsync ({@link #goOffline}) logs one ERROR line with the file's absolute
 * path and the operating system's error, fails every waiter, tells the listeners, and from then on nothing is
 * appended or acknowledged — not even what a later fsync would cover, since after a failed fsync the kernel may
 * have dropped the dirty pages.
 *
 * <p>Threading: flushes run one at a time (a monitor), on the flusher thread, a checkpoint or close; the durable
 * offset only grows, except when a truncation, which holds the same monitor, lowers it. Waiters are kept under their
 * own lock; the rest is atomic.
 */
final class Durability implements Segments.Changes {
    private static final Logger LOG = LoggerFactory.getLogger(PartitionLog.class);

    private record DurableWaiter(long offset, CompletableFuture<Void> future, long sinceNanos) {
    }

    private final PartitionLog log;
    private final String name;
    private final Path dir;
    private final Segments segments;
    private final FlushPolicy flushPolicy;
    private final Flusher flusher;
    private final LongConsumer durableLatency;
    private final List<LogListener> listeners;
    private final RecoveryPoints recoveryPoints;
    /** Set once, by the first failed write or fsync; from then on nothing is appended or acknowledged. */
    private final AtomicReference<LogOfflineException> offline = new AtomicReference<>();
    private final ArrayDeque<DurableWaiter> waiters = new ArrayDeque<>();
    private final ConcurrentLinkedQueue<Segment> sealedUnforced = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean flushQueued = new AtomicBoolean();
    private final AtomicBoolean directoryDirty = new AtomicBoolean();
    private final Object flushMonitor = new Object();
    private final AtomicLong messagesSinceFlush = new AtomicLong();
    private final LongAdder fsyncs = new LongAdder();
    private final LongAdder fsyncNanos = new LongAdder();
    private volatile long flushedOffset;
    /** The checkpoint on disk says clean (as the last close left it) and must not by the time anything is appended. */
    private volatile boolean cleanOnDisk;
    /** What this log last wrote to its checkpoint file; null when unknown (not written since the open). */
    private volatile Checkpoint lastWritten;
    /** No checkpoint's recovery point goes above this: the base of a segment found damaged, whose next load recovers it. */
    private volatile long recoveryPointCap = Long.MAX_VALUE;
    /** During a truncation, until the durable offset comes down to it: the new log end, above which nothing is vouched. */
    private volatile long truncationCap = Long.MAX_VALUE;
    /** Truncations so far (under the flush monitor): a file-system sync covers offsets only if none ran across it. */
    private long truncations;

    Durability(PartitionLog log, String name, Segments segments, FlushPolicy flushPolicy, Flusher flusher,
               LongConsumer durableLatency, List<LogListener> listeners, RecoveryPoints recoveryPoints) {
        this.log = log;
        this.recoveryPoints = recoveryPoints;
        this.name = name;
        this.dir = segments.directory();
        this.segments = segments;
        this.flushPolicy = flushPolicy;
        this.flusher = flusher;
        this.durableLatency = durableLatency;
        this.listeners = listeners;
    }

    /** Everything below this offset has been forced to disk. */
    long flushedOffset() {
        return flushedOffset;
    }

    /** Sets the durable offset of a freshly loaded log (everything on disk is what a restart found). */
    void loaded(long durableOffset) {
        flushedOffset = durableOffset;
    }

    /** The checkpoint on disk says clean: {@link #beforeAppend} rewrites it before the first append. */
    void cleanUntilFirstAppend() {
        cleanOnDisk = true;
    }

    /**
     * Before an append (write lock held): after a clean start the checkpoint still says clean, which would make a
     * crash after this append trust the active segment's headers; it is rewritten first, durably (a failure takes the
     * log offline, as {@link #forceCheckpoint}).
     */
    void beforeAppend() {
        if (cleanOnDisk) {
            forceCheckpoint();
            cleanOnDisk = false;
        }
    }

    long fsyncCount() {
        return fsyncs.sum();
    }

    long fsyncNanos() {
        return fsyncNanos.sum();
    }

    boolean isOffline() {
        return offline.get() != null;
    }

    LogOfflineException offlineCause() {
        return offline.get();
    }

    void ensureOnline() {
        LogOfflineException cause = offline.get();
        if (cause != null) {
            throw cause.refusal();
        }
    }

    // ---- what the segments tell

    @Override
    public void sealed(Segment segment) {
        sealedUnforced.add(segment);
    }

    @Override
    public void removed(Segment segment) {
        sealedUnforced.remove(segment);
    }

    @Override
    public void directoryChanged() {
        directoryDirty.set(true);
    }

    @Override
    public LogOfflineException failed(String operation, Path file, Exception failure) {
        return goOffline(operation, file, failure);
    }

    @Override
    public LogOfflineException damaged(Segment segment, String problem) {
        recoveryPointCap = Math.min(recoveryPointCap, segment.baseOffset());
        LogOfflineException offline = goOffline("the check of", segment.file(), new IOException("damaged: " + problem
                + "; the next start recovers the log from offset " + segment.baseOffset() + " and cuts it there"));
        try {
            writeCheckpoint(false);
            recoveryPoints.lowered();
        } catch (IOException | UncheckedIOException e) {
            LOG.warn("{}: could not lower the recovery point to offset {} in {} ({}); the next start may trust the"
                    + " damaged segment's headers", name, segment.baseOffset(), dir, e.getMessage());
        }
        return offline;
    }

    /**
     * Writes a checkpoint of a live log durably (file and directory fsynced). A failure takes the log offline: a failed
     * directory fsync may have dropped the entries of new segment files, and a later one of the flusher could then
     * succeed without writing them, so what it acknowledged next would not survive a power loss.
     */
    void forceCheckpoint() {
        try {
            writeCheckpoint(false);
        } catch (IOException | UncheckedIOException e) {
            throw goOffline("checkpoint write (file and directory fsync) in", dir, e);
        }
    }

    /** Whether a clean close may vouch for the whole log: it is online and no segment of it was found damaged. */
    boolean mayCloseClean() {
        return !isOffline() && recoveryPointCap == Long.MAX_VALUE;
    }

    /**
     * Writes the partition's checkpoint: the recovery point is the durable offset, below which a restart trusts the
     * segments; {@code clean} says nothing after it needs recovering (a clean close of an online log).
     */
    void writeCheckpoint(boolean clean) throws IOException {
        cleanOnDisk = false;
        Checkpoint checkpoint = current(clean);
        lastWritten = null; // unknown until this write is done: a failed one may have left either file
        checkpoint.write(dir);
        lastWritten = checkpoint;
    }

    /**
     * As {@link #forceCheckpoint}, unless the checkpoint would say what the last one this log wrote says (an idle log,
     * the periodic checkpoint of thousands of them: two fsyncs each, every minute, for nothing).
     */
    void forceCheckpointIfChanged() {
        if (cleanOnDisk || !current(false).equals(lastWritten)) {
            forceCheckpoint();
        }
    }

    private Checkpoint current(boolean clean) {
        return new Checkpoint(recoveryPoint(), segments.logStartOffset(), clean && recoveryPointCap == Long.MAX_VALUE);
    }

    /**
     * Below this offset every byte of the log is forced and may be trusted by the next start: the durable offset,
     * capped by a damaged segment's base and by a truncation under way. Any thread, no lock (the data directory's
     * {@link RecoveryPoints} reads it while a truncation holds the log's lock).
     */
    long recoveryPoint() {
        return Math.min(flushedOffset, Math.min(recoveryPointCap, truncationCap));
    }

    /**
     * Before a truncation to {@code newEnd} cuts anything (under {@link #whileNotFlushing}): the log's checkpoint and
     * the data directory's record come down to it, durably, so that a crash from here on recovers the tail batch by
     * batch instead of trusting its headers. The cap stays until {@link #truncated} lowers the durable offset itself.
     */
    void lowerRecoveryPoint(long newEnd) throws IOException {
        truncationCap = newEnd;
        writeCheckpoint(false);
        recoveryPoints.lowered();
    }

    // ---- acknowledgements

    /**
     * After an append of {@code records} records ending at {@code endOffset}: asks for the flush the policy wants and
     * returns what the appender's caller waits on. With {@code callerFlushes} (fsync mode) no flusher thread is woken:
     * the appending thread must call {@link #flushOnCaller} once it has released the append lock.
     */
    CompletableFuture<Void> afterAppend(long endOffset, long records, boolean callerFlushes) {
        messagesSinceFlush.addAndGet(records);
        switch (flushPolicy.mode()) {
            case FSYNC -> {
                CompletableFuture<Void> f = awaitFlushed(endOffset, !callerFlushes);
                if (!callerFlushes) {
                    requestFlush();
                }
                return f;
            }
            case INTERVAL -> {
                if (messagesSinceFlush.get() >= flushPolicy.intervalMessages()) {
                    requestFlush();
                }
                return CompletableFuture.completedFuture(null);
            }
            default -> {
                return CompletableFuture.completedFuture(null);
            }
        }
    }

    /** A future that completes once everything below {@code offset} is forced to disk. */
    CompletableFuture<Void> awaitFlushed(long offset) {
        return awaitFlushed(offset, true);
    }

    /** As above; without {@code request} no flush is asked for (the caller forces the log itself). */
    private CompletableFuture<Void> awaitFlushed(long offset, boolean request) {
        if (flushedOffset >= offset) {
            return CompletableFuture.completedFuture(null);
        }
        CompletableFuture<Void> future = new CompletableFuture<>();
        synchronized (waiters) {
            if (flushedOffset >= offset) {
                return CompletableFuture.completedFuture(null);
            }
            if (offline.get() != null) {
                return CompletableFuture.failedFuture(offline.get().refusal());
            }
            waiters.addLast(new DurableWaiter(offset, future, System.nanoTime()));
        }
        if (request) {
            requestFlush();
        }
        return future;
    }

    /** What an acknowledgement of the records below {@code offset} waits for under the flush policy. */
    CompletableFuture<Void> awaitDurable(long offset) {
        return flushPolicy.acknowledgesAfterFsync() ? awaitFlushed(offset) : CompletableFuture.completedFuture(null);
    }

    private void requestFlush() {
        if (flushQueued.compareAndSet(false, true)) {
            flusher.request(log);
        }
    }

    // ---- flushing

    /**
     * On the thread that appended with {@code callerFlushes}, after the append lock is released: forces the log here
     * instead of waking a flusher thread, which saves a thread hand-off on the way to the acknowledgement (one record
     * at a time, issue 18 target 5). Unless a flusher has the log queued already: that flush has not started, so it
     * reads the log end after this append and covers it. A flush running now (its queued flag already cleared) is
     * waited for, and this one follows it: group commit as on the flusher.
     */
    void flushOnCaller() {
        if (flushPolicy.acknowledgesAfterFsync() && flushQueued.compareAndSet(false, true)) {
            flushQueued();
        }
    }

    /** Called by the flusher for a queued log. */
    void flushQueued() {
        flushQueued.set(false);
        flush();
    }

    /** Called by the flusher in interval mode. */
    void flushIfDirty() {
        if (flushedOffset < segments.logEndOffset() || !sealedUnforced.isEmpty()) {
            flush();
        }
    }

    /**
     * Forces everything appended so far and completes the waiters it covers. The order matters: the target
     * offset is read first, then the active segment, then the sealed ones, so a roll racing with this flush
     * leaves its old segment either in the queue or as the segment read.
     */
    void flush() {
        // One flush at a time (the flusher, a checkpoint and close may all ask), so durableOffset only grows.
        synchronized (flushMonitor) {
            flushOnce();
        }
    }

    /** A change that no flush may overlap (a truncation, which lowers what the flush would raise). */
    interface Exclusive<T> {
        T run() throws IOException;
    }

    <T> T whileNotFlushing(Exclusive<T> change) throws IOException {
        synchronized (flushMonitor) {
            return change.run();
        }
    }

    private void flushOnce() {
        if (offline.get() != null) {
            failWaiters(offline.get());
            return;
        }
        long started = System.nanoTime();
        long target = segments.logEndOffset();
        if (target == flushedOffset && sealedUnforced.isEmpty() && !directoryDirty.get()) {
            // Everything below the log end was forced already (every write that is not forced with the log's bytes
            // is forced where it is made: a truncation's copy, a cleaned segment, recovery's zeros), so an fdatasync
            // here would only cost a disk flush: a close or a checkpoint of an idle log, thousands of them at a stop.
            completeWaiters(target);
            return;
        }
        Segment current = segments.active();
        Path forcing = dir;
        try {
            Segment sealed;
            while ((sealed = sealedUnforced.poll()) != null) {
                forcing = sealed.file();
                forceRetained(sealed);
            }
            forcing = current.file();
            if (!forceRetained(current)) {
                // The log closed or was deleted under this flush: its end was not forced, so nothing is
                // acknowledged; close and delete fail the waiters.
                return;
            }
            fsyncs.increment();
            fsyncNanos.add(System.nanoTime() - started);
            if (directoryDirty.getAndSet(false)) {
                forcing = dir;
                Checkpoint.forceDirectory(dir);
            }
        } catch (IOException | UncheckedIOException e) {
            goOffline("fsync of", forcing, e);
            return;
        }
        messagesSinceFlush.set(0);
        boolean advanced = target > flushedOffset;
        if (advanced) {
            flushedOffset = target;
        }
        completeWaiters(target);
        if (advanced) {
            for (LogListener listener : listeners) {
                listener.durable(log, target);
            }
        }
    }

    /**
     * What a sync of the whole file system ({@link FileSystemSync}) started after this call covers of this log: the log
     * end as of now, the sealed segments not forced yet, and the directory's changes. They are taken off this log's
     * list of things to force, so a flush meanwhile does not force them twice; {@link #afterFileSystemSync} either
     * counts them durable or puts them back. Null when the log has nothing unforced, or is offline.
     */
    FileSystemSyncScope beforeFileSystemSync() {
        synchronized (flushMonitor) {
            if (offline.get() != null) {
                return null;
            }
            long target = segments.logEndOffset();
            if (target == flushedOffset && sealedUnforced.isEmpty() && !directoryDirty.get()) {
                return null;
            }
            List<Segment> sealed = new ArrayList<>();
            Segment segment;
            while ((segment = sealedUnforced.poll()) != null) {
                sealed.add(segment);
            }
            return new FileSystemSyncScope(target, sealed, directoryDirty.getAndSet(false), truncations);
        }
    }

    /** What {@link #beforeFileSystemSync} handed to a sync of the whole file system. */
    record FileSystemSyncScope(long target, List<Segment> sealed, boolean directory, long truncationsBefore) {
    }

    /**
     * After the sync of the whole file system that began after {@code scope} was taken: when it {@code succeeded}, the
     * log is durable to the scope's end (unless a truncation ran across the sync, which may have rewritten what it
     * covered, or the log went offline meanwhile) and the waiters it covers complete; otherwise what the scope took is
     * put back for this log's own next flush to force.
     */
    void afterFileSystemSync(FileSystemSyncScope scope, boolean succeeded) {
        synchronized (flushMonitor) {
            if (!succeeded || scope.truncationsBefore() != truncations || offline.get() != null) {
                sealedUnforced.addAll(scope.sealed());
                if (scope.directory()) {
                    directoryDirty.set(true);
                }
                return;
            }
            messagesSinceFlush.set(0);
            boolean advanced = scope.target() > flushedOffset;
            if (advanced) {
                flushedOffset = scope.target();
            }
            completeWaiters(scope.target());
            if (advanced) {
                for (LogListener listener : listeners) {
                    listener.durable(log, scope.target());
                }
            }
        }
    }

    /**
     * Forces {@code segment} unless it was released meanwhile; returns whether it was forced. A released sealed
     * segment is deleted (retention) or replaced by files forced before the swap, so skipping it loses nothing.
     */
    private static boolean forceRetained(Segment segment) throws IOException {
        if (!segment.tryRetain()) {
            return false;
        }
        try {
            segment.force();
            return true;
        } finally {
            segment.release();
        }
    }

    private void completeWaiters(long durable) {
        List<DurableWaiter> done = new ArrayList<>();
        synchronized (waiters) {
            while (!waiters.isEmpty() && waiters.peekFirst().offset() <= durable) {
                done.add(waiters.pollFirst());
            }
        }
        long now = System.nanoTime();
        for (DurableWaiter w : done) {
            durableLatency.accept(now - w.sinceNanos());
            w.future().complete(null);
        }
    }

    /**
     * The log was cut back to end at {@code endOffset} (under {@link #whileNotFlushing}): the durable offset comes
     * down to it if above, and the waiters for records that are gone fail with {@code failure}.
     */
    void truncated(long endOffset, LogIOException failure) {
        truncations++;
        if (flushedOffset > endOffset) {
            flushedOffset = endOffset;
        }
        truncationCap = Long.MAX_VALUE;
        List<CompletableFuture<Void>> failed = new ArrayList<>();
        synchronized (waiters) {
            Iterator<DurableWaiter> it = waiters.iterator();
            while (it.hasNext()) {
                DurableWaiter w = it.next();
                if (w.offset() > endOffset) {
                    failed.add(w.future());
                    it.remove();
                }
            }
        }
        for (CompletableFuture<Void> f : failed) {
            f.completeExceptionally(failure);
        }
    }

    // ---- failure

    /**
     * Takes the log offline after {@code failure} on {@code file}: the first failure is logged (one ERROR line naming
     * the file and the operating system's error), fails every waiting acknowledgement and tells the listeners; later
     * ones only get the exception back.
     */
    LogOfflineException goOffline(String operation, Path file, Exception failure) {
        Throwable cause = failure instanceof UncheckedIOException unchecked ? unchecked.getCause() : failure;
        LogOfflineException exception = new LogOfflineException(name + ": " + operation + " " + file.toAbsolutePath()
                + " failed (" + cause.getMessage() + "); the partition takes no more writes until a restart recovers"
                + " it to its last forced offset " + flushedOffset, cause);
        if (!offline.compareAndSet(null, exception)) {
            return offline.get();
        }
        LOG.error("{}", exception.getMessage());
        // Under the flush monitor: a flush that was already past its offline check finishes first, so the marker
        // holds the last offset that was really forced and acknowledged.
        synchronized (flushMonitor) {
            recordOffline(flushedOffset);
        }
        failWaiters(exception);
        for (LogListener listener : listeners) {
            listener.offline(log, exception);
        }
        return exception;
    }

    /** Leaves the {@link OfflineMarker}, so the next open cuts the log back to {@code forced}; best effort. */
    private void recordOffline(long forced) {
        // An interrupt may be what failed the fsync (it closes the channel); the marker is written all the same.
        boolean interrupted = Thread.interrupted();
        try {
            OfflineMarker.write(dir, forced);
        } catch (IOException | UncheckedIOException e) {
            LOG.warn("{}: could not record in {} that the log went offline at forced offset {} ({}); a restart before"
                    + " the disk is repaired may keep bytes past that offset which the disk did not take", name,
                    dir.resolve(OfflineMarker.FILE_NAME), forced, e.getMessage());
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Fails every waiting acknowledgement (at close, deletion, or when the log goes offline). */
    void failWaiters(LogIOException failure) {
        List<CompletableFuture<Void>> failed = new ArrayList<>();
        synchronized (waiters) {
            while (!waiters.isEmpty()) {
                failed.add(waiters.pollFirst().future());
            }
        }
        for (CompletableFuture<Void> f : failed) {
            f.completeExceptionally(failure);
        }
    }
}
