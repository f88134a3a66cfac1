package io.spindle.broker.txn;

import io.spindle.broker.ApiResponse;
import io.spindle.broker.ClientConnection;
import io.spindle.broker.VersionedApiHandler;
import io.spindle.groups.GroupCoordinator;
import io.spindle.txn.Transactions;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.message.TxnOffsetCommitRequestData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.RequestHeader;
import org.apache.kafka.common.requests.TxnOffsetCommitRequest;
import org.apache.kafka.common.requests.TxnOffsetCommitResponse;

/**
 * TxnOffsetCommit, versions 0 to 4 (5 and 6 belong to transaction version 2, which this broker does not offer):
 * offsets committed inside a transaction. The group must be part of the producer's open transaction
 * (AddOffsetsToTxn first; {@link Transactions#verifyGroup}), else every partition gets the check's error; the
 * group coordinator keeps the offsets apart until the transaction coordinator completes the transaction
 * ({@link GroupCoordinator#commitTransactionalOffsets}).
 */
final class TxnOffsetCommitHandler extends VersionedApiHandler {
    private static final short MAX_VERSION = TxnOffsetCommitRequest.LAST_STABLE_VERSION_BEFORE_TRANSACTION_V2;

    private final Transactions transactions;
    private final GroupCoordinator groups;

    TxnOffsetCommitHandler(Transactions transactions, GroupCoordinator groups) {
        super(ApiKeys.TXN_OFFSET_COMMIT, (short) 0, MAX_VERSION);
        this.transactions = transactions;
        this.groups = groups;
    }

    @Override
    public CompletableFuture<ApiResponse> handle(RequestHeader header, AbstractRequest request, ClientConnection connection) {
        TxnOffsetCommitRequestData data = ((TxnOffsetCommitRequest) request).data();
        Errors error = transactions.verifyGroup(data.transactionalId(), data.producerId(), data.producerEpoch(),
                data.groupId());
        if (error != Errors.NONE) {
            return CompletableFuture.completedFuture(ApiResponse.of(new TxnOffsetCommitResponse(
                    TxnOffsetCommitRequest.getErrorResponse(data, error))));
        }
        return groups.commitTransactionalOffsets(data)
                .handle((response, failure) -> ApiResponse.of(new TxnOffsetCommitResponse(failure == null ? response
                        : TxnOffsetCommitRequest.getErrorResponse(data, Errors.COORDINATOR_NOT_AVAILABLE))));
    }
}
