package io.spindle.broker.data;

import io.spindle.broker.ApiResponse;
import io.spindle.broker.ClientConnection;
import io.spindle.broker.VersionedApiHandler;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import org.apache.kafka.common.message.InitProducerIdRequestData;
import org.apache.kafka.common.message.InitProducerIdResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.InitProducerIdRequest;
import org.apache.kafka.common.requests.InitProducerIdResponse;
import org.apache.kafka.common.requests.RequestHeader;

/**
 * InitProducerId for idempotent producers (versions 0 to 5; 6 is not yet stable in kafka-clients 4.4): a fresh
 * producer id with epoch 0. As Kafka does for a producer without a transactional id, an id and epoch sent in the
 * request are ignored and a new id is handed out; the producer state per partition lives in the logs.
 *
 * <p>Transactions are not supported: a transactional id is answered TRANSACTIONAL_ID_AUTHORIZATION_FAILED, what
 * Kafka answers when the client may not use that transactional id. The producer fails at once with
 * TransactionalIdAuthorizationException instead of retrying a coordinator that will never appear.
 */
final class InitProducerIdHandler extends VersionedApiHandler {
    static final short MIN_VERSION = 0;
    static final short MAX_VERSION = 5;

    private final ProducerIdAllocator producerIds;
    private final Executor blockingExecutor;

    InitProducerIdHandler(ProducerIdAllocator producerIds, Executor blockingExecutor) {
        super(ApiKeys.INIT_PRODUCER_ID, MIN_VERSION, MAX_VERSION);
        this.producerIds = producerIds;
        this.blockingExecutor = blockingExecutor;
    }

    @Override
    public CompletableFuture<ApiResponse> handle(RequestHeader header, AbstractRequest request, ClientConnection connection) {
        InitProducerIdRequestData data = ((InitProducerIdRequest) request).data();
        if (data.transactionalId() != null) {
            return CompletableFuture.completedFuture(answer(Errors.TRANSACTIONAL_ID_AUTHORIZATION_FAILED, -1L, (short) -1));
        }
        // Allocation forces a file to disk once per block of ids: not on the event loop.
        return CompletableFuture.supplyAsync(producerIds::allocate, blockingExecutor)
                .handle((producerId, failure) -> failure == null
                        ? answer(Errors.NONE, producerId, (short) 0)
                        : answer(StorageErrors.of(failure, "producer id allocation"), -1L, (short) -1));
    }

    private static ApiResponse answer(Errors error, long producerId, short epoch) {
        return ApiResponse.of(new InitProducerIdResponse(new InitProducerIdResponseData()
                .setErrorCode(error.code())
                .setProducerId(producerId)
                .setProducerEpoch(epoch)));
    }
}
