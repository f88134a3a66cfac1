package io.spindle.broker.txn;

import io.spindle.broker.ApiResponse;
import io.spindle.broker.ClientConnection;
import io.spindle.broker.VersionedApiHandler;
import io.spindle.txn.Transactions;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.message.AddOffsetsToTxnRequestData;
import org.apache.kafka.common.message.AddOffsetsToTxnResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.AddOffsetsToTxnRequest;
import org.apache.kafka.common.requests.AddOffsetsToTxnResponse;
import org.apache.kafka.common.requests.RequestHeader;

/** AddOffsetsToTxn (every version): the group's offsets join the producer's transaction ({@link Transactions#addOffsets}). */
final class AddOffsetsToTxnHandler extends VersionedApiHandler {
    private static final short FIRST_VERSION_WITH_PRODUCER_FENCED = 2;

    private final Transactions transactions;

    AddOffsetsToTxnHandler(Transactions transactions) {
        super(ApiKeys.ADD_OFFSETS_TO_TXN);
        this.transactions = transactions;
    }

    @Override
    public CompletableFuture<ApiResponse> handle(RequestHeader header, AbstractRequest request, ClientConnection connection) {
        AddOffsetsToTxnRequestData data = ((AddOffsetsToTxnRequest) request).data();
        if (data.groupId() == null || data.groupId().isEmpty()) {
            return CompletableFuture.completedFuture(answer(Errors.INVALID_GROUP_ID));
        }
        return transactions.addOffsets(data.transactionalId(), data.producerId(), data.producerEpoch(), data.groupId())
                .handle((error, failure) -> answer(failure != null ? TxnErrors.ofFailure(failure)
                        : TxnErrors.forVersion(error, request.version(), FIRST_VERSION_WITH_PRODUCER_FENCED)));
    }

    private static ApiResponse answer(Errors error) {
        return ApiResponse.of(new AddOffsetsToTxnResponse(new AddOffsetsToTxnResponseData().setErrorCode(error.code())));
    }
}
