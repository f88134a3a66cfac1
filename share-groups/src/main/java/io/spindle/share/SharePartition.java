package io.spindle.share;

import io.spindle.config.ShareSettings;
import java.util.ArrayList;
import java.util.List;

/**
 * One share group's state in one topic-partition (KIP-932): the in-flight window and the state of every record in it.
 *
 * <p>Invariants:
 * <ul>
 *   <li>Every record below {@link #startOffset()} is acknowledged or archived (done); the record at the start offset
 *       is not (the window never starts with a done record).</li>
 *   <li>Records from the start offset up to {@link #endOffset()} (exclusive) are in flight, each
 *       {@link RecordState#AVAILABLE available}, {@link RecordState#ACQUIRED acquired} by one member until a deadline,
 *       acknowledged or archived, with the number of times it was delivered. Records at or past the end offset were
 *       never delivered.</li>
 *   <li>The window holds at most {@link ShareSettings#maxRecordLocks()} records: past it, only records already in it
 *       are acquired again.</li>
 *   <li>A record delivered {@link ShareSettings#deliveryCountLimit()} times and then released or timed out, or
 *       rejected, is archived; when the group has a dead-letter topic it is {@link RecordState#DEAD_LETTERING} first,
 *       and archived only by {@link #deadLettered} (once its copy is durable), so it is never archived uncopied.</li>
 *   <li>An available record may wait before it can be acquired (its not-before time): after a release or a lock
 *       timeout, for the group's redelivery backoff; before its first delivery, until the time its
 *       {@code spindle.deliver.at} header names, which the caller reads from the log ({@link ReadRecords}). Those
 *       times are not stored: after a restart a record's backoff is gone, and a never-delivered record's header is
 *       read again.</li>
 *   <li>A record the caller's read says the group may not see ({@link ReadRecords#isDeliverable}: of an aborted
 *       transaction, or a control record, for a read_committed group) is archived when an acquisition reaches it, never
 *       acquired; the window moves past it as past any record done.</li>
 * </ul>
 *
 * <p>The state machine knows nothing of logs or time sources: callers pass the offsets the log holds and the current
 * time. Not thread-safe: callers hold the partition's monitor ({@code synchronized (partition)}) around every call.
 */
public final class SharePartition {
    private ShareSettings settings;
    private long startOffset;
    /** One slot per offset from startOffset; endOffset = startOffset + slots.size(). */
    private final ArrayList<Slot> slots = new ArrayList<>();
    private int acquired;
    /** Records archived since this object was made (rejected, gaps, over the delivery limit, lost to retention). */
    private long archivedTotal;
    /** Of those, the records archived once their dead-letter copy was durable. */
    private long deadLetteredTotal;
    /** Records in DEAD_LETTERING now. */
    private int deadLettering;
    /** Acquisitions by the delivery count they gave the record (index 1 to the highest limit; 0 unused). */
    private final long[] deliveries = new long[MAX_COUNTED_DELIVERY + 1];
    /** The earliest not-before time of an available record still in the future, or Long.MAX_VALUE. */
    private long nextDueMs = Long.MAX_VALUE;

    /** Delivery counts above this are counted with it ({@code group.share.delivery.count.limit} is at most 10). */
    public static final int MAX_COUNTED_DELIVERY = 10;

    private static final class Slot {
        RecordState state = RecordState.AVAILABLE;
        int deliveryCount;
        String member;
        long deadlineMs;
        /** Not acquired before this time (backoff, or spindle.deliver.at); 0 for none. */
        long notBeforeMs;
        /** Whether the spindle.deliver.at header of a never-delivered record was read (false after a restart). */
        boolean deliveryTimeKnown;
        DeadLetterReason deadLetterReason;
        /** A DEAD_LETTERING record handed out by takeDeadLetters and not yet reported back. */
        boolean deadLetterSent;
    }

    /** A record to copy to the dead-letter topic, as {@link #takeDeadLetters} hands it out. */
    public record PendingDeadLetter(long offset, int deliveryCount, DeadLetterReason reason) {
    }

    /** The result of {@link #acknowledge}: an error message (nothing applied), or whether anything became available. */
    public record AckOutcome(String error, boolean madeAvailable) {
        static final AckOutcome NOTHING = new AckOutcome(null, false);
    }

    private SharePartition(long startOffset, ShareSettings settings) {
        this.startOffset = startOffset;
        this.settings = settings;
    }

    /** A share-partition with nothing in flight, starting at {@code startOffset}. */
    public static SharePartition startingAt(long startOffset, ShareSettings settings) {
        if (startOffset < 0) {
            throw new IllegalArgumentException("a share-partition cannot start at offset " + startOffset);
        }
        return new SharePartition(startOffset, settings);
    }

    /** The partition as {@code state} stored it; what was acquired then is available now, its delivery count kept. */
    public static SharePartition restore(ShareStateRecords.Snapshot state, ShareSettings settings) {
        SharePartition partition = startingAt(state.startOffset(), settings);
        long next = state.startOffset();
        for (ShareStateRecords.Run run : state.runs()) {
            if (run.firstOffset() != next || run.lastOffset() < run.firstOffset()) {
                throw new IllegalArgumentException("stored share-partition state is not contiguous at offset " + next
                        + ": run " + run.firstOffset() + "-" + run.lastOffset());
            }
            for (long offset = run.firstOffset(); offset <= run.lastOffset(); offset++) {
                Slot slot = new Slot();
                slot.state = run.state() == RecordState.ACQUIRED ? RecordState.AVAILABLE : run.state();
                slot.deliveryCount = run.deliveryCount();
                if (slot.state == RecordState.DEAD_LETTERING) {
                    slot.deadLetterReason = run.reason();
                    partition.deadLettering++;
                }
                partition.slots.add(slot);
            }
            next = run.lastOffset() + 1;
        }
        partition.dropDonePrefix();
        return partition;
    }

    /**
     * Takes a share group's new settings: the lock duration applies to later acquisitions, the delivery count limit
     * to later releases and timeouts, the window's limit to later acquisitions.
     */
    public void reconfigure(ShareSettings settings) {
        this.settings = settings;
    }

    /** The state to store: runs of records of equal state and delivery count; acquired records stored as available. */
    public ShareStateRecords.Snapshot snapshot() {
        List<ShareStateRecords.Run> runs = new ArrayList<>();
        int i = 0;
        while (i < slots.size()) {
            RecordState state = stored(slots.get(i).state);
            int count = slots.get(i).deliveryCount;
            DeadLetterReason reason = slots.get(i).deadLetterReason;
            int j = i + 1;
            while (j < slots.size() && stored(slots.get(j).state) == state && slots.get(j).deliveryCount == count
                    && slots.get(j).deadLetterReason == reason) {
                j++;
            }
            runs.add(new ShareStateRecords.Run(startOffset + i, startOffset + j - 1, state, count,
                    state == RecordState.DEAD_LETTERING ? reason : null));
            i = j;
        }
        return new ShareStateRecords.Snapshot(startOffset, runs);
    }

    private static RecordState stored(RecordState state) {
        return state == RecordState.ACQUIRED ? RecordState.AVAILABLE : state;
    }

    public long startOffset() {
        return startOffset;
    }

    /** The first offset never delivered (exclusive end of the in-flight window). */
    public long endOffset() {
        return startOffset + slots.size();
    }

    /** Records in flight (the window's size). */
    public int inFlight() {
        return slots.size();
    }

    /** Records in the window already acknowledged or archived (done, but behind an unfinished one). */
    public int doneInFlight() {
        int done = 0;
        for (Slot slot : slots) {
            if (slot.state.isFinal()) {
                done++;
            }
        }
        return done;
    }

    /**
     * Records of the log below {@code highWatermark} this group has still to finish: not yet delivered, or in the
     * window and neither acknowledged nor archived (Kafka's share-partition lag).
     */
    public long lag(long highWatermark) {
        return Math.max(0, highWatermark - startOffset - doneInFlight());
    }

    /** Records archived since the broker started (rejected, gaps, over the delivery count limit). */
    public long archivedTotal() {
        return archivedTotal;
    }

    /** Records acquired now. */
    public int acquired() {
        return acquired;
    }

    /** Records in the window that may be acquired now or after their wait (neither acquired nor done). */
    public int available() {
        int available = 0;
        for (Slot slot : slots) {
            if (slot.state == RecordState.AVAILABLE) {
                available++;
            }
        }
        return available;
    }

    /** Records being copied to the dead-letter topic now. */
    public int deadLettering() {
        return deadLettering;
    }

    /** Records archived after their dead-letter copy was durable, since the broker started. */
    public long deadLetteredTotal() {
        return deadLetteredTotal;
    }

    /** Acquisitions since the broker started that made a record's delivery count {@code count} (1 to 10; 10 and up). */
    public long deliveries(int count) {
        return count < 1 ? 0 : deliveries[Math.min(count, MAX_COUNTED_DELIVERY)];
    }

    /**
     * The state of {@code offset} in the window; below it ACKNOWLEDGED (done: whether a record there was acknowledged
     * or archived is no longer kept), past it AVAILABLE (never delivered).
     */
    public RecordState stateOf(long offset) {
        if (offset < startOffset) {
            return RecordState.ACKNOWLEDGED;
        }
        return offset >= endOffset() ? RecordState.AVAILABLE : slots.get((int) (offset - startOffset)).state;
    }

    /** Times {@code offset} was delivered (0 outside the window). */
    public int deliveryCount(long offset) {
        return offset < startOffset || offset >= endOffset() ? 0 : slots.get((int) (offset - startOffset)).deliveryCount;
    }

    /** The member holding {@code offset}, or null when it is not acquired. */
    public String holder(long offset) {
        return stateOf(offset) == RecordState.ACQUIRED ? slots.get((int) (offset - startOffset)).member : null;
    }

    /**
     * Where the next fetch should read at {@code nowMs}: the first record in the window that may be acquired now (or
     * whose delivery time must be read from the log), else the window's end.
     */
    public long nextFetchOffset(long nowMs) {
        for (int i = 0; i < slots.size(); i++) {
            if (mayAcquire(slots.get(i), nowMs)) {
                return startOffset + i;
            }
        }
        return endOffset();
    }

    /** Whether a fetch at {@code nowMs} could acquire anything when the log's readable end is {@code highWatermark}. */
    public boolean hasAcquirable(long highWatermark, long nowMs) {
        if (endOffset() < highWatermark && slots.size() < settings.maxRecordLocks()) {
            return true;
        }
        for (Slot slot : slots) {
            if (mayAcquire(slot, nowMs)) {
                return true;
            }
        }
        return false;
    }

    private static boolean mayAcquire(Slot slot, long nowMs) {
        return slot.state == RecordState.AVAILABLE
                && (slot.notBeforeMs <= nowMs || (slot.deliveryCount == 0 && !slot.deliveryTimeKnown));
    }

    /**
     * Whether a record that had to wait (backoff, delivery time) may be acquired by {@code nowMs} and nobody was told
     * yet: then the caller wakes the fetches waiting on the partition. Each such moment answers true once.
     */
    public boolean waitOver(long nowMs) {
        if (nowMs < nextDueMs) {
            return false;
        }
        long next = Long.MAX_VALUE;
        for (Slot slot : slots) {
            if (slot.state == RecordState.AVAILABLE && slot.notBeforeMs > nowMs) {
                next = Math.min(next, slot.notBeforeMs);
            }
        }
        nextDueMs = next;
        return true;
    }

    private void waitUntil(Slot slot, long notBeforeMs) {
        slot.notBeforeMs = notBeforeMs;
        if (notBeforeMs > 0) {
            nextDueMs = Math.min(nextDueMs, notBeforeMs);
        }
    }

    /**
     * Acquires for {@code member} up to {@code maxRecords} records among the offsets {@code fromOffset} to
     * {@code toOffset} (exclusive) that the log returned: available records in the window, then records past it while
     * the window has room. Each acquired record's delivery count goes up by one and its lock lasts until
     * {@code nowMs} plus the lock duration. A record that must wait (its backoff, or a delivery time
     * {@code records} names for a record never delivered) is skipped; one past the window still enters it. A record
     * {@code records} calls undeliverable is archived (so {@link #archivedTotal()} tells the caller whether an
     * acquisition that acquired nothing still moved on).
     *
     * @throws IllegalArgumentException when {@code fromOffset} is past the window's end (the log was read from a
     *                                  place {@link #nextFetchOffset} never names)
     */
    public List<AcquiredRange> acquire(String member, long fromOffset, long toOffset, int maxRecords, long nowMs,
                                       ReadRecords records) {
        if (fromOffset > endOffset() && fromOffset < toOffset) {
            throw new IllegalArgumentException("cannot acquire from offset " + fromOffset + ": the in-flight window ends at "
                    + endOffset());
        }
        List<AcquiredRange> ranges = new ArrayList<>();
        long deadline = nowMs + settings.recordLockDurationMs();
        int taken = 0;
        long rangeFirst = -1;
        long rangeLast = -1;
        int rangeCount = -1;
        boolean archived = false;
        for (long offset = Math.max(fromOffset, startOffset); offset < toOffset && taken < maxRecords; offset++) {
            Slot slot;
            if (offset < endOffset()) {
                slot = slots.get((int) (offset - startOffset));
                if (slot.state != RecordState.AVAILABLE) {
                    continue;
                }
            } else {
                if (slots.size() >= settings.maxRecordLocks()) {
                    break;
                }
                slot = new Slot();
                slots.add(slot);
            }
            if (!records.isDeliverable(offset)) {
                finish(slot, RecordState.ARCHIVED);
                archived = true;
                continue;
            }
            if (slot.deliveryCount == 0 && !slot.deliveryTimeKnown) {
                waitUntil(slot, Math.max(0, records.deliverAt(offset)));
                slot.deliveryTimeKnown = true;
            }
            if (slot.notBeforeMs > nowMs) {
                continue;
            }
            slot.state = RecordState.ACQUIRED;
            slot.deliveryCount++;
            deliveries[Math.min(slot.deliveryCount, MAX_COUNTED_DELIVERY)]++;
            slot.member = member;
            slot.deadlineMs = deadline;
            acquired++;
            taken++;
            if (rangeFirst >= 0 && offset == rangeLast + 1 && slot.deliveryCount == rangeCount) {
                rangeLast = offset;
            } else {
                if (rangeFirst >= 0) {
                    ranges.add(new AcquiredRange(rangeFirst, rangeLast, rangeCount));
                }
                rangeFirst = offset;
                rangeLast = offset;
                rangeCount = slot.deliveryCount;
            }
        }
        if (rangeFirst >= 0) {
            ranges.add(new AcquiredRange(rangeFirst, rangeLast, rangeCount));
        }
        if (archived) {
            dropDonePrefix();
        }
        return ranges;
    }

    /**
     * Applies {@code member}'s acknowledgements: all of them, or none when any batch is malformed, names a record
     * that {@code member} does not hold, or renews a lock while the group's share.renew.acknowledge.enable is false
     * (then the error says which).
     */
    public AckOutcome acknowledge(String member, List<Acknowledgement> batches, long nowMs) {
        for (Acknowledgement batch : batches) {
            String problem = batch.problem();
            if (problem != null) {
                return new AckOutcome(problem, false);
            }
            if (!settings.renewAcknowledgeEnable() && batch.types().contains(AcknowledgeType.RENEW)) {
                return new AckOutcome("renewing acquisition locks is not enabled for this share group ("
                        + ShareSettings.SHARE_RENEW_ACKNOWLEDGE_ENABLE + "=false)", false);
            }
            for (long offset = batch.firstOffset(); offset <= batch.lastOffset(); offset++) {
                if (offset < startOffset || offset >= endOffset()) {
                    return new AckOutcome("offset " + offset + " is not in flight (window " + startOffset + " to "
                            + endOffset() + ")", false);
                }
                Slot slot = slots.get((int) (offset - startOffset));
                if (slot.state != RecordState.ACQUIRED || !slot.member.equals(member)) {
                    return new AckOutcome("offset " + offset + " is not acquired by member " + member
                            + " (it is " + slot.state.name().toLowerCase(java.util.Locale.ROOT) + ")", false);
                }
            }
        }
        boolean madeAvailable = false;
        for (Acknowledgement batch : batches) {
            for (long offset = batch.firstOffset(); offset <= batch.lastOffset(); offset++) {
                Slot slot = slots.get((int) (offset - startOffset));
                switch (batch.typeOf(offset)) {
                    case ACCEPT -> finish(slot, RecordState.ACKNOWLEDGED);
                    case GAP -> finish(slot, RecordState.ARCHIVED);
                    case REJECT -> retire(slot, DeadLetterReason.REJECTED);
                    case RELEASE -> madeAvailable |= release(slot, nowMs);
                    case RENEW -> slot.deadlineMs = nowMs + settings.recordLockDurationMs();
                }
            }
        }
        dropDonePrefix();
        return batches.isEmpty() ? AckOutcome.NOTHING : new AckOutcome(null, madeAvailable);
    }

    /** Releases every record whose lock expired at {@code nowMs}; returns how many were released or archived. */
    public int expireLocks(long nowMs) {
        if (acquired == 0) {
            return 0;
        }
        int expired = 0;
        for (Slot slot : slots) {
            if (slot.state == RecordState.ACQUIRED && slot.deadlineMs <= nowMs) {
                release(slot, nowMs);
                expired++;
            }
        }
        dropDonePrefix();
        return expired;
    }

    /** Releases every record {@code member} holds (it left or its session ended) at {@code nowMs}; returns how many. */
    public int releaseAll(String member, long nowMs) {
        if (acquired == 0) {
            return 0;
        }
        int released = 0;
        for (Slot slot : slots) {
            if (slot.state == RecordState.ACQUIRED && slot.member.equals(member)) {
                release(slot, nowMs);
                released++;
            }
        }
        dropDonePrefix();
        return released;
    }

    /**
     * Moves the window's start to {@code logStartOffset} when retention deleted records below it: records that are
     * gone cannot be delivered, so they leave the window whatever their state.
     */
    public void advanceTo(long logStartOffset) {
        if (logStartOffset <= startOffset) {
            return;
        }
        long drop = Math.min(logStartOffset - startOffset, slots.size());
        for (int i = 0; i < drop; i++) {
            if (slots.get(i).state == RecordState.ACQUIRED) {
                acquired--;
            } else if (slots.get(i).state == RecordState.DEAD_LETTERING) {
                deadLettering--;   // gone from the log: nothing left to copy
            }
        }
        slots.subList(0, (int) drop).clear();
        startOffset = logStartOffset;
        dropDonePrefix();
    }

    /**
     * Starts the share-partition anew at {@code startOffset} (AlterShareGroupOffsets, for a group without members):
     * nothing is in flight afterwards, so every record from there on is delivered as new.
     */
    public void resetTo(long startOffset) {
        if (startOffset < 0) {
            throw new IllegalArgumentException("a share-partition cannot start at offset " + startOffset);
        }
        slots.clear();
        acquired = 0;
        deadLettering = 0;
        this.startOffset = startOffset;
    }

    /**
     * The records in DEAD_LETTERING not handed out yet, now handed out: the caller copies each to the dead-letter topic
     * and then reports {@link #deadLettered} or {@link #deadLetterFailed}.
     */
    public List<PendingDeadLetter> takeDeadLetters() {
        if (deadLettering == 0) {
            return List.of();
        }
        List<PendingDeadLetter> pending = new ArrayList<>();
        for (int i = 0; i < slots.size(); i++) {
            Slot slot = slots.get(i);
            if (slot.state == RecordState.DEAD_LETTERING && !slot.deadLetterSent) {
                slot.deadLetterSent = true;
                pending.add(new PendingDeadLetter(startOffset + i, slot.deliveryCount, slot.deadLetterReason));
            }
        }
        return pending;
    }

    /** The copy of {@code offset} is durable: it is archived. False when it is no longer being dead-lettered. */
    public boolean deadLettered(long offset) {
        if (stateOf(offset) != RecordState.DEAD_LETTERING || offset < startOffset) {
            return false;
        }
        Slot slot = slots.get((int) (offset - startOffset));
        deadLettering--;
        deadLetteredTotal++;
        finish(slot, RecordState.ARCHIVED);
        slot.deadLetterReason = null;
        dropDonePrefix();
        return true;
    }

    /** The copy of {@code offset} failed: {@link #takeDeadLetters} hands it out again. */
    public void deadLetterFailed(long offset) {
        if (offset >= startOffset && stateOf(offset) == RecordState.DEAD_LETTERING) {
            slots.get((int) (offset - startOffset)).deadLetterSent = false;
        }
    }

    /**
     * True when the record became available (false when it reached the delivery count limit: archived, or dead
     * lettered). An available record waits the group's redelivery backoff for its delivery count.
     */
    private boolean release(Slot slot, long nowMs) {
        if (slot.deliveryCount >= settings.deliveryCountLimit()) {
            retire(slot, DeadLetterReason.DELIVERY_LIMIT);
            return false;
        }
        if (slot.state == RecordState.ACQUIRED) {
            acquired--;
        }
        slot.state = RecordState.AVAILABLE;
        slot.member = null;
        long delay = settings.redeliveryDelayMs(slot.deliveryCount);
        waitUntil(slot, delay == 0 ? 0 : nowMs + delay);
        return delay == 0;
    }

    /** A record never to be delivered again: to the dead-letter topic when the group has one, else archived. */
    private void retire(Slot slot, DeadLetterReason reason) {
        if (!settings.hasDeadLetterTopic()) {
            finish(slot, RecordState.ARCHIVED);
            return;
        }
        if (slot.state == RecordState.ACQUIRED) {
            acquired--;
        }
        slot.state = RecordState.DEAD_LETTERING;
        slot.member = null;
        slot.deadLetterReason = reason;
        slot.deadLetterSent = false;
        deadLettering++;
    }

    private void finish(Slot slot, RecordState state) {
        if (slot.state == RecordState.ACQUIRED) {
            acquired--;
        }
        if (state == RecordState.ARCHIVED) {
            archivedTotal++;
        }
        slot.state = state;
        slot.member = null;
    }

    private void dropDonePrefix() {
        int done = 0;
        while (done < slots.size() && slots.get(done).state.isFinal()) {
            done++;
        }
        if (done > 0) {
            slots.subList(0, done).clear();
            startOffset += done;
        }
    }

    @Override
    public String toString() {
        return "SharePartition[" + startOffset + "-" + endOffset() + ", " + acquired + " acquired]";
    }
}
