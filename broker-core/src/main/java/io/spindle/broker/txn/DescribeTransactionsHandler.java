package io.spindle.broker.txn;

import io.spindle.broker.ApiResponse;
import io.spindle.broker.ClientConnection;
import io.spindle.broker.VersionedApiHandler;
import io.spindle.txn.TransactionMetadata;
import io.spindle.txn.Transactions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.DescribeTransactionsRequestData;
import org.apache.kafka.common.message.DescribeTransactionsResponseData;
import org.apache.kafka.common.message.DescribeTransactionsResponseData.TopicData;
import org.apache.kafka.common.message.DescribeTransactionsResponseData.TopicDataCollection;
import org.apache.kafka.common.message.DescribeTransactionsResponseData.TransactionState;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.DescribeTransactionsRequest;
import org.apache.kafka.common.requests.DescribeTransactionsResponse;
import org.apache.kafka.common.requests.RequestHeader;

/**
 * DescribeTransactions (KIP-664, what Kafka's Admin.describeTransactions and kafka-transactions.sh describe send):
 * each transactional id's state under Kafka's name, producer id and epoch, timeout, start time and partitions, or
 * TRANSACTIONAL_ID_NOT_FOUND.
 */
final class DescribeTransactionsHandler extends VersionedApiHandler {
    private final Transactions transactions;

    DescribeTransactionsHandler(Transactions transactions) {
        super(ApiKeys.DESCRIBE_TRANSACTIONS);
        this.transactions = transactions;
    }

    @Override
    public CompletableFuture<ApiResponse> handle(RequestHeader header, AbstractRequest request, ClientConnection connection) {
        DescribeTransactionsRequestData data = ((DescribeTransactionsRequest) request).data();
        List<TransactionState> states = new ArrayList<>();
        for (String id : data.transactionalIds()) {
            Optional<TransactionMetadata> found = transactions.describe(id);
            if (found.isEmpty()) {
                states.add(new TransactionState().setTransactionalId(id).setErrorCode(Errors.TRANSACTIONAL_ID_NOT_FOUND.code())
                        .setTransactionState("").setProducerId(-1L).setProducerEpoch((short) -1)
                        .setTransactionStartTimeMs(-1L));
                continue;
            }
            TransactionMetadata m = found.get();
            Map<String, List<Integer>> byTopic = new TreeMap<>();
            for (TopicPartition tp : m.partitions()) {
                byTopic.computeIfAbsent(tp.topic(), t -> new ArrayList<>()).add(tp.partition());
            }
            TopicDataCollection topics = new TopicDataCollection();
            byTopic.forEach((topic, partitions) -> {
                partitions.sort(null);
                topics.add(new TopicData().setTopic(topic).setPartitions(partitions));
            });
            states.add(new TransactionState().setTransactionalId(id).setErrorCode(Errors.NONE.code())
                    .setTransactionState(m.state().kafkaName()).setTransactionTimeoutMs(m.timeoutMs())
                    .setTransactionStartTimeMs(m.startTimestampMs()).setProducerId(m.producerId())
                    .setProducerEpoch(m.producerEpoch()).setTopics(topics));
        }
        return CompletableFuture.completedFuture(ApiResponse.of(new DescribeTransactionsResponse(
                new DescribeTransactionsResponseData().setTransactionStates(states))));
    }
}
