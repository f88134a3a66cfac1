package io.spindle.log;

import io.spindle.config.TopicConfig;
import io.spindle.log.compact.CleanableLog;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One topic-partition: an append-only sequence of Kafka v2 record batches in segments under
 * {@code <data-dir>/<topic>-<partition>/}.
 *
 * <p>Offsets: {@code logStartOffset <= durableOffset <= logEndOffset}; every offset in between is readable.
 * Offsets are assigned here, contiguously, by rewriting each batch's base offset.
 *
 * <p>This class is the log's face and its lifecycle (the write lock, open, close, checkpoints, listeners); the work
 * is done by its parts: {@link Segments} (the ordered segments and the offset range), {@link Appender} (validation,
 * idempotence, roll, the write), {@link Durability} (what is forced, who waits, going offline), {@link LogReader}
 * (reads and timestamp searches), {@link Retention} (which old segments go), {@link Truncation} (cutting the log
 * back), {@link Compaction} (the log cleaner's view and the swap of cleaned segments), {@link LogLoader} (opening
 * and recovery) and {@link LeaderEpochCache} (which leader epoch wrote which offsets).
 *
 * <p>Threading: one writer at a time ({@link #append} and the structural changes — roll, retention, truncation,
 * close — hold a lock; append may block on disk, so call it off network threads). Reads take no lock: they
 * see segments up to the volatile {@code logEndOffset}, which is stored only after the bytes below it are
 * written and their segment's size published. Flushes run on the {@link Flusher} threads, one at a time per log.
 */
public final class PartitionLog {
    private static final Logger LOG = LoggerFactory.getLogger(PartitionLog.class);

    private final String topic;
    private final int partition;
    private final String name;
    private final Path dir;
    private final Clock clock;
    private final List<LogListener> listeners = new CopyOnWriteArrayList<>();
    private final ReentrantLock lock = new ReentrantLock();
    private final ProducerStateTable producers = new ProducerStateTable();
    private final Segments segments;
    private final TransactionTracker transactions;
    private final Durability durability;
    private final Appender appender;
    private final LogReader reader;
    private final Retention retention;
    private final Truncation truncation;
    private final Compaction compaction;
    private final LeaderEpochCache epochs;
    private final long producerIdExpirationMs;

    private volatile TopicConfig config;
    private volatile boolean closed;
    /** Stamped into every appended batch: the epoch {@link #beginLeaderEpoch} began, -1 before any. */
    private volatile int leaderEpoch = LeaderEpochCache.UNDEFINED_EPOCH;
    /** Batches the open validated one by one (CRC32C), for the log manager's count of what a start recovered. */
    private long validatedAtOpen;

    private PartitionLog(String topic, int partition, Path dir, TopicConfig config, Clock clock, FlushPolicy flushPolicy,
                         Flusher flusher, LongConsumer durableLatency, long producerIdExpirationMs,
                         RecoveryPoints recoveryPoints) {
        this.topic = topic;
        this.producerIdExpirationMs = producerIdExpirationMs;
        this.partition = partition;
        this.name = topic + "-" + partition;
        this.dir = dir;
        this.config = config;
        this.clock = clock;
        this.segments = new Segments(name, dir);
        this.transactions = new TransactionTracker(segments);
        this.durability = new Durability(this, name, segments, flushPolicy, flusher, durableLatency, listeners,
                recoveryPoints);
        segments.listen(durability);
        this.epochs = new LeaderEpochCache(name, dir);
        this.appender = new Appender(name, clock, segments, durability, producers, transactions, epochs);
        this.reader = new LogReader(name, segments, this::ensureOpen);
        this.retention = new Retention(name, segments, durability, epochs);
        this.truncation = new Truncation(name, segments, durability, producers, transactions, epochs);
        this.compaction = new Compaction(this, name, dir, clock, lock, segments, durability, producers, transactions);
    }

    /**
     * Opens the partition directory (creating it if absent) and recovers it.
     *
     * @param compactedBefore        the log cleaner has cleaned this log (its checkpoint says so): its segments may
     *                               have offset holes even if its topic no longer compacts
     * @param producerIdExpirationMs producer.id.expiration.ms: when an idle producer is forgotten
     *                               ({@link #expireProducers})
     * @param cleanStop              this log's entry in the data directory's {@link CleanShutdown} record, or null
     * @param recoveryPoints         the data directory's record of forced offsets: its entry for this log at the
     *                               start, and where a lowering of this log's recovery point is written
     */
    static PartitionLog open(Path dir, String topic, int partition, TopicConfig config, Clock clock,
                             FlushPolicy flushPolicy, Flusher flusher, LongConsumer durableLatency,
                             boolean compactedBefore, long producerIdExpirationMs, CleanShutdown.Entry cleanStop,
                             RecoveryPoints recoveryPoints) {
        PartitionLog log = new PartitionLog(topic, partition, dir, config, clock, flushPolicy, flusher, durableLatency,
                producerIdExpirationMs, recoveryPoints);
        long recorded = recoveryPoints.recordedAtStart(dir.getFileName().toString());
        Checkpoint before;      // as the last run left it (the loader rewrites it): the clean stop's record first
        try {
            before = cleanStop != null ? cleanStop.checkpoint() : RecoveryPoints.atLeast(Checkpoint.read(dir), recorded);
        } catch (IOException e) {
            throw new LogIOException("cannot open partition log " + dir + ": " + e.getMessage(), e);
        }
        log.validatedAtOpen = new LogLoader(log.name, dir, config, clock.millis(), log.segments, log.producers,
                log.transactions, compactedBefore, log.durability, cleanStop, recorded).open(log.durability);
        log.loadLeaderEpochs(before);
        log.cutBackAfterOffline();
        // The snapshot and the batch headers bring back every producer the log held when it closed or crashed: those
        // idle past the expiration by now are dropped at once, as Kafka drops them when it loads its snapshot.
        log.expireProducers();
        return log;
    }

    /** Loads the leader epochs ({@code before}: the checkpoint as the last run left it, or null). */
    private void loadLeaderEpochs(Checkpoint before) {
        try {
            epochs.load(segments, before);
        } catch (IOException | UncheckedIOException e) {
            segments.releaseAll();
            throw new LogIOException("cannot open partition log " + dir + ": " + e.getMessage(), e);
        }
    }

    /**
     * If the log went offline before this open ({@link OfflineMarker}), cuts it back to the offset it had forced then:
     * what lies beyond was never acknowledged and may be bytes the page cache kept but the disk did not take.
     */
    private void cutBackAfterOffline() {
        try {
            OptionalLong forced = OfflineMarker.read(dir);
            if (forced.isPresent()) {
                long end = segments.logEndOffset();
                long to = Math.max(forced.getAsLong(), segments.logStartOffset());
                if (to < end) {
                    truncateTo(to);
                    LOG.warn("{}: the log went offline before the last shutdown at forced offset {}; cut it back"
                            + " from offset {} to {}, dropping records that were never acknowledged", name,
                            forced.getAsLong(), end, segments.logEndOffset());
                }
                OfflineMarker.delete(dir);
            }
        } catch (IOException e) {
            segments.releaseAll();
            throw new LogIOException("cannot open partition log " + dir + ": " + e.getMessage(), e);
        }
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
        return segments.logStartOffset();
    }

    public long logEndOffset() {
        return segments.logEndOffset();
    }

    /**
     * Whether a write or fsync of this log failed. An offline log takes no appends and acknowledges nothing more
     * (not even what a later fsync would cover: after a failed fsync the kernel may have dropped the dirty pages,
     * so a later successful one proves nothing about them). Reads of what was written stay possible, but the
     * broker refuses them too. A restart recovers the log to its last forced point.
     */
    public boolean isOffline() {
        return durability.isOffline();
    }

    /** The failure that took this log offline, or null while it is online. */
    public LogOfflineException offlineCause() {
        return durability.offlineCause();
    }

    /** Everything below this offset has been forced to disk. */
    public long durableOffset() {
        return durability.flushedOffset();
    }

    /** How many flushes (fsync rounds) this log has done; each may have covered many appends. */
    public long fsyncCount() {
        return durability.fsyncCount();
    }

    /** Total time spent in fsync rounds, in nanoseconds. */
    public long fsyncNanos() {
        return durability.fsyncNanos();
    }

    /** Records appended since the log was opened (duplicates not counted). */
    public long appendedRecords() {
        return appender.appendedRecords();
    }

    /** Bytes of record batches appended since the log was opened. */
    public long appendedBytes() {
        return appender.appendedBytes();
    }

    /** Bytes handed out in slices by {@link #read} since the log was opened. */
    public long bytesRead() {
        return reader.bytesRead();
    }

    public int segmentCount() {
        return segments.count();
    }

    /** Bytes of record batches held by all segments. */
    public long sizeInBytes() {
        return segments.sizeInBytes();
    }

    // ------------------------------------------------------------------ append

    /**
     * Appends one or more v2 record batches, framed as the producer sent them ({@code records}' position to
     * limit). The batches' headers are rewritten in place: base offset, and for LogAppendTime topics the
     * attributes, max timestamp and CRC. Either every batch is appended or none.
     */
    public AppendResult append(ByteBuffer records) {
        return append(records, false);
    }

    /**
     * As {@link #append(ByteBuffer)}; with {@code flushHere}, in {@code flush.mode=fsync}, the fsync that makes the
     * append durable runs on this thread before this returns (after the listeners heard of the append, so readers
     * waiting for it are woken first), instead of on a flusher thread woken for it: one thread hand-off less between
     * the append and its acknowledgement. For a caller with nothing else to do meanwhile, as a writer thread whose
     * queue is empty; a caller with more appends waiting should let the flusher threads force this log.
     */
    public AppendResult append(ByteBuffer records, boolean flushHere) {
        return write(records, false, flushHere);
    }

    /**
     * Appends batches copied from the partition's leader (a follower's fetch), byte for byte: their offsets, leader
     * epochs and timestamps are kept, the first starts at this log's end or after it (a compacted leader's holes), and
     * the epochs they carry are recorded in {@link #leaderEpochs}. Validated as {@link #append} validates (CRC, sizes).
     *
     * @throws OffsetOutOfRangeException when a batch starts below the log end or the batch before it ends
     */
    public AppendResult appendReplicated(ByteBuffer records) {
        return write(records, true, false);
    }

    private AppendResult write(ByteBuffer records, boolean replicated, boolean flushHere) {
        ByteBuffer buffer = BatchHeader.bigEndian(records);
        TopicConfig cfg = config;
        int start = buffer.position();
        int end = buffer.limit();
        List<int[]> batches = appender.validate(buffer, start, end, cfg);
        AppendResult result;
        lock.lock();
        try {
            ensureOpen();
            durability.ensureOnline();
            durability.beforeAppend();
            result = replicated ? appender.appendReplicated(buffer, batches, end - start, cfg)
                    : appender.append(buffer, batches, end - start, cfg, leaderEpoch, flushHere);
        } finally {
            lock.unlock();
        }
        if (result.duplicate()) {
            return result;
        }
        try {
            for (LogListener listener : listeners) {
                listener.appended(this, result.logEndOffset());
            }
        } finally {
            if (flushHere) {
                durability.flushOnCaller();
            }
        }
        return result;
    }

    /**
     * From now on this log's replica leads at {@code epoch}: the epoch starts at the log end (recorded durably in the
     * {@link #leaderEpochs} before this returns, unless it is the latest there already) and every batch appended after
     * this call is stamped with it (Kafka's partitionLeaderEpoch, outside the CRC, so no bytes are copied for it).
     *
     * @throws IllegalArgumentException when {@code epoch} is negative or below the latest epoch of the log
     * @throws LogOfflineException      when the log is offline, or the write of the epochs fails (which takes it offline)
     */
    public void beginLeaderEpoch(int epoch) {
        lock.lock();
        try {
            ensureOpen();
            durability.ensureOnline();
            int latest = epochs.latestEpoch().orElse(LeaderEpochCache.UNDEFINED_EPOCH);
            if (epoch < 0 || epoch < latest) {
                throw new IllegalArgumentException(name + ": cannot lead at epoch " + epoch + ": it is negative or below"
                        + " the latest leader epoch " + latest + " of the log");
            }
            epochs.assign(epoch, segments.logEndOffset());
            leaderEpoch = epoch;
        } catch (IOException | UncheckedIOException e) {
            throw durability.goOffline("leader epochs write in", dir, e);
        } finally {
            lock.unlock();
        }
    }

    /** Which leader epoch wrote which offsets: for OffsetsForLeaderEpoch and a follower's truncation. Any thread. */
    public LeaderEpochCache leaderEpochs() {
        return epochs;
    }

    /**
     * The producers that wrote to this log (their batches, or transaction markers), as the idempotence checks know
     * them: rebuilt from the batch headers when the log opens, updated by every append. A copy; takes the write lock
     * briefly.
     */
    public List<ProducerSnapshot> producers() {
        lock.lock();
        try {
            return producers.snapshot();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Forgets the producers idle for producer.id.expiration.ms or more by the log's clock (the timestamp of their last
     * batch or marker here) that have no transaction open here: DescribeProducers no longer lists them, their
     * coordinator epochs are forgotten with them, the cleaner no longer keeps their last batch, and the next batch of
     * one of them starts it again with any sequence (no duplicate of its earlier batches is recognised any more).
     * Runs on the log scheduler every producer.id.expiration.check.interval.ms, and at open; takes the write lock for
     * one pass over the producers. Returns how many it forgot.
     */
    public int expireProducers() {
        lock.lock();
        try {
            return closed ? 0 : expireProducersLocked();
        } finally {
            lock.unlock();
        }
    }

    private int expireProducersLocked() {
        List<Long> expired = producers.removeExpired(clock.millis(), producerIdExpirationMs, transactions::isOpen);
        if (!expired.isEmpty()) {
            transactions.forget(expired);
            LOG.debug("{}: forgot {} producer(s) idle for {} ms or more: {}", name, expired.size(),
                    producerIdExpirationMs, expired);
        }
        return expired.size();
    }

    /** How many producers the log knows ({@link #producers}, without the copy); any thread, no lock. */
    public int producerIdCount() {
        return producers.size();
    }

    /**
     * The log's transactions: which are open (the last stable offset follows from them), which were aborted (from the
     * segments' {@code .txnindex} files), and the coordinator epochs of the producers' markers. Kept as batches are
     * appended; read from any thread.
     */
    public TransactionIndex transactions() {
        return transactions;
    }

    // ------------------------------------------------------------------ truncation

    /**
     * Removes every record at and after {@code offset}, for a replica whose log diverged from its leader's. Batches
     * are removed whole: when {@code offset} falls inside a batch, that whole batch goes and the log then ends at its
     * base offset (below {@code offset}). At or past the log end it does nothing.
     *
     * <p>Before it returns the cut is durable (the kept bytes of the cut segment and the directory are forced), the
     * durable offset and the checkpoint's recovery point are lowered to the new end if they were above it, waiters
     * for the removed records fail with {@link LogIOException}, the idempotent producers' state is rebuilt from what
     * remains (a sequence that was removed may be appended again), and the listeners hear
     * {@link LogListener#truncated}. The next append continues at the new end. Readers holding slices of removed
     * records keep them until they close them.
     *
     * @return the log end offset after the truncation
     * @throws IllegalArgumentException when {@code offset} is below the log start offset
     * @throws LogOfflineException      when the log is offline, or the truncation's own write or fsync fails (which
     *                                  takes the log offline)
     */
    public long truncateTo(long offset) {
        long end;
        lock.lock();
        try {
            ensureOpen();
            durability.ensureOnline();
            long start = segments.logStartOffset();
            if (offset < start) {
                throw new IllegalArgumentException(name + ": cannot truncate to offset " + offset
                        + ", which is below the log start offset " + start);
            }
            if (offset >= segments.logEndOffset()) {
                return segments.logEndOffset();
            }
            TopicConfig cfg = config;
            end = truncation.truncate(offset, cfg.segmentBytes(), cfg.indexIntervalBytes(), clock.millis());
            expireProducersLocked();    // the rebuild from the remaining batches brings back expired producers too
        } catch (IOException | UncheckedIOException e) {
            throw durability.goOffline("truncation of", dir, e);
        } finally {
            lock.unlock();
        }
        for (LogListener listener : listeners) {
            listener.truncated(this, end);
        }
        return end;
    }

    /**
     * Empties the log and starts it again at {@code offset}, which lies past its end: for a follower whose leader's
     * log starts after everything this one holds (Kafka's truncate-fully-and-start-at). See
     * {@link Truncation#truncateFullyAndStartAt}: before it returns the log is empty at {@code offset} durably, waiters
     * for removed records fail, and the listeners hear {@link LogListener#truncated} with the new end.
     *
     * @return {@code offset}, the new log start and end
     * @throws IllegalArgumentException when {@code offset} is not past the log end
     * @throws LogOfflineException      when the log is offline, or a write or fsync of this fails (which takes the log
     *                                  offline)
     */
    public long truncateFullyAndStartAt(long offset) {
        lock.lock();
        try {
            ensureOpen();
            durability.ensureOnline();
            long end = segments.logEndOffset();
            if (offset <= end) {
                throw new IllegalArgumentException(name + ": cannot start again at offset " + offset
                        + ", which is not past the log end " + end);
            }
            TopicConfig cfg = config;
            truncation.truncateFullyAndStartAt(offset, cfg.segmentBytes(), cfg.indexIntervalBytes(), clock.millis());
        } catch (IOException | UncheckedIOException e) {
            throw durability.goOffline("emptying (to start again at offset " + offset + ") of", dir, e);
        } finally {
            lock.unlock();
        }
        for (LogListener listener : listeners) {
            listener.truncated(this, offset);
        }
        return offset;
    }

    // ------------------------------------------------------------------ durability

    /** A future that completes once everything below {@code offset} is forced to disk. */
    public CompletableFuture<Void> awaitFlushed(long offset) {
        return durability.awaitFlushed(offset);
    }

    /** Called by the flusher for a queued log. */
    void flushQueued() {
        durability.flushQueued();
    }

    /** See {@link Durability#beforeFileSystemSync}. */
    Durability.FileSystemSyncScope beforeFileSystemSync() {
        return durability.beforeFileSystemSync();
    }

    /** See {@link Durability#afterFileSystemSync}. */
    void afterFileSystemSync(Durability.FileSystemSyncScope scope, boolean succeeded) {
        durability.afterFileSystemSync(scope, succeeded);
    }

    /** Called by the flusher in interval mode, and before the data directory's recovery points are recorded. */
    void flushIfDirty() {
        durability.flushIfDirty();
    }

    /** Below this offset the log is forced and a restart may trust it ({@link RecoveryPoints}); no lock. */
    long recoveryPoint() {
        return durability.recoveryPoint();
    }

    /** How many batches this log's open validated one by one (after a crash: those past its recovery point). */
    long batchesValidatedAtOpen() {
        return validatedAtOpen;
    }

    // ------------------------------------------------------------------ read

    /**
     * Whole batches from the one holding {@code fromOffset}, at most {@code maxBytes} but always at least one
     * whole batch, from a single segment. {@link LogSlice#EMPTY} at the log end offset. Close the slice.
     */
    public LogSlice read(long fromOffset, int maxBytes) {
        return reader.read(fromOffset, maxBytes);
    }

    /** The first record with a timestamp at or after {@code timestamp}; null if none. */
    public TimestampAndOffset offsetForTimestamp(long timestamp) {
        return reader.offsetForTimestamp(timestamp);
    }

    /** The earliest record with the largest timestamp in the log; null if the log is empty. */
    public TimestampAndOffset maxTimestamp() {
        return reader.maxTimestamp();
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
        lock.lock();
        try {
            return closed ? 0 : retention.enforce(cfg, now);
        } finally {
            lock.unlock();
        }
    }

    /**
     * Deletes the records below {@code offset} (Kafka's DeleteRecords): the log start offset moves up to it (never
     * down), readers can no longer read below it, the segments wholly below it go, and the new start is in the
     * forced checkpoint before this returns, so it survives a crash or power loss. Returns the log start offset
     * after the call.
     *
     * @throws OffsetOutOfRangeException       when {@code offset} is past the log end offset
     * @throws RecordDeletionRefusedException  when the topic's {@code cleanup.policy} has no {@code delete}
     */
    public long deleteRecordsBefore(long offset) {
        lock.lock();
        try {
            ensureOpen();
            long end = segments.logEndOffset();
            if (offset < 0 || offset > end) {
                throw new OffsetOutOfRangeException(name + ": cannot delete records below offset " + offset
                        + ", outside the log [" + segments.logStartOffset() + ", " + end + "]");
            }
            retention.deleteRecordsBefore(config, offset);
            return segments.logStartOffset();
        } finally {
            lock.unlock();
        }
    }

    // ------------------------------------------------------------------ compaction

    /** This log as the log cleaner sees it: its segments, and the crash-safe swap of cleaned ones. */
    public CleanableLog cleanable() {
        return compaction;
    }

    // ------------------------------------------------------------------ checks of sealed segments

    /** What {@link #checkSealedSegments} did: segments and bytes it checked, and whether it found damage. */
    record Checked(int segments, long bytes, boolean damaged) {
    }

    /**
     * Checks, while {@code go} says so, every batch (CRC32C included) of the segments this log loaded from their seals
     * ({@link Segment#checkContent}); stops at the first damaged one, which takes the log offline.
     */
    Checked checkSealedSegments(java.util.function.BooleanSupplier go) {
        int checked = 0;
        long bytes = 0;
        for (Segment segment : segments.snapshot()) {
            if (!go.getAsBoolean() || closed) {
                break;
            }
            if (segment.isContentChecked() || !segment.tryRetain()) {
                continue;
            }
            try {
                segment.checkContent();
                checked++;
                bytes += segment.size();
            } catch (LogOfflineException e) {
                return new Checked(checked, bytes, true);
            } finally {
                segment.release();
            }
        }
        return new Checked(checked, bytes, false);
    }

    // ------------------------------------------------------------------ checkpoint, close

    /**
     * Forces everything and records the recovery point, so a restart after a crash scans less; nothing when the
     * checkpoint on disk already says so.
     */
    public void checkpoint() {
        durability.flush();
        lock.lock();
        try {
            if (!closed) {
                durability.forceCheckpointIfChanged();
            }
        } finally {
            lock.unlock();
        }
    }

    /** Flushes, trims the active segment, writes a clean checkpoint (unless offline) and unmaps everything. */
    void close() {
        close(false, true);
    }

    /**
     * Closes the log at a broker's clean shutdown: as {@link #close}, except that the active segment keeps its
     * preallocated length and no checkpoint is written; what the clean checkpoint would say is returned instead, for
     * the data directory's one {@link CleanShutdown} record. Null when the log may not be taken at its word (offline,
     * a segment found damaged, already closed): it then gets the unclean checkpoint {@link #close} gives it.
     *
     * @param release false when the process ends right after: a log taken at its word then leaves its segments'
     *                mappings and descriptors to the end of the process ({@link LogManager#closeForExit})
     */
    CleanShutdown.Entry closeForShutdown(boolean release) {
        return close(true, release);
    }

    private CleanShutdown.Entry close(boolean forShutdown, boolean release) {
        lock.lock();
        try {
            if (closed) {
                return null;
            }
            durability.flush();
            // Readers take no lock: closed first, so that they stop at ensureOpen instead of retrying on segments
            // that closeAll released while they are still in the set.
            closed = true;
            if (!isOffline()) {
                // As of the log end: the next start reads no batch header for it.
                ProducerStateFile.write(dir, producers, transactions, segments.logEndOffset());
            }
            Segment active = segments.active();
            boolean vouch = forShutdown && durability.mayCloseClean()
                    && durability.flushedOffset() == segments.logEndOffset();
            segments.closeAll(vouch, release);
            if (vouch) {
                return new CleanShutdown.Entry(dir.getFileName().toString(), durability.flushedOffset(),
                        segments.logStartOffset(), active.baseOffset(), active.size());
            }
            // An offline log is not clean: what it wrote after its last forced offset must be recovered at the next
            // start, not trusted.
            durability.writeCheckpoint(!isOffline());
            return null;
        } catch (IOException e) {
            throw new LogIOException(name + ": clean close of " + dir + " failed: " + e.getMessage(), e);
        } finally {
            closed = true;
            lock.unlock();
            durability.failWaiters(new LogIOException(name + ": log closed before the write was forced",
                    new IOException("closed")));
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
            segments.deleteAll(movedTo);
        } catch (IOException e) {
            throw new LogIOException(name + ": cannot delete " + movedTo + ": " + e.getMessage(), e);
        } finally {
            lock.unlock();
            durability.failWaiters(new LogIOException(name + ": log deleted before the write was forced",
                    new IOException("deleted")));
        }
    }

    boolean isClosed() {
        return closed;
    }

    private void ensureOpen() {
        if (closed) {
            throw new LogClosedException(name + " is closed");
        }
    }

    @Override
    public String toString() {
        return "PartitionLog[" + name + ", offsets [" + logStartOffset() + ", " + logEndOffset() + "), "
                + segments.count() + " segment(s)]";
    }
}
