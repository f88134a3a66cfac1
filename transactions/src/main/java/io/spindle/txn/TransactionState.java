package io.spindle.txn;

import java.util.EnumSet;
import java.util.Set;

/**
 * Where a transactional id's transaction stands, as Kafka names the states. Each state lists the states it may be
 * entered from; {@link TransactionMetadata} refuses any other move.
 *
 * <pre>
 *   Empty ──AddPartitions/AddOffsets──▶ Ongoing ──EndTxn(commit)──▶ PrepareCommit ──markers──▶ CompleteCommit
 *     ▲                                  │    └──EndTxn(abort), timeout──▶ PrepareAbort ──markers──▶ CompleteAbort
 *     └──InitProducerId (epoch + 1)──────┴── Complete*: the next AddPartitions starts a new transaction (Ongoing)
 *   Ongoing ──InitProducerId of a new producer, or timeout──▶ PrepareEpochFence (epoch + 1) ──▶ PrepareAbort
 *   Empty / Complete* ──idle past transactional.id.expiration.ms──▶ Dead (the id is forgotten)
 *   Empty / Complete* ──EndTxn(abort), transaction version 2──▶ PrepareAbort (epoch + 1, nothing to mark)
 * </pre>
 *
 * <p>PrepareEpochFence is a moment, not a resting place: it lasts while the abort with the bumped epoch is being
 * written, and is never stored.
 */
public enum TransactionState {
    EMPTY(0, "Empty"),
    ONGOING(1, "Ongoing"),
    PREPARE_COMMIT(2, "PrepareCommit"),
    PREPARE_ABORT(3, "PrepareAbort"),
    COMPLETE_COMMIT(4, "CompleteCommit"),
    COMPLETE_ABORT(5, "CompleteAbort"),
    DEAD(6, "Dead"),
    PREPARE_EPOCH_FENCE(7, "PrepareEpochFence");

    /** The byte that stands for the state in {@code __transaction_state} (Kafka's numbering). */
    final byte id;
    private final String kafkaName;

    TransactionState(int id, String kafkaName) {
        this.id = (byte) id;
        this.kafkaName = kafkaName;
    }

    /** The state's name in Kafka's DescribeTransactions and ListTransactions ("Ongoing", ...). */
    public String kafkaName() {
        return kafkaName;
    }

    /** The states this one may be entered from. */
    Set<TransactionState> validPrevious() {
        return switch (this) {
            case EMPTY -> EnumSet.of(EMPTY, COMPLETE_COMMIT, COMPLETE_ABORT);
            case ONGOING -> EnumSet.of(ONGOING, EMPTY, COMPLETE_COMMIT, COMPLETE_ABORT);
            case PREPARE_COMMIT -> EnumSet.of(ONGOING);
            // From an idle state only in transaction version 2, where an abort with nothing open bumps the epoch.
            case PREPARE_ABORT -> EnumSet.of(ONGOING, PREPARE_EPOCH_FENCE, EMPTY, COMPLETE_COMMIT, COMPLETE_ABORT);
            case COMPLETE_COMMIT -> EnumSet.of(PREPARE_COMMIT);
            case COMPLETE_ABORT -> EnumSet.of(PREPARE_ABORT);
            case DEAD -> EnumSet.of(EMPTY, COMPLETE_COMMIT, COMPLETE_ABORT);
            case PREPARE_EPOCH_FENCE -> EnumSet.of(ONGOING);
        };
    }

    /** PrepareCommit or PrepareAbort: decided, markers not all written yet. */
    boolean isPreparing() {
        return this == PREPARE_COMMIT || this == PREPARE_ABORT;
    }

    /** Empty, CompleteCommit or CompleteAbort: no transaction open. */
    boolean isIdle() {
        return this == EMPTY || this == COMPLETE_COMMIT || this == COMPLETE_ABORT;
    }

    static TransactionState of(byte id) {
        for (TransactionState state : values()) {
            if (state.id == id) {
                return state;
            }
        }
        throw new IllegalArgumentException("no transaction state has id " + id);
    }
}
