package io.spindle.broker.data;

import io.spindle.broker.ApiResponse;
import io.spindle.broker.ClientConnection;
import io.spindle.broker.VersionedApiHandler;
import io.spindle.broker.partition.Partition;
import io.spindle.broker.partition.Partitions;
import io.spindle.broker.partition.ProducerState;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import org.apache.kafka.common.message.DescribeProducersRequestData;
import org.apache.kafka.common.message.DescribeProducersResponseData;
import org.apache.kafka.common.message.DescribeProducersResponseData.PartitionResponse;
import org.apache.kafka.common.message.DescribeProducersResponseData.TopicResponse;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.DescribeProducersRequest;
import org.apache.kafka.common.requests.DescribeProducersResponse;
import org.apache.kafka.common.requests.RequestHeader;

/**
 * DescribeProducers (KIP-664, version 0; what Admin.describeProducers and {@code kafka-transactions.sh
 * describe-producers} and {@code find-hanging} send to a partition's leader): per partition, every producer its log
 * knows, with epoch, last sequence, last timestamp, the coordinator epoch of its markers and the start offset of its
 * open transaction ({@link Partition#producers}). A partition this broker does not hold is
 * UNKNOWN_TOPIC_OR_PARTITION, an offline one KAFKA_STORAGE_ERROR. Runs on the reader pool: the producer state is
 * read under the log's write lock, which an append may hold while it waits on the disk.
 */
final class DescribeProducersHandler extends VersionedApiHandler {
    private final Partitions partitions;
    private final Executor readers;

    DescribeProducersHandler(Partitions partitions, Executor readers) {
        super(ApiKeys.DESCRIBE_PRODUCERS);
        this.partitions = partitions;
        this.readers = readers;
    }

    @Override
    public CompletableFuture<ApiResponse> handle(RequestHeader header, AbstractRequest request, ClientConnection connection) {
        DescribeProducersRequestData data = ((DescribeProducersRequest) request).data();
        return CompletableFuture.supplyAsync(() -> ApiResponse.of(new DescribeProducersResponse(answer(data))), readers);
    }

    private DescribeProducersResponseData answer(DescribeProducersRequestData data) {
        DescribeProducersResponseData response = new DescribeProducersResponseData();
        for (DescribeProducersRequestData.TopicRequest topic : data.topics()) {
            List<PartitionResponse> results = new ArrayList<>();
            for (int index : topic.partitionIndexes()) {
                results.add(describe(topic.name(), index));
            }
            response.topics().add(new TopicResponse().setName(topic.name()).setPartitions(results));
        }
        return response;
    }

    private PartitionResponse describe(String topic, int index) {
        PartitionResponse result = new PartitionResponse().setPartitionIndex(index);
        Optional<Partition> held = partitions.get(topic, index);
        if (held.isEmpty()) {
            return result.setErrorCode(Errors.UNKNOWN_TOPIC_OR_PARTITION.code())
                    .setErrorMessage("No partition " + topic + "-" + index + " on this broker");
        }
        Partition partition = held.get();
        if (partition.isOffline()) {
            return result.setErrorCode(Errors.KAFKA_STORAGE_ERROR.code())
                    .setErrorMessage(partition.offlineCause().getMessage());
        }
        List<DescribeProducersResponseData.ProducerState> producers = new ArrayList<>();
        for (ProducerState p : partition.producers()) {
            producers.add(new DescribeProducersResponseData.ProducerState().setProducerId(p.producerId())
                    .setProducerEpoch(p.epoch()).setLastSequence(p.lastSequence()).setLastTimestamp(p.lastTimestamp())
                    .setCoordinatorEpoch(p.coordinatorEpoch()).setCurrentTxnStartOffset(p.currentTxnStartOffset()));
        }
        return result.setErrorCode(Errors.NONE.code()).setActiveProducers(producers);
    }
}
