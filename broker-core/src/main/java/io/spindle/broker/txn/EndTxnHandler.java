package io.spindle.broker.txn;

import io.spindle.broker.ApiResponse;
import io.spindle.broker.ClientConnection;
import io.spindle.broker.VersionedApiHandler;
import io.spindle.txn.Transactions;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.message.EndTxnRequestData;
import org.apache.kafka.common.message.EndTxnResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.EndTxnRequest;
import org.apache.kafka.common.requests.EndTxnResponse;
import org.apache.kafka.common.requests.RequestHeader;

/**
 * EndTxn, versions 0 to 5: commits or aborts the producer's transaction ({@link Transactions#endTransaction}),
 * answered once the decision is durable. Version 5 is transaction version 2 (KIP-890 part 2): the epoch is bumped at
 * every end and the answer carries the producer id and epoch to go on with. As Kafka does, the request's version
 * decides, not the broker's {@code transaction.version}: that setting only decides what ApiVersions offers, and
 * kafka-clients uses version 4 and below unless {@code transaction.version} 2 is finalized there.
 */
final class EndTxnHandler extends VersionedApiHandler {
    private static final short MAX_VERSION = EndTxnRequest.LAST_STABLE_VERSION_BEFORE_TRANSACTION_V2 + 1;
    private static final short FIRST_VERSION_WITH_EPOCH_BUMP = MAX_VERSION;
    private static final short FIRST_VERSION_WITH_PRODUCER_FENCED = 2;
    private static final long NO_PRODUCER_ID = -1L;
    private static final short NO_PRODUCER_EPOCH = -1;

    private final Transactions transactions;

    EndTxnHandler(Transactions transactions) {
        super(ApiKeys.END_TXN, (short) 0, MAX_VERSION);
        this.transactions = transactions;
    }

    @Override
    public CompletableFuture<ApiResponse> handle(RequestHeader header, AbstractRequest request, ClientConnection connection) {
        EndTxnRequestData data = ((EndTxnRequest) request).data();
        boolean bumpEpoch = request.version() >= FIRST_VERSION_WITH_EPOCH_BUMP;
        return transactions.endTransaction(data.transactionalId(), data.producerId(), data.producerEpoch(),
                        data.committed(), bumpEpoch)
                .handle((result, failure) -> {
                    if (failure != null) {
                        return answer(TxnErrors.ofFailure(failure), NO_PRODUCER_ID, NO_PRODUCER_EPOCH);
                    }
                    Errors error = TxnErrors.forVersion(result.error(), request.version(), FIRST_VERSION_WITH_PRODUCER_FENCED);
                    return error == Errors.NONE && bumpEpoch
                            ? answer(error, result.producerId(), result.producerEpoch())
                            : answer(error, NO_PRODUCER_ID, NO_PRODUCER_EPOCH);
                });
    }

    private static ApiResponse answer(Errors error, long producerId, short producerEpoch) {
        return ApiResponse.of(new EndTxnResponse(new EndTxnResponseData().setErrorCode(error.code())
                .setProducerId(producerId).setProducerEpoch(producerEpoch)));
    }
}
