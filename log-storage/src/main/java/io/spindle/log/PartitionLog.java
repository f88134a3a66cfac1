package io.spindle.log;


import static io.spindle.log.BatchHeader.HEADER_SIZE;

import io.spindle.config.TimestampType;
import io.spindle.config.TopicConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongPredicate;
import java.util.stream.Stream;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.Record;
import org.apache.kafka.common.record.internal.RecordBatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One topic-partition: an append-only sequence of Kafka v2 record batches in segments under
 * {@code <data-dir>/<topic>-<partition>/}.
 *
 * <p>Offsets: {@code logStartOffset <= durableOffset <= logEndOffset}; every offset in between is readable.
 * Offsets are assigned here, contiguously, by rewriting each batch's base offset.
 *
 * <p>Threading: one writer at a time ({@link #append} and the structural changes — roll, retention,
 * close — hold a lock; append may block on disk, so call it off network threads). Reads take no lock: they
 * see segments up to the volatile {@code logEndOffset}, which is stored only after the bytes below it are
 * written and their segment's size published. Flushes run on the {@link Flusher} thread.
 */
public final class PartitionLog {
    private static final Logger LOG = LoggerFactory.getLogger(PartitionLog.class);

    private final String topic;
    private final int partition;
    private final String name;
    private final Path dir;
    private final Clock clock;
    private final FlushPolicy flushPolicy;
    private final Flusher flusher;
    private final java.util.List<LogListener> listeners = new java.util.concurrent.CopyOnWriteArrayList<>();
    /** Set once, by the first failed write or fsync; from then on nothing is appended or acknowledged. */
    private final java.util.concurrent.atomic.AtomicReference<LogOfflineException> offline =
            new java.util.concurrent.atomic.AtomicReference<>();
    private final java.util.function.LongConsumer durableLatency;
    private final ConcurrentSkipListMap<Long, Segment> segments = new ConcurrentSkipListMap<>();
    private final ReentrantLock lock = new ReentrantLock();
    private final ProducerStateTable producers = new ProducerStateTable();
    private final ArrayDeque<DurableWaiter> waiters = new ArrayDeque<>();
    private final ConcurrentLinkedQueue<Segment> sealedUnforced = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean flushQueued = new AtomicBoolean();
    private final AtomicBoolean directoryDirty = new AtomicBoolean();
    private final Object flushMonitor = new Object();

    private volatile TopicConfig config;
    private volatile Segment active;
    private volatile long logStartOffset;
    private volatile long logEndOffset;
    private volatile long flushedOffset;
    private volatile boolean closed;
    private final java.util.concurrent.atomic.AtomicLong messagesSinceFlush = new java.util.concurrent.atomic.AtomicLong();
    private final LongAdder fsyncs = new LongAdder();
    private final LongAdder fsyncNanos = new LongAdder();
    private final LongAdder appendedRecords = new LongAdder();
    private final LongAdder appendedBytes = new LongAdder();
    private final LongAdder bytesRead = new LongAdder();

    private record DurableWaiter(long offset, CompletableFuture<Void> future, long sinceNanos) {
    }

    private PartitionLog(String topic, int partition, Path dir, TopicConfig config, Clock clock, FlushPolicy flushPolicy,
                         Flusher flusher, java.util.function.LongConsumer durableLatency) {
        this.topic = topic;
        this.partition = partition;
        this.name = topic + "-" + partition;
        this.dir = dir;
        this.config = config;
        this.clock = clock;
        this.flushPolicy = flushPolicy;
        this.flusher = flusher;
        this.durableLatency = durableLatency;
    }

    /** Opens the partition directory (creating it if absent) and recovers it. */
    static PartitionLog open(Path dir, String topic, int partition, TopicConfig config, Clock clock,
                             FlushPolicy flushPolicy, Flusher flusher, java.util.function.LongConsumer durableLatency) {
        PartitionLog log = new PartitionLog(topic, partition, dir, config, clock, flushPolicy, flusher, durableLatency);
        try {
            boolean created = !Files.isDirectory(dir);
            Files.createDirectories(dir);
            if (created) {
                Checkpoint.forceDirectory(dir.getParent());
            }
            log.load();
        } catch (IOException e) {
            log.closeSegmentsQuietly();
            throw new LogIOException("cannot open partition log " + dir + ": " + e.getMessage(), e);
        }
        return log;
    }

    public String topic() {
        return topic;
    }

    public int partition() {
        return partition;
    }

    /** Adds a listener for this log's appends, flushes, truncations and failure ({@link LogListener}). */
    public void addListener(LogListener listener) {
        listeners.add(listener);
    }

    public void removeListener(LogListener listener) {
        listeners.remove(listener);
    }

    public Path directory() {
        return dir;
    }

    public TopicConfig config() {
        return config;
    }

    /** Applies new topic settings; they govern the next append, roll and retention check. */
    public void updateConfig(TopicConfig config) {
        this.config = config;
    }

    public long logStartOffset() {
        return logStartOffset;
    }

    public long logEndOffset() {
        return logEndOffset;
    }

    /**
     * Whether a write or fsync of this log failed. An offline log takes no appends and acknowledges nothing more
     * (not even what a later fsync would cover: after a failed fsync the kernel may have dropped the dirty pages,
     * so a later successful one proves nothing about them). Reads of what was written stay possible, but the
     * broker refuses them too. A restart recovers the log to its last forced point.
     */
    public boolean isOffline() {
        return offline.get() != null;
    }

    /** The failure that took this log offline, or null while it is online. */
    public LogOfflineException offlineCause() {
        return offline.get();
    }

    /** Everything below this offset has been forced to disk. */
    public long durableOffset() {
        return flushedOffset;
    }

    /** How many flushes (fsync rounds) this log has done; each may have covered many appends. */
    public long fsyncCount() {
        return fsyncs.sum();
    }

    /** Total time spent in fsync rounds, in nanoseconds. */
    public long fsyncNanos() {
        return fsyncNanos.sum();
    }

    /** Records appended since the log was opened (duplicates not counted). */
    public long appendedRecords() {
        return appendedRecords.sum();
    }

    /** Bytes of record batches appended since the log was opened. */
    public long appendedBytes() {
        return appendedBytes.sum();
    }

    /** Bytes handed out in slices by {@link #read} since the log was opened. */
    public long bytesRead() {
        return bytesRead.sum();
    }

    public int segmentCount() {
        return segments.size();
    }

    /** Bytes of record batches held by all segments. */
    public long sizeInBytes() {
        long total = 0;
        for (Segment s : segments.values()) {
            total += s.size();
        }
        return total;
    }

    // ------------------------------------------------------------------ append

    /**
     * Appends one or more v2 record batches, framed as the producer sent them ({@code records}' position to
     * limit). The batches' headers are rewritten in place: base offset, and for LogAppendTime topics the
     * attributes, max timestamp and CRC. Either every batch is appended or none.
     */
    public AppendResult append(ByteBuffer records) {
        ByteBuffer buffer = BatchHeader.bigEndian(records);
        TopicConfig cfg = config;
        int start = buffer.position();
        int end = buffer.limit();
        List<int[]> batches = validate(buffer, start, end, cfg);
        AppendResult result;
        lock.lock();
        try {
            ensureOpen();
            ensureOnline();
            result = appendLocked(buffer, batches, end - start, cfg);
        } finally {
            lock.unlock();
        }
        if (!result.duplicate()) {
            for (LogListener listener : listeners) {
                listener.appended(this, result.logEndOffset());
            }
        }
        return result;
    }

    /** Checks every batch before anything is written; returns each batch's {start, size}. */
    private List<int[]> validate(ByteBuffer buffer, int start, int end, TopicConfig cfg) {
        if (end - start < HEADER_SIZE) {
            throw new CorruptRecordBatchException(name + ": " + (end - start) + " bytes is too short for a record batch");
        }
        List<int[]> batches = new ArrayList<>(1);
        BatchWalk walk = BatchWalk.over(BatchHeader.at(buffer, start), end).checkingCrc();
        while (walk.next()) {
            BatchHeader batch = walk.header();
            long size = batch.sizeInBytes();
            if (size > cfg.maxMessageBytes()) {
                throw new RecordBatchTooLargeException(name + ": record batch of " + size
                        + " bytes exceeds max.message.bytes " + cfg.maxMessageBytes());
            }
            if (size > cfg.segmentBytes()) {
                throw new RecordBatchTooLargeException(name + ": record batch of " + size
                        + " bytes exceeds segment.bytes " + cfg.segmentBytes());
            }
            int count = batch.recordCount();
            if (count != batch.lastOffsetDelta() + 1L) {
                throw new CorruptRecordBatchException(name + ": record batch claims " + count
                        + " records with last offset delta " + batch.lastOffsetDelta());
            }
            batches.add(new int[] {(int) batch.position(), (int) size});
        }
        if (walk.problem() == BatchWalk.Problem.UNSUPPORTED_MAGIC) {
            throw new UnsupportedMagicException(name + ": record batch with " + walk.describeProblem());
        }
        if (walk.problem() != null) {
            throw new CorruptRecordBatchException(name + ": record batch with " + walk.describeProblem());
        }
        return batches;
    }

    private AppendResult appendLocked(ByteBuffer buffer, List<int[]> batches, int totalSize, TopicConfig cfg) {
        // Idempotent producers: a retry of a batch already in the log is answered with the original offsets.
        BatchHeader batch = BatchHeader.at(buffer, batches.get(0)[0]);
        for (int[] each : batches) {
            batch.moveTo(each[0]);
            long producerId = batch.producerId();
            if (producerId < 0) {
                continue;
            }
            int firstSeq = batch.baseSequence();
            ProducerStateTable.BatchRange original = producers.check(name, producerId, batch.producerEpoch(), firstSeq,
                    batch.lastSequence());
            if (original != null) {
                if (batches.size() != 1) {
                    throw new OutOfOrderSequenceException(name + ": producer " + producerId
                            + " resent sequence " + firstSeq + " inside a request with other batches");
                }
                return new AppendResult(original.firstOffset(), original.lastOffset(), logEndOffset, -1,
                        logStartOffset, true, awaitDurable(original.lastOffset() + 1));
            }
        }

        long now = clock.millis();
        Segment segment = maybeRoll(totalSize, cfg, now, batches.size());
        try {
            segment.reserve(totalSize);
        } catch (DiskSpace.DiskFullException e) {
            throw new LogIOException(name + ": cannot append " + totalSize + " bytes to " + segment.file()
                    + ": " + e.getMessage(), e);
        } catch (IOException e) {
            // Not a full disk but a failing one (reserving space writes zeros where fallocate is missing).
            throw goOffline("reserving " + totalSize + " bytes in", segment.file(), e);
        }

        boolean logAppendTime = cfg.timestampType() == TimestampType.LOG_APPEND_TIME;
        long firstOffset = logEndOffset;
        long next = firstOffset;
        long records = 0;
        // Offsets (and append times) go into the headers first, so that all the batches reach the segment in one write.
        for (int[] each : batches) {
            batch.moveTo(each[0]).setBaseOffset(next);
            if (logAppendTime) {
                batch.stampLogAppendTime(now);
            }
            next += batch.lastOffsetDelta() + 1L;
        }
        int start = batches.get(0)[0];
        ByteBuffer all = buffer.duplicate();
        all.limit(start + totalSize).position(start);
        int written;
        try {
            written = segment.write(all);
        } catch (IOException | UncheckedIOException e) {
            // Part of the batches may be in the page cache now: nothing may be appended after them, and a
            // restart's recovery decides what of it survives.
            throw goOffline("write of " + totalSize + " bytes to", segment.file(), e);
        }
        next = firstOffset;
        for (int[] each : batches) {
            int at = each[0];
            batch.moveTo(at);
            int lastDelta = batch.lastOffsetDelta();
            long lastOffset = next + lastDelta;
            segment.index(written + (at - start), each[1], next, lastOffset, batch.maxTimestamp(),
                    cfg.indexIntervalBytes(), now);
            if (batch.hasProducerId()) {
                producers.update(batch.producerId(), batch.producerEpoch(), batch.baseSequence(), batch.lastSequence(),
                        next, lastOffset);
            }
            records += lastDelta + 1L;
            next = lastOffset + 1;
        }
        segment.publish();
        logEndOffset = next;
        appendedRecords.add(records);
        appendedBytes.add(totalSize);
        messagesSinceFlush.addAndGet(records);
        CompletableFuture<Void> durable = afterAppend(next);
        return new AppendResult(firstOffset, next - 1, next, logAppendTime ? now : -1, logStartOffset, false, durable);
    }

    /** Rolls to a new segment when the active one is full, too old, or its index is full. */
    private Segment maybeRoll(int appendSize, TopicConfig cfg, long now, int batchCount) {
        Segment current = active;
        if (current.isEmpty()) {
            if (current.capacity() >= appendSize) {
                return current;
            }
        } else {
            boolean full = (long) current.size() + appendSize > Math.min(cfg.segmentBytes(), current.capacity());
            boolean old = now - current.rollStartMs() >= cfg.segmentMs();
            boolean offsetsOverflow = logEndOffset + appendSize - current.baseOffset() > Integer.MAX_VALUE;
            if (!full && !old && !current.indexFull() && !offsetsOverflow) {
                return current;
            }
        }
        return roll(Math.max(cfg.segmentBytes(), appendSize));
    }

    private Segment roll(int capacity) {
        Segment old = active;
        long base = logEndOffset;
        Segment fresh;
        try {
            if (old.isEmpty() && old.baseOffset() == base) {
                segments.remove(old.baseOffset());
                old.delete();
            } else {
                old.seal();
                sealedUnforced.add(old);
            }
            fresh = Segment.create(dir, base, capacity);
        } catch (IOException e) {
            throw new LogIOException(name + ": cannot roll to a new segment at offset " + base + " in " + dir
                    + ": " + e.getMessage(), e);
        }
        segments.put(base, fresh);
        directoryDirty.set(true);
        active = fresh;
        LOG.debug("{}: rolled to segment {}", name, fresh.file());
        return fresh;
    }

    // ------------------------------------------------------------------ durability

    private CompletableFuture<Void> afterAppend(long endOffset) {
        switch (flushPolicy.mode()) {
            case FSYNC -> {
                CompletableFuture<Void> f = awaitDurable(endOffset);
                requestFlush();
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
    public CompletableFuture<Void> awaitFlushed(long offset) {
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
        requestFlush();
        return future;
    }

    private CompletableFuture<Void> awaitDurable(long offset) {
        return flushPolicy.acknowledgesAfterFsync() ? awaitFlushed(offset) : CompletableFuture.completedFuture(null);
    }

    private void requestFlush() {
        if (flushQueued.compareAndSet(false, true)) {
            flusher.request(this);
        }
    }

    /** Called by the flusher for a queued log. */
    void flushQueued() {
        flushQueued.set(false);
        flush();
    }

    /** Called by the flusher in interval mode. */
    void flushIfDirty() {
        if (flushedOffset < logEndOffset || !sealedUnforced.isEmpty()) {
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

    private void flushOnce() {
        if (offline.get() != null) {
            failWaiters(offline.get());
            return;
        }
        long started = System.nanoTime();
        long target = logEndOffset;
        Segment current = active;
        Path forcing = dir;
        try {
            Segment sealed;
            while ((sealed = sealedUnforced.poll()) != null) {
                forcing = sealed.file();
                forceRetained(sealed);
            }
            forcing = current.file();
            forceRetained(current);
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
                listener.durable(this, target);
            }
        }
    }

    private void forceRetained(Segment segment) throws IOException {
        if (segment.tryRetain()) {
            try {
                segment.force();
            } finally {
                segment.release();
            }
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
     * Takes the log offline after {@code failure} on {@code file}: the first failure is logged (one ERROR line naming
     * the file and the operating system's error), fails every waiting acknowledgement and tells the listeners; later
     * ones only get the exception back.
     */
    private LogOfflineException goOffline(String operation, Path file, Exception failure) {
        Throwable cause = failure instanceof UncheckedIOException unchecked ? unchecked.getCause() : failure;
        LogOfflineException exception = new LogOfflineException(name + ": " + operation + " " + file.toAbsolutePath()
                + " failed (" + cause.getMessage() + "); the partition takes no more writes until a restart recovers"
                + " it to its last forced offset " + flushedOffset, cause);
        if (!offline.compareAndSet(null, exception)) {
            return offline.get();
        }
        LOG.error("{}", exception.getMessage());
        failWaiters(exception);
        for (LogListener listener : listeners) {
            listener.offline(this, exception);
        }
        return exception;
    }

    private void ensureOnline() {
        LogOfflineException cause = offline.get();
        if (cause != null) {
            throw cause.refusal();
        }
    }

    private void failWaiters(LogIOException failure) {
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

    // ------------------------------------------------------------------ read

    /**
     * Whole batches from the one holding {@code fromOffset}, at most {@code maxBytes} but always at least one
     * whole batch, from a single segment. {@link LogSlice#EMPTY} at the log end offset. Close the slice.
     */
    public LogSlice read(long fromOffset, int maxBytes) {
        while (true) {
            long end = logEndOffset;
            long start = logStartOffset;
            if (fromOffset == end) {
                return LogSlice.EMPTY;
            }
            if (fromOffset < start || fromOffset > end) {
                throw new OffsetOutOfRangeException(name + ": offset " + fromOffset + " is outside the log ["
                        + start + ", " + end + ")");
            }
            Map.Entry<Long, Segment> entry = segments.floorEntry(fromOffset);
            if (entry == null || !entry.getValue().tryRetain()) {
                ensureOpen();
                continue; // retention removed it meanwhile: check the bounds again
            }
            Segment segment = entry.getValue();
            int size = segment.size();
            int position = segment.positionOf(fromOffset, size);
            if (position < 0) {
                segment.release();
                Map.Entry<Long, Segment> later = segments.higherEntry(entry.getKey());
                if (later == null) {
                    return LogSlice.EMPTY;
                }
                fromOffset = Math.max(fromOffset, later.getKey());
                continue;
            }
            LogSlice slice = segment.slice(position, maxBytes, size);
            bytesRead.add(slice.sizeInBytes());
            return slice;
        }
    }

    /** The first record with a timestamp at or after {@code timestamp}; null if none. */
    public TimestampAndOffset offsetForTimestamp(long timestamp) {
        for (Segment segment : segments.values()) {
            if (segment.maxTimestamp() < timestamp || !segment.tryRetain()) {
                continue;
            }
            try {
                int position = segment.positionOfTimestamp(timestamp, segment.size());
                if (position < 0) {
                    continue;
                }
                return findRecord(segment, position, ts -> ts >= timestamp);
            } finally {
                segment.release();
            }
        }
        return null;
    }

    /** The earliest record with the largest timestamp in the log; null if the log is empty. */
    public TimestampAndOffset maxTimestamp() {
        Segment best = null;
        for (Segment segment : segments.values()) {
            if (segment.maxTimestamp() >= 0 && (best == null || segment.maxTimestamp() > best.maxTimestamp())) {
                best = segment;
            }
        }
        if (best == null || !best.tryRetain()) {
            return null;
        }
        try {
            long max = best.maxTimestamp();
            int position = best.positionOf(best.offsetOfMaxTimestamp(), best.size());
            return position < 0 ? null : findRecord(best, position, ts -> ts >= max);
        } finally {
            best.release();
        }
    }

    /** Decodes the batch at {@code position} (decompressing it if needed) for the first record whose timestamp matches. */
    private static TimestampAndOffset findRecord(Segment segment, int position, LongPredicate matches) {
        int size = (int) segment.header(position).sizeInBytes();
        ByteBuffer copy = ByteBuffer.allocate(size);
        segment.copyTo(position, size, copy);
        copy.flip();
        for (RecordBatch batch : MemoryRecords.readableRecords(copy).batches()) {
            boolean appendTime = batch.timestampType() == org.apache.kafka.common.record.TimestampType.LOG_APPEND_TIME;
            for (Record record : batch) {
                long timestamp = appendTime ? batch.maxTimestamp() : record.timestamp();
                if (matches.test(timestamp)) {
                    return new TimestampAndOffset(timestamp, record.offset());
                }
            }
        }
        return null;
    }

    // ------------------------------------------------------------------ retention

    /**
     * Deletes whole old segments: those whose newest record is older than retention.ms, and the oldest ones
     * while the log is larger than retention.bytes. Readers holding slices of a deleted segment keep them.
     * Returns how many segments it deleted. A topic whose cleanup.policy is compact alone keeps every segment:
     * compaction, not age or size, decides what goes (Kafka does the same).
     */
    public int enforceRetention() {
        TopicConfig cfg = config;
        if (!cfg.cleanupPolicy().deletes()) {
            return 0;
        }
        long now = clock.millis();
        int deleted = 0;
        lock.lock();
        try {
            if (closed) {
                return 0;
            }
            if (cfg.retentionMs() >= 0) {
                long cutoff = now - cfg.retentionMs();
                for (Segment segment : List.copyOf(segments.values())) {
                    long newest = segment.maxTimestamp() >= 0 ? segment.maxTimestamp() : segment.rollStartMs();
                    if (segment.isEmpty() || newest >= cutoff) {
                        break;
                    }
                    if (segment == active) {
                        roll(cfg.segmentBytes());
                    }
                    deleteOldest(segment);
                    deleted++;
                }
            }
            if (cfg.retentionBytes() >= 0) {
                long total = sizeInBytes();
                for (Segment segment : List.copyOf(segments.values())) {
                    if (segment == active || total - segment.size() < cfg.retentionBytes()) {
                        break;
                    }
                    total -= segment.size();
                    deleteOldest(segment);
                    deleted++;
                }
            }
            if (deleted > 0) {
                writeCheckpoint(false);
            }
        } catch (IOException e) {
            throw new LogIOException(name + ": retention failed in " + dir + ": " + e.getMessage(), e);
        } finally {
            lock.unlock();
        }
        if (deleted > 0) {
            LOG.info("{}: retention deleted {} segment(s); log start offset now {}", name, deleted, logStartOffset);
        }
        return deleted;
    }

    /**
     * Deletes every segment that lies wholly below {@code offset} (never the active one) and moves the log start
     * offset to the first segment kept: for a log's own writer that has made what is below redundant, as the
     * consumer-offsets snapshot does. Readers holding slices of a deleted segment keep them. Returns how many
     * segments it deleted.
     */
    public int deleteSegmentsBefore(long offset) {
        int deleted = 0;
        lock.lock();
        try {
            ensureOpen();
            for (Segment segment : List.copyOf(segments.values())) {
                if (segment == active || segment.nextOffset() > offset) {
                    break;
                }
                deleteOldest(segment);
                deleted++;
            }
            if (deleted > 0) {
                writeCheckpoint(false);
            }
        } catch (IOException e) {
            throw new LogIOException(name + ": cannot delete segments below offset " + offset + " in " + dir + ": "
                    + e.getMessage(), e);
        } finally {
            lock.unlock();
        }
        return deleted;
    }

    private void deleteOldest(Segment segment) throws IOException {
        segments.remove(segment.baseOffset());
        Map.Entry<Long, Segment> first = segments.firstEntry();
        logStartOffset = first == null ? logEndOffset : first.getKey();
        sealedUnforced.remove(segment);
        segment.delete();
    }

    // ------------------------------------------------------------------ open, recovery, close

    private void load() throws IOException {
        Checkpoint checkpoint = Checkpoint.read(dir);
        List<Long> bases = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path file : (Iterable<Path>) files::iterator) {
                String fileName = file.getFileName().toString();
                if (fileName.endsWith(".tmp")) {
                    Files.deleteIfExists(file);
                } else if (fileName.endsWith(".log") && fileName.length() == 24) {
                    bases.add(Long.parseLong(fileName.substring(0, 20)));
                }
            }
        }
        bases.sort(null);
        deleteOrphanIndexes(bases);
        TopicConfig cfg = config;
        long now = clock.millis();
        if (bases.isEmpty()) {
            long start = checkpoint == null ? 0 : checkpoint.logStartOffset();
            Segment first = Segment.create(dir, start, cfg.segmentBytes());
            segments.put(start, first);
            active = first;
            logStartOffset = start;
            logEndOffset = start;
            flushedOffset = start;
            directoryDirty.set(true);
            writeCheckpoint(false);
            return;
        }
        boolean clean = checkpoint != null && checkpoint.clean();
        long recoveryPoint = checkpoint == null ? -1 : checkpoint.recoveryPoint();
        long next = bases.get(0);
        for (int i = 0; i < bases.size(); i++) {
            long base = bases.get(i);
            if (i > 0 && base != next) {
                // The segment before this one ends short of it (cut, or emptied by a damaged write): offsets in a
                // log are contiguous, so nothing from here on can be served. CorruptionTest shows the case.
                LOG.warn("{}: truncated the log at offset {}: segment {} starts at offset {} but the segment before it"
                        + " ends at {}", name, next, dir.resolve(Segment.fileName(base, ".log")), base, next);
                deleteSegmentsAfter(bases, i - 1);
                producers.truncateFrom(next);
                break;
            }
            boolean last = i == bases.size() - 1;
            long nextBase = last ? Long.MAX_VALUE : bases.get(i + 1);
            Path file = dir.resolve(Segment.fileName(base, ".log"));
            long length = Files.size(file);
            boolean trusted = clean || (recoveryPoint >= nextBase);
            Segment segment = Segment.open(dir, base, last ? Math.max(cfg.segmentBytes(), length) : length);
            segments.put(base, segment);
            if (trusted && length <= Integer.MAX_VALUE && segment.nextOffsetIfHeadersHoldTogether((int) length) < 0) {
                LOG.warn("{}: the batch headers of {} do not hold together although the checkpoint vouches for it;"
                        + " validating it batch by batch", name, file);
                trusted = false;
            }
            if (trusted && length <= Integer.MAX_VALUE) {
                if (!segment.loadTrusted((int) length, last, cfg.indexIntervalBytes(), now)) {
                    LOG.info("{}: rebuilt the indexes of {}", name, file);
                }
                next = segment.nextOffset();
            } else {
                Segment.Recovery recovery = segment.recover(cfg.indexIntervalBytes(), now);
                next = recovery.nextOffset();
                if (recovery.reason() != null) {
                    LOG.warn("{}: truncated {} at position {} ({}): dropped {} bytes; the log ends at offset {}",
                            name, file, recovery.validEnd(), recovery.reason(), recovery.droppedBytes(), next);
                    deleteSegmentsAfter(bases, i);
                    producers.truncateFrom(next);
                    break;
                }
                if (!last) {
                    segment.seal();
                }
            }
        }
        active = segments.lastEntry().getValue();
        logEndOffset = next;
        long start = checkpoint == null ? bases.get(0) : Math.max(bases.get(0), Math.min(checkpoint.logStartOffset(), next));
        logStartOffset = start;
        flushedOffset = next;
        rebuildProducerState();
        writeCheckpoint(false);
        LOG.debug("{}: opened {} segment(s), offsets [{}, {}){}", name, segments.size(), start, next,
                clean ? "" : ", recovered from offset " + Math.max(recoveryPoint, 0));
    }

    private void deleteSegmentsAfter(List<Long> bases, int index) throws IOException {
        for (int j = index + 1; j < bases.size(); j++) {
            Path file = dir.resolve(Segment.fileName(bases.get(j), ".log"));
            LOG.warn("{}: deleted {}, which followed the damaged segment", name, file);
            Files.deleteIfExists(file);
            Files.deleteIfExists(dir.resolve(Segment.fileName(bases.get(j), ".index")));
            Files.deleteIfExists(dir.resolve(Segment.fileName(bases.get(j), ".timeindex")));
        }
    }

    private void deleteOrphanIndexes(List<Long> bases) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            for (Path file : (Iterable<Path>) files::iterator) {
                String fileName = file.getFileName().toString();
                if ((fileName.endsWith(".index") || fileName.endsWith(".timeindex")) && fileName.length() >= 20) {
                    try {
                        long base = Long.parseLong(fileName.substring(0, 20));
                        if (!bases.contains(base)) {
                            Files.deleteIfExists(file);
                        }
                    } catch (NumberFormatException e) {
                        LOG.warn("{}: ignoring unexpected file {}", name, file);
                    }
                }
            }
        }
    }

    /** Reads every batch header once to learn the idempotent producers' last sequences. */
    private void rebuildProducerState() {
        for (Segment segment : segments.values()) {
            segment.forEachBatch(batch -> {
                if (batch.hasProducerId()) {
                    producers.update(batch.producerId(), batch.producerEpoch(), batch.baseSequence(),
                            batch.lastSequence(), batch.baseOffset(), batch.lastOffset());
                }
            });
        }
    }

    /** Forces everything and records the recovery point, so a restart after a crash scans less. */
    public void checkpoint() {
        flush();
        lock.lock();
        try {
            if (!closed) {
                writeCheckpoint(false);
            }
        } catch (IOException e) {
            throw new LogIOException(name + ": cannot write checkpoint in " + dir + ": " + e.getMessage(), e);
        } finally {
            lock.unlock();
        }
    }

    private void writeCheckpoint(boolean clean) throws IOException {
        new Checkpoint(flushedOffset, logStartOffset, clean).write(dir);
    }

    /** Flushes, trims the active segment, writes a clean checkpoint (unless offline) and unmaps everything. */
    void close() {
        lock.lock();
        try {
            if (closed) {
                return;
            }
            flush();
            for (Segment segment : segments.values()) {
                segment.close();
            }
            // An offline log is not clean: what it wrote after its last forced offset must be recovered at the next
            // start, not trusted.
            writeCheckpoint(!isOffline());
            closed = true;
        } catch (IOException e) {
            throw new LogIOException(name + ": clean close of " + dir + " failed: " + e.getMessage(), e);
        } finally {
            closed = true;
            lock.unlock();
            failWaiters(new LogIOException(name + ": log closed before the write was forced", new IOException("closed")));
        }
    }

    /**
     * Closes the log without a checkpoint and deletes its files from {@code movedTo}, where its directory was
     * renamed; open slices stay readable until closed.
     */
    void deleteIn(Path movedTo) {
        lock.lock();
        try {
            closed = true;
            for (Segment segment : segments.values()) {
                segment.markDeleted();
            }
            segments.clear();
            try (Stream<Path> files = Files.list(movedTo)) {
                for (Path file : (Iterable<Path>) files::iterator) {
                    Files.deleteIfExists(file);
                }
            }
            Files.deleteIfExists(movedTo);
        } catch (IOException e) {
            throw new LogIOException(name + ": cannot delete " + movedTo + ": " + e.getMessage(), e);
        } finally {
            lock.unlock();
            failWaiters(new LogIOException(name + ": log deleted before the write was forced", new IOException("deleted")));
        }
    }

    private void closeSegmentsQuietly() {
        for (Segment segment : segments.values()) {
            segment.release();
        }
        segments.clear();
    }

    private void ensureOpen() {
        if (closed) {
            throw new LogClosedException(name + " is closed");
        }
    }

    @Override
    public String toString() {
        return "PartitionLog[" + name + ", offsets [" + logStartOffset + ", " + logEndOffset + "), "
                + segments.size() + " segment(s)]";
    }
}
