package io.spindle.log.compact;

import io.spindle.log.AbortedBatches;
import io.spindle.log.AbortedTransaction;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * What one clean knows and learns of the transactions in the range it rewrites, for Kafka's transaction-aware
 * cleaning (KIP-98): which transactional batches belong to an aborted transaction (from the log's aborted-transaction
 * index; the cleaner removes them and never maps their keys), and, as the rewrite goes through the log in offset
 * order, whether each producer's current transaction still has a batch in the cleaned output. A transaction's
 * batches all come before its COMMIT or ABORT marker, and every clean rewrites from the log start, so at the marker it
 * is known whether the marker is alone: then it may go once {@code delete.retention.ms} has passed since a clean first
 * found it alone (its delete horizon), as a tombstone does. A marker with data of its transaction left stays, or a
 * reader of that data, and the log's own rebuild of its open transactions, would take the transaction as never ended.
 *
 * <p>Not thread-safe: one per clean.
 */
public final class CleanedTransactions {
    private final AbortedBatches aborted;
    private final Set<Long> producersWithKeptData = new HashSet<>();

    /** @param aborted the aborted transactions that may have batches in the cleaned range, in marker order */
    public CleanedTransactions(List<AbortedTransaction> aborted) {
        this.aborted = new AbortedBatches(aborted);
    }

    /** A clean of a range where no transaction was aborted. */
    public static CleanedTransactions none() {
        return new CleanedTransactions(List.of());
    }

    /** Whether the transactional data batch of {@code producerId} at {@code offset} belongs to an aborted one. */
    public boolean isAborted(long producerId, long offset) {
        return aborted.isAborted(producerId, offset);
    }

    /** A batch of {@code producerId}'s current transaction is written to the cleaned output (records or header). */
    void dataKept(long producerId) {
        producersWithKeptData.add(producerId);
    }

    /**
     * At {@code producerId}'s COMMIT or ABORT marker: whether no batch of the transaction it ends was kept. The
     * producer's next transaction starts afresh.
     */
    boolean markerAlone(long producerId) {
        return !producersWithKeptData.remove(producerId);
    }
}
