package io.spindle.broker.txn;

import io.spindle.broker.ApiResponse;
import io.spindle.broker.ClientConnection;
import io.spindle.broker.VersionedApiHandler;
import io.spindle.broker.partition.Partitions;
import io.spindle.txn.Transactions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.AddPartitionsToTxnRequestData;
import org.apache.kafka.common.message.AddPartitionsToTxnRequestData.AddPartitionsToTxnTransaction;
import org.apache.kafka.common.message.AddPartitionsToTxnResponseData;
import org.apache.kafka.common.message.AddPartitionsToTxnResponseData.AddPartitionsToTxnResult;
import org.apache.kafka.common.message.AddPartitionsToTxnResponseData.AddPartitionsToTxnResultCollection;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.AddPartitionsToTxnRequest;
import org.apache.kafka.common.requests.AddPartitionsToTxnResponse;
import org.apache.kafka.common.requests.RequestHeader;

/**
 * AddPartitionsToTxn. Versions 0 to 3 are the client's: one transaction, its partitions added
 * ({@link Transactions#addPartitions}). Versions 4 and 5 are what a Kafka broker sends its coordinator, batched by
 * transaction; a verify-only transaction is answered from the coordinator's state
 * ({@link Transactions#verifyPartition}) without changing it, the others are added as from a client.
 *
 * <p>As Kafka does, a partition that does not exist is UNKNOWN_TOPIC_OR_PARTITION and the transaction's other
 * partitions OPERATION_NOT_ATTEMPTED; every partition of a transaction gets the coordinator's error otherwise.
 */
final class AddPartitionsToTxnHandler extends VersionedApiHandler {
    private static final short MAX_VERSION = 5;
    private static final short LAST_CLIENT_VERSION = 3;
    private static final short FIRST_VERSION_WITH_PRODUCER_FENCED = 2;

    private final Transactions transactions;
    private final Partitions partitions;

    AddPartitionsToTxnHandler(Transactions transactions, Partitions partitions) {
        super(ApiKeys.ADD_PARTITIONS_TO_TXN, (short) 0, MAX_VERSION);
        this.transactions = transactions;
        this.partitions = partitions;
    }

    @Override
    public CompletableFuture<ApiResponse> handle(RequestHeader header, AbstractRequest request, ClientConnection connection) {
        AddPartitionsToTxnRequestData data = ((AddPartitionsToTxnRequest) request).data();
        short version = request.version();
        if (version <= LAST_CLIENT_VERSION) {
            String transactionalId = data.v3AndBelowTransactionalId();
            List<TopicPartition> added = AddPartitionsToTxnRequest.getPartitions(data.v3AndBelowTopics());
            return add(transactionalId, data.v3AndBelowProducerId(), data.v3AndBelowProducerEpoch(), added, false, version)
                    .thenApply(errors -> ApiResponse.of(new AddPartitionsToTxnResponse(new AddPartitionsToTxnResponseData()
                            .setResultsByTopicV3AndBelow(AddPartitionsToTxnResponse.resultForTransaction(
                                    transactionalId, errors).topicResults()))));
        }
        List<CompletableFuture<AddPartitionsToTxnResult>> results = new ArrayList<>();
        for (AddPartitionsToTxnTransaction txn : data.transactions()) {
            List<TopicPartition> added = AddPartitionsToTxnRequest.getPartitions(txn.topics());
            results.add(add(txn.transactionalId(), txn.producerId(), txn.producerEpoch(), added, txn.verifyOnly(), version)
                    .thenApply(errors -> AddPartitionsToTxnResponse.resultForTransaction(txn.transactionalId(), errors)));
        }
        return CompletableFuture.allOf(results.toArray(new CompletableFuture<?>[0])).thenApply(ignored -> {
            AddPartitionsToTxnResultCollection collection = new AddPartitionsToTxnResultCollection();
            for (CompletableFuture<AddPartitionsToTxnResult> result : results) {
                collection.add(result.join());
            }
            return ApiResponse.of(new AddPartitionsToTxnResponse(new AddPartitionsToTxnResponseData()
                    .setResultsByTransaction(collection)));
        });
    }

    private CompletableFuture<Map<TopicPartition, Errors>> add(String transactionalId, long producerId, short epoch,
                                                               List<TopicPartition> added, boolean verifyOnly,
                                                               short version) {
        Map<TopicPartition, Errors> errors = new HashMap<>();
        boolean anyUnknown = false;
        for (TopicPartition tp : added) {
            if (partitions.get(tp.topic(), tp.partition()).isEmpty()) {
                errors.put(tp, Errors.UNKNOWN_TOPIC_OR_PARTITION);
                anyUnknown = true;
            }
        }
        if (anyUnknown) {
            for (TopicPartition tp : added) {
                errors.putIfAbsent(tp, Errors.OPERATION_NOT_ATTEMPTED);
            }
            return CompletableFuture.completedFuture(errors);
        }
        if (verifyOnly) {
            for (TopicPartition tp : added) {
                errors.put(tp, transactions.verifyPartition(transactionalId, producerId, epoch, tp));
            }
            return CompletableFuture.completedFuture(errors);
        }
        return transactions.addPartitions(transactionalId, producerId, epoch, added).handle((error, failure) -> {
            Errors answer = failure != null ? TxnErrors.ofFailure(failure)
                    : TxnErrors.forVersion(error, version, FIRST_VERSION_WITH_PRODUCER_FENCED);
            for (TopicPartition tp : added) {
                errors.put(tp, answer);
            }
            return errors;
        });
    }
}
