package io.spindle.client;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.AbortTransactionSpec;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.DescribeProducersResult.PartitionProducerState;
import org.apache.kafka.clients.admin.ProducerState;
import org.apache.kafka.clients.admin.TransactionDescription;
import org.apache.kafka.clients.admin.TransactionListing;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.TopicPartition;

/**
 * Transactions as an operator sees them (what {@code kafka-transactions.sh} shows): the transactional ids and their
 * state, one id's open transaction, the transactions open in a partition, and aborting one whose producer is gone.
 * From {@link SpindleAdmin#transactions()}; every call waits at most the connection's timeout and fails with a
 * {@link SpindleException} naming what it was doing. Thread-safe.
 */
public final class TransactionAdmin {
    private final Admin admin;
    private final String bootstrap;
    private final long timeoutMs;

    TransactionAdmin(Admin admin, String bootstrap, long timeoutMs) {
        this.admin = admin;
        this.bootstrap = bootstrap;
        this.timeoutMs = timeoutMs;
    }

    /**
     * A transaction open in one partition, as the partition's log knows it.
     *
     * @param coordinatorEpoch the epoch of the coordinator that last wrote a marker for the producer there, -1 if none
     * @param startOffset      the offset of the transaction's first record in the partition
     * @param lastTimestamp    the timestamp (epoch ms) of the producer's last batch there
     */
    public record OpenTransaction(TopicPartition partition, long producerId, int producerEpoch, int coordinatorEpoch,
                                  long startOffset, long lastTimestamp) {
    }

    /** Every transactional id the coordinator knows, sorted by id, with its state and producer id. */
    public List<TransactionListing> list() {
        List<TransactionListing> listings = new ArrayList<>(await(admin.listTransactions().all(), "Listing transactions"));
        listings.sort(Comparator.comparing(TransactionListing::transactionalId));
        return listings;
    }

    /** One transactional id: its state, producer, timeout, and the partitions of its open transaction. */
    public TransactionDescription describe(String transactionalId) {
        return await(admin.describeTransactions(List.of(transactionalId)).all(),
                "Describing transactional id '" + transactionalId + "'").get(transactionalId);
    }

    /** The transactions open in {@code partition}, oldest first (DescribeProducers). */
    public List<OpenTransaction> open(TopicPartition partition) {
        Map<TopicPartition, PartitionProducerState> states =
                await(admin.describeProducers(List.of(partition)).all(), "Describing the producers of " + partition);
        List<OpenTransaction> open = new ArrayList<>();
        for (ProducerState producer : states.get(partition).activeProducers()) {
            if (producer.currentTransactionStartOffset().isPresent()) {
                open.add(new OpenTransaction(partition, producer.producerId(), producer.producerEpoch(),
                        producer.coordinatorEpoch().orElse(-1), producer.currentTransactionStartOffset().getAsLong(),
                        producer.lastTimestamp()));
            }
        }
        open.sort(Comparator.comparingLong(OpenTransaction::startOffset));
        return open;
    }

    /**
     * Aborts the transaction open in {@code partition} whose first record is at {@code startOffset}, by writing an
     * ABORT marker there for its producer (WriteTxnMarkers, as {@code kafka-transactions.sh abort --start-offset}):
     * for a hanging transaction, one whose producer is gone and that holds back read_committed consumers. The
     * transaction's coordinator is not told; only this partition is affected. Returns the transaction aborted.
     *
     * @throws SpindleException when no transaction open there starts at that offset (the message lists those that do)
     */
    public OpenTransaction abort(TopicPartition partition, long startOffset) {
        List<OpenTransaction> open = open(partition);
        OpenTransaction found = open.stream().filter(t -> t.startOffset() == startOffset).findFirst()
                .orElseThrow(() -> new SpindleException("No transaction open in " + partition + " starts at offset "
                        + startOffset + (open.isEmpty() ? "; none is open there" : "; open ones start at "
                        + open.stream().map(t -> Long.toString(t.startOffset())).toList())));
        // A producer without a marker there yet has coordinator epoch -1; the marker needs one of 0 or more.
        AbortTransactionSpec spec = new AbortTransactionSpec(partition, found.producerId(),
                (short) found.producerEpoch(), Math.max(0, found.coordinatorEpoch()));
        await(admin.abortTransaction(spec).all(), "Aborting the transaction of producer " + found.producerId()
                + " at offset " + startOffset + " of " + partition);
        return found;
    }

    private <T> T await(KafkaFuture<T> future, String what) {
        return KafkaCalls.await(future, timeoutMs, bootstrap, what, null, null);
    }
}
