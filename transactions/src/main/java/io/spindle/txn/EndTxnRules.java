package io.spindle.txn;

import org.apache.kafka.common.protocol.Errors;

/**
 * What an EndTxn request does to a transactional id's current state, as Kafka's coordinator answers it: decide the
 * transaction, or answer at once (an error, or NONE to a retry of an end that was already decided). Pure functions;
 * the coordinator stores the decision.
 *
 * <p>Transaction version 1 keeps the epoch: a retry carries the same epoch as the request it repeats. Version 2 bumps
 * it at every end, so a retry carries the epoch one below the current one (or the last epoch of the previous producer
 * id, when the end ran the epoch out), and the current epoch means a new end. Version 2 also lets a producer abort
 * with no transaction open (an empty transaction, after an error), which only bumps the epoch.
 */
final class EndTxnRules {
    /** An immediate answer ({@code decide} false), or "decide the transaction" ({@code decide} true, error NONE). */
    record Outcome(Errors error, boolean decide) {
        static final Outcome DECIDE = new Outcome(Errors.NONE, true);
        static final Outcome ALREADY_DONE = new Outcome(Errors.NONE, false);

        static Outcome answer(Errors error) {
            return new Outcome(error, false);
        }
    }

    private EndTxnRules() {
    }

    /** Transaction version 1 (EndTxn up to v4). {@code busy}: a transition of the id is being stored. */
    static Outcome versionOne(TransactionMetadata m, long producerId, short producerEpoch, boolean commit, boolean busy) {
        if (m == null || m.producerId() != producerId) {
            return Outcome.answer(Errors.INVALID_PRODUCER_ID_MAPPING);
        }
        if (m.producerEpoch() != producerEpoch) {
            return Outcome.answer(Errors.PRODUCER_FENCED);
        }
        if (busy) {
            return Outcome.answer(Errors.CONCURRENT_TRANSACTIONS);
        }
        return switch (m.state()) {
            case ONGOING -> Outcome.DECIDE;
            case COMPLETE_COMMIT -> commit ? Outcome.ALREADY_DONE : Outcome.answer(Errors.INVALID_TXN_STATE);
            case COMPLETE_ABORT -> commit ? Outcome.answer(Errors.INVALID_TXN_STATE) : Outcome.ALREADY_DONE;
            case PREPARE_COMMIT -> Outcome.answer(commit ? Errors.CONCURRENT_TRANSACTIONS : Errors.INVALID_TXN_STATE);
            case PREPARE_ABORT -> Outcome.answer(commit ? Errors.INVALID_TXN_STATE : Errors.CONCURRENT_TRANSACTIONS);
            default -> Outcome.answer(Errors.INVALID_TXN_STATE);
        };
    }

    /**
     * Transaction version 2 (EndTxn v5). A commit that meets an abort the coordinator decided on its own (timeout,
     * or a new producer), at the epoch before the abort's bump, is INVALID_PRODUCER_EPOCH, which a client recovers
     * from by aborting, rather than INVALID_TXN_STATE, which is fatal to it (as Kafka answers since KAFKA-20785).
     */
    static Outcome versionTwo(TransactionMetadata m, long producerId, short producerEpoch, boolean commit, boolean busy) {
        if (m == null) {
            return Outcome.answer(Errors.INVALID_PRODUCER_ID_MAPPING);
        }
        boolean retryAfterNewId = m.producerId() != producerId && m.previousProducerId() == producerId
                && producerEpoch == TransactionMetadata.MAX_EPOCH && m.producerEpoch() == 0;
        boolean retryAfterBump = m.producerId() == producerId && m.producerEpoch() == producerEpoch + 1;
        if (m.producerId() != producerId && !retryAfterNewId) {
            return Outcome.answer(Errors.INVALID_PRODUCER_ID_MAPPING);
        }
        boolean current = m.producerId() == producerId && m.producerEpoch() == producerEpoch;
        boolean validEpoch = switch (m.state()) {
            case PREPARE_COMMIT, PREPARE_ABORT -> retryAfterBump;
            case COMPLETE_COMMIT, COMPLETE_ABORT -> retryAfterBump || retryAfterNewId || current;
            default -> current;
        };
        if (!validEpoch) {
            return Outcome.answer(Errors.PRODUCER_FENCED);
        }
        if (busy) {
            return Outcome.answer(Errors.CONCURRENT_TRANSACTIONS);
        }
        boolean retry = retryAfterBump || retryAfterNewId;
        return switch (m.state()) {
            case ONGOING -> Outcome.DECIDE;
            case EMPTY -> commit ? Outcome.answer(Errors.INVALID_TXN_STATE) : Outcome.DECIDE;
            case COMPLETE_COMMIT -> commit
                    ? (retry ? Outcome.ALREADY_DONE : Outcome.answer(Errors.INVALID_TXN_STATE))
                    : (retry ? Outcome.answer(Errors.INVALID_TXN_STATE) : Outcome.DECIDE);
            case COMPLETE_ABORT -> commit
                    ? Outcome.answer(retry ? Errors.INVALID_PRODUCER_EPOCH : Errors.INVALID_TXN_STATE)
                    : (retry ? Outcome.ALREADY_DONE : Outcome.DECIDE);
            case PREPARE_COMMIT -> Outcome.answer(commit ? Errors.CONCURRENT_TRANSACTIONS : Errors.INVALID_TXN_STATE);
            case PREPARE_ABORT -> Outcome.answer(commit ? Errors.INVALID_PRODUCER_EPOCH : Errors.CONCURRENT_TRANSACTIONS);
            default -> Outcome.answer(Errors.INVALID_TXN_STATE);
        };
    }
}
