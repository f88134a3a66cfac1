package io.spindle.broker.share;

import io.spindle.broker.partition.Partition;
import io.spindle.log.AbortedBatches;
import io.spindle.log.LogSlice;
import java.util.Arrays;

/**
 * The records of one read slice a read_committed share group must not be handed: the batches of aborted transactions
 * (the partition's aborted-transaction index, as a read_committed Fetch hands it to its client, decided here through
 * {@link AbortedBatches}) and the control batches (COMMIT and ABORT markers). The slice stops at the last stable
 * offset already ({@link Partition#read}), so no record of an open transaction is in it.
 *
 * <p>Built with one walk over the slice's batch headers (no record is decoded). Not thread-safe: one per read.
 */
final class CommittedRecords {
    /** Offset ranges not to deliver, as [first, last] pairs in increasing order. */
    private long[] hidden = new long[8];
    private int count;

    CommittedRecords(Partition partition, LogSlice slice) {
        if (slice.isEmpty()) {
            return;
        }
        AbortedBatches aborted = new AbortedBatches(partition.abortedTransactions(slice.firstOffset(),
                slice.nextOffset()));
        slice.forEachBatch(header -> {
            if (header.isControl() || (header.isTransactional() && !aborted.isEmpty()
                    && aborted.isAborted(header.producerId(), header.baseOffset()))) {
                hide(header.baseOffset(), header.lastOffset());
            }
        });
    }

    private void hide(long first, long last) {
        if (count > 0 && hidden[2 * count - 1] + 1 == first) {
            hidden[2 * count - 1] = last;   // joins the range before: aborted batches and their marker in a row
            return;
        }
        if (2 * count == hidden.length) {
            hidden = Arrays.copyOf(hidden, hidden.length * 2);
        }
        hidden[2 * count] = first;
        hidden[2 * count + 1] = last;
        count++;
    }

    /** Whether a read_committed group may be handed the record at {@code offset}. */
    boolean isDeliverable(long offset) {
        int low = 0;
        int high = count - 1;
        while (low <= high) {
            int mid = (low + high) >>> 1;
            if (hidden[2 * mid + 1] < offset) {
                low = mid + 1;
            } else if (hidden[2 * mid] > offset) {
                high = mid - 1;
            } else {
                return false;
            }
        }
        return true;
    }
}
