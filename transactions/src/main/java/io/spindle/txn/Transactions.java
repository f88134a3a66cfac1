package io.spindle.txn;

import java.util.Collection;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.protocol.Errors;

/**
 * What the broker's handlers ask of the transaction coordinator: one method per transactional request, answered
 * with Kafka's error codes as a client expects them, plus the checks Produce and TxnOffsetCommit make. Every
 * asynchronous answer comes once the state change it reports is durable in {@code __transaction_state}.
 *
 * <p>Thread-safe; nothing blocks the caller.
 */
public interface Transactions {

    /** An InitProducerId answer: an error, or the producer id and epoch to use. */
    record ProducerIdAndEpoch(Errors error, long producerId, short producerEpoch) {
        static ProducerIdAndEpoch failed(Errors error) {
            return new ProducerIdAndEpoch(error, -1L, (short) -1);
        }
    }

    /**
     * InitProducerId with a transactional id: the id's producer id with the next epoch, fencing every producer with
     * an older one. An open transaction is aborted first (the answer is CONCURRENT_TRANSACTIONS until it is, and
     * the client retries). {@code producerId}/{@code producerEpoch} are the client's current ones (KIP-360), or -1.
     * Errors: INVALID_TRANSACTION_TIMEOUT (above transaction.max.timeout.ms, or not positive),
     * CONCURRENT_TRANSACTIONS, PRODUCER_FENCED (the client's id and epoch are not the current ones),
     * COORDINATOR_NOT_AVAILABLE (the state could not be stored).
     */
    CompletableFuture<ProducerIdAndEpoch> initProducerId(String transactionalId, int transactionTimeoutMs,
                                                         long producerId, short producerEpoch);

    /**
     * AddPartitionsToTxn: the partitions join the producer's transaction, starting one if none is open. The caller
     * has checked that the partitions exist. Errors: INVALID_PRODUCER_ID_MAPPING (unknown id, or another producer
     * id), PRODUCER_FENCED (another epoch), CONCURRENT_TRANSACTIONS (the last transaction was still completing
     * after a wait of 5 s: an addition waits for it rather than failing at once), COORDINATOR_NOT_AVAILABLE.
     */
    CompletableFuture<Errors> addPartitions(String transactionalId, long producerId, short producerEpoch,
                                            Collection<TopicPartition> partitions);

    /** AddOffsetsToTxn: the group's offsets join the transaction; errors as {@link #addPartitions}. */
    CompletableFuture<Errors> addOffsets(String transactionalId, long producerId, short producerEpoch, String groupId);

    /**
     * EndTxn: decides the open transaction (commit or abort) and answers once the decision is durable; the markers
     * follow. A retry of a decided transaction is answered NONE.
     *
     * <p>{@code bumpEpoch} false is transaction version 1 (EndTxn up to v4): the epoch stays, and the answer's
     * producer id and epoch are the current ones. True is version 2 (EndTxn v5, KIP-890 part 2): the epoch is bumped
     * as the transaction is decided, the markers carry the bumped epoch, and the answer names the producer id and
     * epoch the producer goes on with (the next producer id at epoch 0 when the epoch ran out); an abort with no
     * transaction open just bumps the epoch. See {@link EndTxnRules} for which request is a retry.
     *
     * <p>Errors: INVALID_PRODUCER_ID_MAPPING, PRODUCER_FENCED, CONCURRENT_TRANSACTIONS, INVALID_TXN_STATE (no
     * transaction open, or the opposite decision already taken), INVALID_PRODUCER_EPOCH (version 2: a commit that
     * meets an abort the coordinator decided itself), COORDINATOR_NOT_AVAILABLE.
     */
    CompletableFuture<ProducerIdAndEpoch> endTransaction(String transactionalId, long producerId, short producerEpoch,
                                                         boolean commit, boolean bumpEpoch);

    /**
     * Transaction version 2: a transactional write (Produce v12 and up) adds its partition to the producer's
     * transaction, starting one if none is open; NONE at once when the partition is already in it. Answered in the
     * order the calls came, so a write appended once answered keeps its producer's order; a call that arrives while
     * the id's previous transaction is still being completed waits for that. Errors: INVALID_PRODUCER_ID_MAPPING,
     * PRODUCER_FENCED (another epoch: a late write from a finished transaction, or a zombie), CONCURRENT_TRANSACTIONS
     * (waited too long), COORDINATOR_NOT_AVAILABLE.
     */
    CompletableFuture<Errors> joinPartition(String transactionalId, long producerId, short producerEpoch,
                                            TopicPartition partition);

    /** Transaction version 2: TxnOffsetCommit v5 adds the group's offsets to the transaction; as {@link #joinPartition}. */
    CompletableFuture<Errors> joinGroup(String transactionalId, long producerId, short producerEpoch, String groupId);

    /**
     * Whether a transactional Produce to {@code partition} belongs to the open transaction of this producer id and
     * epoch (KIP-890's verification, done for every client): NONE if so; INVALID_PRODUCER_EPOCH for an older epoch;
     * INVALID_TXN_STATE when the partition was not added or no transaction is open; INVALID_PRODUCER_ID_MAPPING
     * for an unknown id. Answers at once from the current state.
     */
    Errors verifyPartition(String transactionalId, long producerId, short producerEpoch, TopicPartition partition);

    /** Whether a TxnOffsetCommit for {@code groupId} belongs to the producer's open transaction; as {@link #verifyPartition}. */
    Errors verifyGroup(String transactionalId, long producerId, short producerEpoch, String groupId);

    /** The current state of every transactional id (DescribeTransactions, ListTransactions, tools). */
    Collection<TransactionMetadata> all();

    /** The current state of a transactional id, if it has one (for tools and tests). */
    Optional<TransactionMetadata> describe(String transactionalId);
}
