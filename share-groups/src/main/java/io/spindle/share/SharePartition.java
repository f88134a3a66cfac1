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
 *   <li>A record delivered {@link ShareSettings#deliveryCountLimit()} times and then released or timed out is
 *       archived.</li>
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

    private static final class Slot {
        RecordState state = RecordState.AVAILABLE;
        int deliveryCount;
        String member;
        long deadlineMs;
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
            int j = i + 1;
            while (j < slots.size() && stored(slots.get(j).state) == state && slots.get(j).deliveryCount == count) {
                j++;
            }
            runs.add(new ShareStateRecords.Run(startOffset + i, startOffset + j - 1, state, count));
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

    /** Where the next fetch should read: the first available record in the window, else the window's end. */
    public long nextFetchOffset() {
        for (int i = 0; i < slots.size(); i++) {
            if (slots.get(i).state == RecordState.AVAILABLE) {
                return startOffset + i;
            }
        }
        return endOffset();
    }

    /** Whether a fetch could acquire anything when the log's readable end is {@code highWatermark}. */
    public boolean hasAcquirable(long highWatermark) {
        if (endOffset() < highWatermark && slots.size() < settings.maxRecordLocks()) {
            return true;
        }
        for (Slot slot : slots) {
            if (slot.state == RecordState.AVAILABLE) {
                return true;
            }
        }
        return false;
    }

    /**
     * Acquires for {@code member} up to {@code maxRecords} records among the offsets {@code fromOffset} to
     * {@code toOffset} (exclusive) that the log returned: available records in the window, then records past it while
     * the window has room. Each acquired record's delivery count goes up by one and its lock lasts until
     * {@code nowMs} plus the lock duration.
     *
     * @throws IllegalArgumentException when {@code fromOffset} is past the window's end (the log was read from a
     *                                  place {@link #nextFetchOffset()} never names)
     */
    public List<AcquiredRange> acquire(String member, long fromOffset, long toOffset, int maxRecords, long nowMs) {
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
            slot.state = RecordState.ACQUIRED;
            slot.deliveryCount++;
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
        return ranges;
    }

    /**
     * Applies {@code member}'s acknowledgements: all of them, or none when any batch is malformed or names a record
     * that {@code member} does not hold (then the error says which).
     */
    public AckOutcome acknowledge(String member, List<Acknowledgement> batches, long nowMs) {
        for (Acknowledgement batch : batches) {
            String problem = batch.problem();
            if (problem != null) {
                return new AckOutcome(problem, false);
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
                    case REJECT, GAP -> finish(slot, RecordState.ARCHIVED);
                    case RELEASE -> madeAvailable |= release(slot);
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
                release(slot);
                expired++;
            }
        }
        dropDonePrefix();
        return expired;
    }

    /** Releases every record {@code member} holds (it left or its session ended); returns how many. */
    public int releaseAll(String member) {
        if (acquired == 0) {
            return 0;
        }
        int released = 0;
        for (Slot slot : slots) {
            if (slot.state == RecordState.ACQUIRED && slot.member.equals(member)) {
                release(slot);
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
            }
        }
        slots.subList(0, (int) drop).clear();
        startOffset = logStartOffset;
        dropDonePrefix();
    }

    /** True when the record became available (false when it was archived at the delivery count limit). */
    private boolean release(Slot slot) {
        if (slot.deliveryCount >= settings.deliveryCountLimit()) {
            finish(slot, RecordState.ARCHIVED);
            return false;
        }
        if (slot.state == RecordState.ACQUIRED) {
            acquired--;
        }
        slot.state = RecordState.AVAILABLE;
        slot.member = null;
        return true;
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
