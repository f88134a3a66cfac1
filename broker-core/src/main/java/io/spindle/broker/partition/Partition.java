package io.spindle.broker.partition;

import io.spindle.log.AbortedTransaction;
import io.spindle.log.AppendResult;
import io.spindle.log.LeaderEpochCache;
import io.spindle.log.LogIOException;
import io.spindle.log.LogListener;
import io.spindle.log.LogOfflineException;
import io.spindle.log.LogSlice;
import io.spindle.log.OffsetOutOfRangeException;
import io.spindle.log.PartitionLog;
import io.spindle.log.TimestampAndOffset;
import io.spindle.log.TransactionIndex;
import io.spindle.log.compact.KeyedRecords;
import io.spindle.log.ProducerSnapshot;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.NotEnoughReplicasAfterAppendException;
import org.apache.kafka.common.errors.NotLeaderOrFollowerException;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.internal.ControlRecordType;
import org.apache.kafka.common.record.internal.EndTransactionMarker;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.requests.DeleteRecordsRequest;
import org.apache.kafka.common.requests.ListOffsetsRequest;

/**
 * One topic-partition as the Kafka protocol sees it on this broker: its log, who holds it ({@link Replicas}), its
 * high watermark and last stable offset, when a produce is acknowledged, and the events fetches and coordinators
 * wait on.
 *
 * <p>The rules, as they are on one broker:
 * <ul>
 *   <li>Leader epoch: the {@link Replicas}' epoch (0 on one broker; in a cluster the metadata image's, set through
 *       {@link #lead}). It is begun in the log when the partition is made or leads at a new epoch
 *       ({@link PartitionLog#beginLeaderEpoch}), so every batch appended carries it and the log's
 *       {@link LeaderEpochCache} knows where it starts (OffsetsForLeaderEpoch, {@link #endOffsetForEpoch}); a client
 *       naming another current epoch is fenced ({@link #checkLeaderEpoch}).</li>
 *   <li>Leading or following: the partition leads when its {@link Replicas}' leader is this broker; otherwise it is
 *       a follower ({@link #follow}), which takes no produce and serves no client, only its leader's batches
 *       ({@link #appendReplicated}) and truncation.</li>
 *   <li>High watermark: the offset below which every in-sync replica holds the records. With this broker the only
 *       in-sync replica it is the log end offset; with followers in sync, or being taken in, the lowest offset they
 *       fetched at ({@link InSyncReplicas}; a follower forces what it appended before it fetches again).</li>
 *   <li>Last stable offset: the first offset of the earliest transaction still open here, or the high watermark
 *       when none is (or it is lower). The log tracks transactions ({@link PartitionLog#transactions}): a
 *       transactional batch opens its producer's transaction, the COMMIT or ABORT marker the coordinator writes
 *       ({@link #appendMarker}) closes it; aborted ones are kept in each segment's {@code .txnindex} and listed for
 *       read_committed fetches ({@link #abortedTransactions}).</li>
 *   <li>Consumers read below the high watermark (read_uncommitted) or the last stable offset (read_committed);
 *       ListOffsets' latest answers the same bound.</li>
 *   <li>acks=all is satisfied when every in-sync replica holds the batch as durably as its flush mode promises:
 *       this log counts it durable (after the fsync covering it in {@code flush.mode=fsync}) and the high watermark
 *       passed it; it is refused with NOT_ENOUGH_REPLICAS when the ISR is smaller than {@code min.insync.replicas}
 *       ({@link #produceRefusal}), and answered NOT_ENOUGH_REPLICAS_AFTER_APPEND when the ISR shrank below it while it
 *       waited.</li>
 *   <li>Once the log's storage fails the partition is offline: appends and reads throw
 *       {@link PartitionOfflineException} (Kafka's KAFKA_STORAGE_ERROR) until a restart recovers the log.</li>
 * </ul>
 *
 * <p>Threading: appends run on the partition's single writer thread (the data path's partition writers); every
 * other method is thread-safe and does not block on the writer. Listeners run on the thread of the change.
 */
public final class Partition {
    /** The coordinator epoch of the markers this broker's transaction coordinator writes: it is the only one. */
    public static final int LOCAL_COORDINATOR_EPOCH = 0;

    private final TopicPartition id;
    private final String name;
    private final PartitionLog log;
    private final List<PartitionListener> listeners = new CopyOnWriteArrayList<>();
    private final TransactionIndex transactions;
    private final int localId;
    /** Who holds the partition, the followers being taken into its ISR, and the high watermark they allow. */
    private final InSyncReplicas inSync;
    private volatile LogIOException offlineCause;
    /** Set once by {@link #resign}: the broker is stopping and hands this partition over, so it takes no produce. */
    private volatile boolean resigning;
    /** Held by each produce append and by {@link #resign}, so that no append is under way once resign returns. */
    private final Object appendGate = new Object();

    Partition(PartitionLog log, Replicas replicas) {
        this(log, replicas, replicas.leader());
    }

    /** A partition of this broker ({@code localId}), leading when {@code replicas} names it leader. */
    Partition(PartitionLog log, Replicas replicas, int localId) {
        this.localId = localId;
        this.inSync = new InSyncReplicas(localId, replicas, log::logEndOffset);
        this.id = new TopicPartition(log.topic(), log.partition());
        this.name = id.toString();
        this.log = log;
        this.transactions = log.transactions();
        if (log.isOffline()) {
            // A sealed segment failed its first check while the log loaded: the log went offline before this
            // partition listened, so it learns it here, and serves and takes nothing until a restart recovers the log.
            offlineCause = log.offlineCause();
        }
        log.addListener(new LogEvents());
        if (!isOffline() && isLeader()) {
            try {
                // Every batch appended here from now on carries this epoch, and the log's leader epochs say where it
                // began (nothing is written when it is the log's latest already, as at every start of one broker).
                log.beginLeaderEpoch(replicas.leaderEpoch());
            } catch (LogOfflineException e) {
                offlineCause = e;   // the epochs' write failed; LogEvents heard it too
            }
        }
    }

    public String topic() {
        return id.topic();
    }

    public int index() {
        return id.partition();
    }

    public TopicPartition topicPartition() {
        return id;
    }

    /**
     * The storage underneath, for what persists through a log of its own (the group coordinator's
     * {@code __consumer_offsets}) and for storage meters. Request handlers use this class's methods instead.
     */
    public PartitionLog log() {
        return log;
    }

    public Replicas replicas() {
        return inSync.current();
    }

    public int leaderEpoch() {
        return inSync.current().leaderEpoch();
    }

    /** Whether this broker leads the partition (a follower, or a partition without a leader, does not). */
    public boolean isLeader() {
        return inSync.leads();
    }

    /**
     * Follows {@code following} (its leader is another broker, or none): from now on the partition takes no produce
     * and answers clients NOT_LEADER_OR_FOLLOWER; acks=all produces still waiting fail with NOT_LEADER_OR_FOLLOWER.
     */
    public synchronized void follow(Replicas following) {
        if (following.leader() == localId) {
            throw new IllegalArgumentException(name + ": cannot follow itself " + following);
        }
        inSync.follow(following, name);
    }

    /**
     * Leads with {@code leading}, as the cluster's metadata says (its leader is this broker): a new leader epoch is
     * begun in the log first, so that clients naming it are served and every batch appended from now on carries it.
     * Nothing changes when {@code leading} is what the partition holds already.
     *
     * @throws IllegalArgumentException when the epoch is below the log's latest leader epoch
     * @throws LogOfflineException      when the log is offline or the epochs' write fails
     */
    public synchronized void lead(Replicas leading) {
        if (leading.leader() != localId) {
            throw new IllegalArgumentException(name + ": " + leading + " does not name this broker " + localId
                    + " leader");
        }
        Replicas held = inSync.current();
        if (leading.equals(held)) {
            return;
        }
        if (!isLeader() || leading.leaderEpoch() != held.leaderEpoch()) {
            log.beginLeaderEpoch(leading.leaderEpoch());
        }
        inSync.lead(leading, System.currentTimeMillis());
        advanceHighWatermark();     // an ISR that shrank may let it (and waiting produces) move on
    }

    /**
     * The broker is stopping and hands this partition to a follower (controlled shutdown): from now on it takes no
     * produce (NOT_LEADER_OR_FOLLOWER, which producers retry) but still serves its followers' fetches, so they can
     * catch up with everything it acknowledged before the leadership moves. When this returns no produce append is
     * under way, so the log end offset read next is final. One way: a stopping broker never takes produce again.
     * (Transaction markers are still written: a transaction half-marked would hang.)
     */
    public void resign() {
        synchronized (appendGate) {
            resigning = true;
        }
    }

    /**
     * A follower's fetch at {@code fetchOffset} naming {@code lastFetchedEpoch}, the epoch of the last batch it holds
     * (negative when it names none): where its log diverged from this one ({@link #divergingEpoch}), or empty when it did not.
     * Only a fetch that did not diverge says the follower holds this log's records below {@code fetchOffset} (forced in
     * flush.mode=fsync), so only it may move the high watermark, waiting acks=all produces and the follower's way back
     * into the ISR: a diverged follower holds other records there (a deposed leader's tail) until it truncates.
     * Progress is ignored when this broker does not lead.
     *
     * @throws OffsetOutOfRangeException when this log knows no epoch at or below {@code lastFetchedEpoch}
     * @throws PartitionOfflineException when the partition's storage has failed
     */
    public Optional<LeaderEpochCache.EpochEndOffset> followerFetched(int replica, long fetchOffset, int lastFetchedEpoch,
                                                                     long nowMs) {
        Optional<LeaderEpochCache.EpochEndOffset> diverged = lastFetchedEpoch < 0 ? Optional.empty()
                : divergingEpoch(fetchOffset, lastFetchedEpoch);
        if (diverged.isEmpty() && isLeader() && replica != localId) {
            inSync.followerFetched(replica, fetchOffset, nowMs);
            advanceHighWatermark();
        }
        return diverged;
    }

    /** The offset {@code replica} last fetched at on this leader, -1 when unknown. */
    public long followerFetchOffset(int replica) {
        ReplicaProgress.Follower follower = inSync.follower(replica);
        return follower == null ? -1 : follower.fetchOffset();
    }

    /** When {@code replica} was last caught up with this leader's log end (epoch ms), -1 when unknown. */
    public long followerCaughtUpMs(int replica) {
        ReplicaProgress.Follower follower = inSync.follower(replica);
        return follower == null ? -1 : follower.lastCaughtUpMs();
    }

    /** On a follower: the high watermark its leader's last fetch answer gave. */
    public void leaderHighWatermark(long leaderHighWatermark) {
        inSync.followLeader(leaderHighWatermark);
    }

    /**
     * This leader asked the metadata quorum to take {@code joining} into the ISR (an empty list: the change was refused).
     * Until an image gives this partition new replicas ({@link #lead}), the high watermark waits for them as for the
     * in-sync followers: the quorum may elect one of them as soon as it commits the change, before this broker has
     * applied it, so nothing they do not hold may be acknowledged meanwhile (Kafka's "maximal ISR").
     */
    public void isrExpanding(List<Integer> joining) {
        inSync.expanding(joining);
        advanceHighWatermark();
    }

    /**
     * On the leader: raises the high watermark to what every in-sync and every joining follower holds (the log end
     * when there is none), completes the acks=all produces it passed and tells the listeners. A leader alone in its
     * ISR raises it at each append; one taking a follower in waits for that follower like for any in-sync one.
     */
    private void advanceHighWatermark() {
        long highWatermark = inSync.advance();
        if (highWatermark == InSyncReplicas.NOT_LEADING) {
            return;
        }
        for (PartitionListener listener : listeners) {
            listener.highWatermarkAdvanced(this, highWatermark);
        }
    }

    /**
     * Why a produce asking for {@code acks} is refused before it is appended, or NONE: NOT_LEADER_OR_FOLLOWER when this
     * broker does not lead, NOT_ENOUGH_REPLICAS for acks=all with fewer in-sync replicas than min.insync.replicas.
     */
    public Errors produceRefusal(Acks acks) {
        Replicas current = inSync.current();
        if (current.leader() != localId || resigning) {
            return Errors.NOT_LEADER_OR_FOLLOWER;
        }
        if (acks == Acks.ALL && current.isr().size() < log.config().minInsyncReplicas()) {
            return Errors.NOT_ENOUGH_REPLICAS;
        }
        return Errors.NONE;
    }

    /**
     * Checks a client's view of the leader epoch ({@code current_leader_epoch} of Fetch, ListOffsets and
     * OffsetsForLeaderEpoch; -1 when the client sends none): NONE when absent or this partition's epoch;
     * FENCED_LEADER_EPOCH when older (the client's metadata is stale: it refreshes it); UNKNOWN_LEADER_EPOCH when
     * newer (this broker has not learnt of that epoch yet: the client retries).
     */
    public Errors checkLeaderEpoch(int currentLeaderEpoch) {
        if (!isLeader()) {
            return Errors.NOT_LEADER_OR_FOLLOWER;
        }
        int epoch = inSync.current().leaderEpoch();
        if (currentLeaderEpoch == LeaderEpochCache.UNDEFINED_EPOCH || currentLeaderEpoch == epoch) {
            return Errors.NONE;
        }
        return currentLeaderEpoch < epoch ? Errors.FENCED_LEADER_EPOCH : Errors.UNKNOWN_LEADER_EPOCH;
    }

    /**
     * Where {@code epoch} ends in this partition's log (OffsetsForLeaderEpoch; {@link LeaderEpochCache#endOffsetFor}):
     * the largest epoch at or below it that wrote here and the offset after its last record, the log end for the
     * current epoch. Any thread.
     *
     * @throws PartitionOfflineException when the partition's storage has failed
     */
    public LeaderEpochCache.EpochEndOffset endOffsetForEpoch(int epoch) {
        ensureOnline();
        // The log end first: a new epoch's entry is recorded before its first batch moves the end.
        long logEndOffset = log.logEndOffset();
        return log.leaderEpochs().endOffsetFor(epoch, logEndOffset);
    }

    /**
     * For a follower's fetch naming the epoch of the last batch it holds ({@code lastFetchedEpoch}, Fetch v12+): where
     * its log diverged from this one — the largest epoch at or below it here and that epoch's end, which it truncates
     * to before it fetches again — or empty when it did not (this log holds that epoch up to {@code fetchOffset}).
     *
     * @throws OffsetOutOfRangeException when this log knows no epoch at or below {@code lastFetchedEpoch}
     * @throws PartitionOfflineException when the partition's storage has failed
     */
    public Optional<LeaderEpochCache.EpochEndOffset> divergingEpoch(long fetchOffset, int lastFetchedEpoch) {
        LeaderEpochCache.EpochEndOffset end = endOffsetForEpoch(lastFetchedEpoch);
        if (end.isUndefined()) {
            throw new OffsetOutOfRangeException(name + ": a fetch at offset " + fetchOffset + " after leader epoch "
                    + lastFetchedEpoch + ", but this log knows no epoch at or below it");
        }
        return end.epoch() < lastFetchedEpoch || end.endOffset() < fetchOffset ? Optional.of(end) : Optional.empty();
    }

    /** The leader epoch that wrote the record at {@code offset} (at the log end: the current one); -1 when unknown. */
    public int epochForOffset(long offset) {
        return log.leaderEpochs().epochForOffset(offset).orElse(LeaderEpochCache.UNDEFINED_EPOCH);
    }

    /** Whether the partition's storage failed since the broker started. */
    public boolean isOffline() {
        return offlineCause != null;
    }

    /** The failure that took the partition offline, or null while it is online. */
    public LogIOException offlineCause() {
        return offlineCause;
    }

    public long logStartOffset() {
        return log.logStartOffset();
    }

    public long logEndOffset() {
        return log.logEndOffset();
    }

    /**
     * Consumers read below it: every in-sync replica, and every follower this leader is taking into the ISR, holds the
     * records under it. On a leader alone in its ISR it follows the log end, raised as each append is announced.
     */
    public long highWatermark() {
        return inSync.highWatermark();
    }

    /** read_committed consumers read below it: no transaction is undecided under it. */
    public long lastStableOffset() {
        // The high watermark first: a transaction opened by a batch under it was published before the batch.
        long highWatermark = highWatermark();
        return Math.min(highWatermark, transactions.firstUnstableOffset());
    }

    /**
     * The transactions aborted in this partition that a read_committed consumer must know of to read the records in
     * [{@code fromOffset}, {@code toOffset}): those with records below {@code toOffset} and their ABORT marker at or
     * after {@code fromOffset}.
     */
    public List<AbortedTransaction> abortedTransactions(long fromOffset, long toOffset) {
        return transactions.abortedTransactions(fromOffset, toOffset);
    }

    /** Where a consumer of {@code isolation} stops reading. */
    public long fetchableEnd(IsolationLevel isolation) {
        return isolation == IsolationLevel.READ_COMMITTED ? lastStableOffset() : highWatermark();
    }

    public void addListener(PartitionListener listener) {
        listeners.add(listener);
    }

    public void removeListener(PartitionListener listener) {
        listeners.remove(listener);
    }

    /**
     * Appends record batches as the producer framed them (see {@link PartitionLog#append}). Call on the
     * partition's writer thread.
     *
     * @throws PartitionOfflineException when the partition's storage has failed
     */
    public AppendResult append(ByteBuffer records) {
        return append(records, false);
    }

    /**
     * As {@link #append(ByteBuffer)}; with {@code flushHere} the fsync that makes it durable runs on this thread
     * before this returns ({@link PartitionLog#append(ByteBuffer, boolean)}).
     */
    public AppendResult append(ByteBuffer records, boolean flushHere) {
        synchronized (appendGate) {     // uncontended but for resign: one writer thread appends to a partition
            ensureOnline();
            ensureLeader();
            if (resigning) {
                throw new NotLeaderOrFollowerException("This broker is stopping and hands " + name
                        + " over to a follower");
            }
            if (log.config().cleanupPolicy().compacts()) {
                KeyedRecords.requireKeys(records, name);
            }
            // The log opens the batch's transaction before the batch becomes readable.
            return log.append(records, flushHere);
        }
    }

    /**
     * Appends the COMMIT ({@code commit}) or ABORT marker of a producer's transaction: a Kafka v2 control batch
     * with the producer's id and epoch and no sequence, written by this broker's transaction coordinator (coordinator
     * epoch {@value #LOCAL_COORDINATOR_EPOCH}, never fenced). It closes the producer's transaction here, so the last
     * stable offset may move past it. Call on the partition's writer thread.
     *
     * @throws PartitionOfflineException when the partition's storage has failed
     * @throws io.spindle.log.InvalidProducerEpochException when the producer has a newer epoch here
     */
    public AppendResult appendMarker(long producerId, short producerEpoch, boolean commit, long timestampMs) {
        ensureOnline();
        ensureLeader();
        return writeMarker(producerId, producerEpoch, commit, LOCAL_COORDINATOR_EPOCH, timestampMs);
    }

    /**
     * Appends a marker a client asked for with WriteTxnMarkers ({@code Admin.abortTransaction}, which aborts a
     * hanging transaction): as {@link #appendMarker(long, short, boolean, long)}, from a coordinator at
     * {@code coordinatorEpoch}, refused when a marker of a higher coordinator epoch was written here for the producer
     * (what DescribeProducers shows). Call on the partition's writer thread.
     *
     * @throws CoordinatorEpochFencedException when {@code coordinatorEpoch} is below the producer's here
     * @throws io.spindle.log.InvalidProducerEpochException when the producer has a newer epoch here
     * @throws PartitionOfflineException when the partition's storage has failed
     */
    public AppendResult appendMarker(long producerId, short producerEpoch, boolean commit, int coordinatorEpoch,
                                     long timestampMs) {
        ensureOnline();
        ensureLeader();
        int known = transactions.coordinatorEpoch(producerId);
        if (coordinatorEpoch < known) {
            throw new CoordinatorEpochFencedException(name + ": a marker of producer " + producerId
                    + " from coordinator epoch " + coordinatorEpoch + " is older than the coordinator epoch " + known
                    + " of its last marker here");
        }
        return writeMarker(producerId, producerEpoch, commit, coordinatorEpoch, timestampMs);
    }

    private AppendResult writeMarker(long producerId, short producerEpoch, boolean commit, int coordinatorEpoch,
                                     long timestampMs) {
        EndTransactionMarker marker = new EndTransactionMarker(commit ? ControlRecordType.COMMIT : ControlRecordType.ABORT,
                coordinatorEpoch);
        MemoryRecords batch = MemoryRecords.withEndTransactionMarker(0L, timestampMs, 0, producerId, producerEpoch, marker);
        // The log closes the transaction (and records an abort in the segment's .txnindex) before the marker is
        // readable, so the listeners it tells of the append already see the last stable offset moved past it.
        return log.append(batch.buffer());
    }

    /**
     * The producers that wrote here, as DescribeProducers shows them: from the log's producer state, with the
     * coordinator epoch of their markers here and the first offset of their open transaction here (-1 when none).
     * Any thread.
     */
    public List<ProducerState> producers() {
        List<ProducerSnapshot> known = log.producers();
        List<ProducerState> all = new ArrayList<>(known.size());
        for (ProducerSnapshot p : known) {
            all.add(new ProducerState(p.producerId(), p.epoch(), p.lastSequence(), p.lastTimestamp(),
                    transactions.coordinatorEpoch(p.producerId()), transactions.openTransactionStart(p.producerId())));
        }
        return all;
    }

    /**
     * Removes every record at and after {@code offset}, for a replica whose log diverged from its leader's (see
     * {@link PartitionLog#truncateTo}: a batch holding {@code offset} goes whole, so the log may end below it). The
     * high watermark comes down with the log end (on the only replica it is the log end), and the listeners hear
     * {@link PartitionListener#truncated} with the new end. Call on the partition's writer thread.
     *
     * @return the log end offset (and high watermark) after the truncation
     * @throws IllegalArgumentException  when {@code offset} is below the log start offset
     * @throws PartitionOfflineException when the partition's storage has failed, before or during the truncation
     */
    public long truncateTo(long offset) {
        ensureOnline();
        try {
            long end = log.truncateTo(offset);
            inSync.truncated(end);
            return end;
        } catch (LogOfflineException e) {
            throw new PartitionOfflineException(name, e);
        }
    }

    /**
     * On a follower whose leader's log starts past this log's end: empties this log, which starts again at
     * {@code offset} ({@link PartitionLog#truncateFullyAndStartAt}). Call on the one thread that fetches for it.
     *
     * @throws IllegalArgumentException  when {@code offset} is not past the log end
     * @throws PartitionOfflineException when the partition's storage has failed, before or during the call
     */
    public long truncateFullyAndStartAt(long offset) {
        ensureOnline();
        try {
            long end = log.truncateFullyAndStartAt(offset);
            inSync.truncated(end);
            return end;
        } catch (LogOfflineException e) {
            throw new PartitionOfflineException(name, e);
        }
    }

    /**
     * Deletes the records below {@code offset} (DeleteRecords; {@link DeleteRecordsRequest#HIGH_WATERMARK} means the
     * high watermark): the log start offset moves up to it, durably, and never down. Call on the partition's writer
     * thread, so it is ordered with the appends.
     *
     * @return the log start offset (Kafka's low watermark) after the call
     * @throws OffsetOutOfRangeException       when {@code offset} is negative (but not the sentinel) or above the
     *                                         high watermark
     * @throws io.spindle.log.RecordDeletionRefusedException when the topic's cleanup.policy has no delete
     * @throws PartitionOfflineException      when the partition's storage has failed
     */
    public long deleteRecordsBefore(long offset) {
        ensureOnline();
        long highWatermark = highWatermark();
        long target = offset == DeleteRecordsRequest.HIGH_WATERMARK ? highWatermark : offset;
        if (target < 0 || target > highWatermark) {
            throw new OffsetOutOfRangeException(name + ": cannot delete records below offset " + offset
                    + ": it is not in [0, high watermark " + highWatermark + "]");
        }
        try {
            return log.deleteRecordsBefore(target);
        } catch (LogOfflineException e) {
            throw new PartitionOfflineException(name, e);
        }
    }

    /**
     * Completes with {@code appended} when a producer that asked for {@code acks} may be told the batch is written:
     * at once for acks 0 and 1; for acks=all once every in-sync replica holds it as durably as its flush mode
     * promises. Fails if the storage fails first.
     */
    public CompletableFuture<AppendResult> acknowledgement(AppendResult appended, Acks acks) {
        if (acks != Acks.ALL) {
            return CompletableFuture.completedFuture(appended);
        }
        // This log's own durability, and the in-sync and joining followers' (the high watermark passing the batch);
        // on a leader alone in its ISR and taking no follower in, the append itself raised the high watermark past it.
        int minInsync = log.config().minInsyncReplicas();
        CompletableFuture<Void> passed = inSync.await(appended.lastOffset() + 1);
        if (!isLeader()) {
            // Deposed between the append and this wait: losing the leadership failed the waits registered before it,
            // not this one, which a later leadership's high watermark would otherwise complete over whatever that
            // offset holds by then (the deposed tail is truncated away when this broker follows). A wait the high
            // watermark had passed already stays complete: every in-sync replica held the batch.
            passed.completeExceptionally(new NotLeaderOrFollowerException("This broker no longer leads " + name
                    + ": the batch at offset " + appended.firstOffset() + " may or may not be kept by the new leader"));
        }
        CompletableFuture<Void> replicated = passed
                .thenRun(() -> {
                    int inSyncNow = inSync.current().isr().size();
                    if (inSyncNow < minInsync) {
                        throw new NotEnoughReplicasAfterAppendException(name + ": the batch at offset "
                                + appended.firstOffset() + " was written, but the in-sync replicas shrank to " + inSyncNow
                                + ", below min.insync.replicas " + minInsync + ", while it waited");
                    }
                });
        return appended.durable().thenCombine(replicated, (durable, inSync) -> appended);
    }

    /**
     * On a follower: appends batches fetched from the leader as they are there (offsets, epochs; see
     * {@link PartitionLog#appendReplicated}). Call on the one thread that fetches for this partition.
     *
     * @throws PartitionOfflineException when the partition's storage has failed
     * @throws IllegalStateException     when this broker leads the partition
     */
    public synchronized AppendResult appendReplicated(ByteBuffer records) {
        // Under the lock of lead(): a batch fetched from the old leader is never appended after this broker's new
        // leader epoch began (a reassignment's new leader leads while its fetcher may still be answered).
        ensureOnline();
        if (isLeader()) {
            throw new IllegalStateException(name + " leads: it takes no batches from another replica");
        }
        return log.appendReplicated(records);
    }

    /** For a follower's fetch: whole batches from {@code fetchOffset} up to the log end (not the high watermark). */
    public LogSlice readForFollower(long fetchOffset, int maxBytes) {
        ensureOnline();
        return log.read(fetchOffset, maxBytes);
    }

    /**
     * Whole batches from the one holding {@code fetchOffset}, for a consumer of {@code isolation}: empty at or past
     * its fetchable end. Close the slice.
     *
     * @throws io.spindle.log.OffsetOutOfRangeException when the offset is outside the log
     * @throws PartitionOfflineException when the partition's storage has failed
     */
    public LogSlice read(long fetchOffset, int maxBytes, IsolationLevel isolation) {
        ensureOnline();
        long end = fetchableEnd(isolation);
        if (fetchOffset >= end && fetchOffset <= log.logEndOffset()) {
            return LogSlice.EMPTY;
        }
        // Consumers never see a batch crossing the high watermark (followers may not have it yet) nor, for
        // read_committed, the last stable offset.
        LogSlice slice = log.read(fetchOffset, maxBytes);
        return slice.cutAt(end);
    }

    /**
     * ListOffsets: the offset for {@code timestamp}, or for one of Kafka's special timestamps, as a consumer of
     * {@code isolation} may see it; null when there is none.
     * <ul>
     *   <li>earliest (-2) and earliest local (-4): the log start offset (there is no remote tier);</li>
     *   <li>latest (-1): the fetchable end (high watermark, or last stable offset for read_committed);</li>
     *   <li>max timestamp (-3): the earliest record with the largest timestamp;</li>
     *   <li>latest tiered (-5) and earliest pending upload (-6): none, as Kafka answers without a remote tier;</li>
     *   <li>any other value: the first record whose timestamp is at or after it, below the fetchable end.</li>
     * </ul>
     */
    public TimestampAndOffset offsetFor(long timestamp, IsolationLevel isolation) {
        ensureOnline();
        long end = fetchableEnd(isolation);
        if (timestamp == ListOffsetsRequest.EARLIEST_TIMESTAMP || timestamp == ListOffsetsRequest.EARLIEST_LOCAL_TIMESTAMP) {
            return new TimestampAndOffset(-1L, log.logStartOffset());
        }
        if (timestamp == ListOffsetsRequest.LATEST_TIMESTAMP) {
            return new TimestampAndOffset(-1L, end);
        }
        if (timestamp == ListOffsetsRequest.LATEST_TIERED_TIMESTAMP
                || timestamp == ListOffsetsRequest.EARLIEST_PENDING_UPLOAD_TIMESTAMP) {
            return null;
        }
        TimestampAndOffset found = timestamp == ListOffsetsRequest.MAX_TIMESTAMP
                ? log.maxTimestamp() : log.offsetForTimestamp(timestamp);
        return found != null && found.offset() < end ? found : null;
    }

    private void ensureLeader() {
        if (!isLeader()) {
            throw new NotLeaderOrFollowerException("This broker does not lead " + name + " (" + inSync.current() + ")");
        }

    }

    private void ensureOnline() {
        LogIOException cause = offlineCause;
        if (cause != null) {
            throw new PartitionOfflineException(name, cause);
        }
    }

    @Override
    public String toString() {
        Replicas current = inSync.current();
        return "Partition[" + name + ", leader " + current.leader() + " epoch " + current.leaderEpoch()
                + (isOffline() ? ", offline" : "") + "]";
    }

    /** Turns the log's events into the partition's: on one replica, an append moves the high watermark. */
    private final class LogEvents implements LogListener {
        @Override
        public void appended(PartitionLog appendedTo, long logEndOffset) {
            // A leader alone in its ISR moves the high watermark to the new end; with followers in sync or joining it
            // waits for their fetches. The event wakes waiting fetches either way, followers' among them, which read
            // up to the log end.
            if (isLeader()) {
                advanceHighWatermark();
                return;
            }
            long highWatermark = highWatermark();
            for (PartitionListener listener : listeners) {
                listener.highWatermarkAdvanced(Partition.this, highWatermark);
            }
        }

        @Override
        public void durable(PartitionLog forced, long durableOffset) {
            for (PartitionListener listener : listeners) {
                listener.durable(Partition.this, durableOffset);
            }
        }

        @Override
        public void truncated(PartitionLog cut, long logEndOffset) {
            for (PartitionListener listener : listeners) {
                listener.truncated(Partition.this, logEndOffset);
            }
        }

        @Override
        public void offline(PartitionLog failed, LogIOException cause) {
            offlineCause = cause;
            for (PartitionListener listener : listeners) {
                listener.offline(Partition.this, cause);
            }
        }
    }
}
