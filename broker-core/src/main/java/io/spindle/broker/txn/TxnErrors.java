package io.spindle.broker.txn;

import org.apache.kafka.common.protocol.Errors;

/** Version differences of the transactional APIs' errors, in one place. */
final class TxnErrors {
    private TxnErrors() {
    }

    /**
     * PRODUCER_FENCED (KIP-588) as an older client knows it: INVALID_PRODUCER_EPOCH below the first version of the
     * API that may carry it, as Kafka answers.
     */
    static Errors forVersion(Errors error, short version, short firstVersionWithProducerFenced) {
        return error == Errors.PRODUCER_FENCED && version < firstVersionWithProducerFenced
                ? Errors.INVALID_PRODUCER_EPOCH : error;
    }

    /** A failed coordinator future: the coordinator is shut down or its state could not be stored. */
    static Errors ofFailure(Throwable failure) {
        return Errors.COORDINATOR_NOT_AVAILABLE;
    }
}
