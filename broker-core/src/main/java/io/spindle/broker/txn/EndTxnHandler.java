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
 * EndTxn, versions 0 to 4: commits or aborts the producer's transaction ({@link Transactions#endTransaction}),
 * answered once the decision is durable. Version 5 belongs to transaction version 2 (KIP-890: the epoch bumped at
 * every end, returned in the answer), which this broker does not offer; kafka-clients uses version 4 and below
 * unless the broker's ApiVersions finalizes {@code transaction.version} 2.
 */
final class EndTxnHandler extends VersionedApiHandler {
    private static final short MAX_VERSION = EndTxnRequest.LAST_STABLE_VERSION_BEFORE_TRANSACTION_V2;
    private static final short FIRST_VERSION_WITH_PRODUCER_FENCED = 2;

    private final Transactions transactions;

    EndTxnHandler(Transactions transactions) {
        super(ApiKeys.END_TXN, (short) 0, MAX_VERSION);
        this.transactions = transactions;
    }

    @Override
    public CompletableFuture<ApiResponse> handle(RequestHeader header, AbstractRequest request, ClientConnection connection) {
        EndTxnRequestData data = ((EndTxnRequest) request).data();
        return transactions.endTransaction(data.transactionalId(), data.producerId(), data.producerEpoch(), data.committed())
                .handle((error, failure) -> answer(failure != null ? TxnErrors.ofFailure(failure)
                        : TxnErrors.forVersion(error, request.version(), FIRST_VERSION_WITH_PRODUCER_FENCED)));
    }

    private static ApiResponse answer(Errors error) {
        return ApiResponse.of(new EndTxnResponse(new EndTxnResponseData().setErrorCode(error.code())));
    }
}
