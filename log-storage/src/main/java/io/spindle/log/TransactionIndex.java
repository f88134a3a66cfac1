package io.spindle.log;

import java.util.List;

/**
 * The transactions of one partition log, as the partition layer above reads them ({@link PartitionLog#transactions}):
 * which producers have a transaction open and from which offset (the earliest bounds the last stable offset), which
 * transactions were aborted (what a read_committed fetch is told to skip), and the coordinator epoch of each
 * producer's last marker (a marker from an older coordinator epoch is refused).
 *
 * <p>The log keeps it as it appends: a transactional data batch opens its producer's transaction unless one is
 * open, a COMMIT or ABORT marker (control batch) closes it, and an ABORT marker's transaction goes into the
 * {@code .txnindex} file of the marker's segment. It is published before the batch that changed it becomes
 * readable, so a reader that sees a batch below the log end sees its transaction too.
 *
 * <p>Threading: every method may be called from any thread and does not block on the writer.
 */
public interface TransactionIndex {
    /** {@link #firstUnstableOffset()} when no transaction is open. */
    long NONE_OPEN = Long.MAX_VALUE;
    /** {@link #coordinatorEpoch} of a producer with no marker here, as Kafka reports it. */
    int NO_COORDINATOR_EPOCH = -1;

    /** The first offset of the earliest open transaction, or {@link #NONE_OPEN}. */
    long firstUnstableOffset();

    /** How many transactions are open. */
    int openCount();

    /** The first offset of {@code producerId}'s open transaction, or -1 when it has none. */
    long openTransactionStart(long producerId);

    /** The highest coordinator epoch of {@code producerId}'s markers here, or {@link #NO_COORDINATOR_EPOCH}. */
    int coordinatorEpoch(long producerId);

    /**
     * The aborted transactions a read_committed consumer needs for the records in [{@code from}, {@code to}): those
     * whose ABORT marker is at or after {@code from} and whose first offset is below {@code to}, in marker order.
     * Only segments still in the log are searched: a transaction whose marker retention deleted is not listed.
     */
    List<AbortedTransaction> abortedTransactions(long from, long to);
}
