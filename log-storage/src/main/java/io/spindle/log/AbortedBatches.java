package io.spindle.log;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Which transactional data batches of a range of one partition belong to an aborted transaction, from the aborted
 * transactions the partition's {@code .txnindex} lists for that range ({@link TransactionIndex#abortedTransactions}):
 * what the log cleaner drops and what a read_committed share group archives without delivering. A read_committed
 * Fetch leaves this to the client (it is handed the same list); these two readers decide on the broker.
 *
 * <p>Immutable once built; not shared between threads by its users.
 */
public final class AbortedBatches {
    private static final AbortedBatches NONE = new AbortedBatches(List.of());

    private final Map<Long, List<AbortedTransaction>> byProducer = new HashMap<>();

    /** @param aborted the aborted transactions that may have batches in the range, in marker order */
    public AbortedBatches(List<AbortedTransaction> aborted) {
        for (AbortedTransaction each : aborted) {
            byProducer.computeIfAbsent(each.producerId(), id -> new ArrayList<>()).add(each);
        }
    }

    /** A range where no transaction was aborted. */
    public static AbortedBatches none() {
        return NONE;
    }

    /** Whether no transaction was aborted in the range. */
    public boolean isEmpty() {
        return byProducer.isEmpty();
    }

    /** Whether the transactional data batch of {@code producerId} at {@code offset} belongs to an aborted one. */
    public boolean isAborted(long producerId, long offset) {
        List<AbortedTransaction> list = byProducer.get(producerId);
        if (list == null) {
            return false;
        }
        // A producer's transactions do not overlap in a partition: the first whose marker is at or after the batch.
        int low = 0;
        int high = list.size() - 1;
        while (low <= high) {
            int mid = (low + high) >>> 1;
            if (list.get(mid).lastOffset() < offset) {
                low = mid + 1;
            } else {
                high = mid - 1;
            }
        }
        return low < list.size() && list.get(low).firstOffset() <= offset;
    }
}
