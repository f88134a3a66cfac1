package io.spindle.broker.data;

import io.spindle.log.BatchHeader;
import io.spindle.txn.Transactions;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.ProduceRequest;

/**
 * Whether a Produce batch may be appended as far as transactions go: the partition leader's side of KIP-890, asked
 * of the in-process transaction coordinator. Non-transactional batches pass at once.
 *
 * <ul>
 *   <li>A control batch from a client is INVALID_RECORD: only the coordinator writes markers.</li>
 *   <li>Transaction version 2 (Produce v12 and up, when the broker offers {@code transaction.version} 2): the batch
 *       adds its partition to its producer's transaction ({@link Transactions#joinPartition}), which starts one if
 *       none is open, and is appended once that is durable. A late write from a finished transaction carries the
 *       epoch before the end's bump and is refused with INVALID_PRODUCER_EPOCH, as is a zombie's.</li>
 *   <li>Otherwise (version 1, every client version): the partition must already be part of the producer's open
 *       transaction with its current epoch ({@link Transactions#verifyPartition}); else INVALID_TXN_STATE, or
 *       TRANSACTION_ABORTABLE from v11 (which a client recovers from by aborting), INVALID_PRODUCER_EPOCH or
 *       INVALID_PRODUCER_ID_MAPPING. That stops a late write from opening a transaction no marker will close.</li>
 *   <li>Retriable coordinator errors (CONCURRENT_TRANSACTIONS, COORDINATOR_NOT_AVAILABLE) are answered
 *       NOT_ENOUGH_REPLICAS, which every producer retries without a metadata refresh, as Kafka translates them.</li>
 * </ul>
 *
 * <p>Thread-safe. Admission of a version 2 batch completes on the coordinator's thread, in the order the batches came.
 */
final class TransactionGate {
    /** Why a batch may not be appended. */
    record Refusal(Errors error, String message) {
    }

    private static final CompletableFuture<Refusal> ADMITTED = CompletableFuture.completedFuture(null);
    private static final short FIRST_VERSION_WITH_TRANSACTION_ABORTABLE = 11;
    private static final short FIRST_VERSION_THAT_ADDS = ProduceRequest.LAST_STABLE_VERSION_BEFORE_TRANSACTION_V2 + 1;

    private final Supplier<Transactions> transactions;
    private final boolean version2Offered;

    /**
     * @param transactions    the coordinator, null until it has started
     * @param version2Offered whether the broker offers transaction version 2 ({@code transaction.version} 2)
     */
    TransactionGate(Supplier<Transactions> transactions, boolean version2Offered) {
        this.transactions = transactions;
        this.version2Offered = version2Offered;
    }

    /** Completes with null when {@code batch} may be appended to {@code topic}-{@code partition}, else why not. */
    CompletableFuture<Refusal> admit(String transactionalId, ByteBuffer batch, String topic, int partition,
                                     short version) {
        BatchHeader header = BatchHeader.at(batch, batch.position());
        if (header.available() < BatchHeader.HEADER_SIZE || header.magic() != BatchHeader.CURRENT_MAGIC) {
            return ADMITTED;    // the log refuses it with the precise reason
        }
        if (header.isControl()) {
            return refused(Errors.INVALID_RECORD, "control batches are written by the transaction coordinator, "
                    + "not produced by clients (" + topic + "-" + partition + ")");
        }
        if (!header.isTransactional()) {
            return ADMITTED;
        }
        Transactions coordinator = transactions.get();
        if (coordinator == null) {
            return refused(Errors.NOT_ENOUGH_REPLICAS, "a transactional batch for " + topic + "-" + partition
                    + " needs the transaction coordinator, which is not running yet");
        }
        if (transactionalId == null) {
            return refused(Errors.INVALID_TXN_STATE, "a transactional batch for " + topic + "-" + partition
                    + " needs a transactional id");
        }
        long producerId = header.producerId();
        short epoch = header.producerEpoch();
        TopicPartition tp = new TopicPartition(topic, partition);
        if (version2Offered && version >= FIRST_VERSION_THAT_ADDS) {
            return coordinator.joinPartition(transactionalId, producerId, epoch, tp).handle((error, failure) ->
                    refusal(failure != null ? Errors.COORDINATOR_NOT_AVAILABLE : error, transactionalId, producerId,
                            epoch, tp, version));
        }
        Errors error = coordinator.verifyPartition(transactionalId, producerId, epoch, tp);
        return error == Errors.NONE ? ADMITTED
                : CompletableFuture.completedFuture(refusal(error, transactionalId, producerId, epoch, tp, version));
    }

    private static Refusal refusal(Errors error, String transactionalId, long producerId, short epoch,
                                   TopicPartition tp, short version) {
        Errors answer = switch (error) {
            case NONE -> Errors.NONE;
            case PRODUCER_FENCED -> Errors.INVALID_PRODUCER_EPOCH;
            case CONCURRENT_TRANSACTIONS, COORDINATOR_NOT_AVAILABLE, COORDINATOR_LOAD_IN_PROGRESS, NOT_COORDINATOR ->
                    Errors.NOT_ENOUGH_REPLICAS;
            case INVALID_TXN_STATE -> version >= FIRST_VERSION_WITH_TRANSACTION_ABORTABLE
                    ? Errors.TRANSACTION_ABORTABLE : Errors.INVALID_TXN_STATE;
            default -> error;
        };
        if (answer == Errors.NONE) {
            return null;
        }
        return new Refusal(answer, "transactional id '" + transactionalId + "' (producer " + producerId + " epoch "
                + epoch + ") cannot write to " + tp + " in a transaction: " + error.name() + ": " + error.message());
    }

    private static CompletableFuture<Refusal> refused(Errors error, String message) {
        return CompletableFuture.completedFuture(new Refusal(error, message));
    }
}
