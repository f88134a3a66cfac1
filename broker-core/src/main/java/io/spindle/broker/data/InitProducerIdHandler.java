package io.spindle.broker.data;

import io.spindle.broker.ApiResponse;
import io.spindle.broker.ClientConnection;
import io.spindle.broker.VersionedApiHandler;
import io.spindle.txn.ProducerIds;
import io.spindle.txn.Transactions;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.Supplier;
import org.apache.kafka.common.message.InitProducerIdRequestData;
import org.apache.kafka.common.message.InitProducerIdResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.InitProducerIdRequest;
import org.apache.kafka.common.requests.InitProducerIdResponse;
import org.apache.kafka.common.requests.RequestHeader;

/**
 * InitProducerId (versions 0 to 5; 6, KIP-939's keep-prepared transactions, is not yet stable in kafka-clients
 * 4.4). Without a transactional id (an idempotent producer): a fresh producer id with epoch 0; as Kafka does, an id
 * and epoch sent in the request are ignored and a new id is handed out. With one: the transaction coordinator's
 * answer ({@link Transactions#initProducerId}), PRODUCER_FENCED said as INVALID_PRODUCER_EPOCH below version 4 as
 * Kafka does; an empty transactional id is INVALID_REQUEST.
 */
final class InitProducerIdHandler extends VersionedApiHandler {
    static final short MIN_VERSION = 0;
    static final short MAX_VERSION = 5;

    private static final short FIRST_VERSION_WITH_PRODUCER_FENCED = 4;

    private final ProducerIds producerIds;
    private final Executor blockingExecutor;
    private final Supplier<Transactions> transactions;

    InitProducerIdHandler(ProducerIds producerIds, Executor blockingExecutor, Supplier<Transactions> transactions) {
        super(ApiKeys.INIT_PRODUCER_ID, MIN_VERSION, MAX_VERSION);
        this.producerIds = producerIds;
        this.blockingExecutor = blockingExecutor;
        this.transactions = transactions;
    }

    @Override
    public CompletableFuture<ApiResponse> handle(RequestHeader header, AbstractRequest request, ClientConnection connection) {
        InitProducerIdRequestData data = ((InitProducerIdRequest) request).data();
        if (data.transactionalId() != null) {
            return initTransactional(data, request.version());
        }
        // Allocation forces a file to disk once per block of ids: not on the event loop.
        return CompletableFuture.supplyAsync(producerIds::allocate, blockingExecutor)
                .handle((producerId, failure) -> failure == null
                        ? answer(Errors.NONE, producerId, (short) 0)
                        : answer(StorageErrors.of(failure, "producer id allocation"), -1L, (short) -1));
    }

    private CompletableFuture<ApiResponse> initTransactional(InitProducerIdRequestData data, short version) {
        if (data.transactionalId().isEmpty()) {
            return CompletableFuture.completedFuture(answer(Errors.INVALID_REQUEST, -1L, (short) -1));
        }
        Transactions coordinator = transactions.get();
        if (coordinator == null) {
            return CompletableFuture.completedFuture(answer(Errors.COORDINATOR_NOT_AVAILABLE, -1L, (short) -1));
        }
        return coordinator.initProducerId(data.transactionalId(), data.transactionTimeoutMs(), data.producerId(),
                data.producerEpoch()).handle((result, failure) -> {
                    if (failure != null) {
                        return answer(Errors.COORDINATOR_NOT_AVAILABLE, -1L, (short) -1);
                    }
                    Errors error = result.error() == Errors.PRODUCER_FENCED && version < FIRST_VERSION_WITH_PRODUCER_FENCED
                            ? Errors.INVALID_PRODUCER_EPOCH : result.error();
                    return answer(error, result.producerId(), result.producerEpoch());
                });
    }

    private static ApiResponse answer(Errors error, long producerId, short epoch) {
        return ApiResponse.of(new InitProducerIdResponse(new InitProducerIdResponseData()
                .setErrorCode(error.code())
                .setProducerId(producerId)
                .setProducerEpoch(epoch)));
    }
}
