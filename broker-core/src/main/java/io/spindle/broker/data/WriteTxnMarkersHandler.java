package io.spindle.broker.data;

import io.spindle.broker.ApiResponse;
import io.spindle.broker.ClientConnection;
import io.spindle.broker.VersionedApiHandler;
import io.spindle.broker.partition.Acks;
import io.spindle.broker.partition.CoordinatorEpochFencedException;
import io.spindle.broker.partition.Partition;
import io.spindle.broker.partition.Partitions;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.message.WriteTxnMarkersRequestData.WritableTxnMarker;
import org.apache.kafka.common.message.WriteTxnMarkersRequestData.WritableTxnMarkerTopic;
import org.apache.kafka.common.message.WriteTxnMarkersResponseData;
import org.apache.kafka.common.message.WriteTxnMarkersResponseData.WritableTxnMarkerPartitionResult;
import org.apache.kafka.common.message.WriteTxnMarkersResponseData.WritableTxnMarkerResult;
import org.apache.kafka.common.message.WriteTxnMarkersResponseData.WritableTxnMarkerTopicResult;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.RequestHeader;
import org.apache.kafka.common.requests.WriteTxnMarkersRequest;
import org.apache.kafka.common.requests.WriteTxnMarkersResponse;

/**
 * WriteTxnMarkers (versions 1 and 2) from a client: what {@code Admin.abortTransaction} (and
 * {@code kafka-transactions.sh abort}) sends to a partition's leader to end a hanging transaction, one no coordinator
 * will finish. Each marker is appended to its partitions on their writer threads
 * ({@link Partition#appendMarker(long, short, boolean, int, long)}), and each partition answers once the marker is as
 * durable as an acks=all produce. Per partition: UNKNOWN_TOPIC_OR_PARTITION when this broker does not hold it,
 * INVALID_PRODUCER_EPOCH when the producer has a newer epoch there, TRANSACTION_COORDINATOR_FENCED when a marker of a
 * newer coordinator epoch was written there, the storage errors as for a produce.
 *
 * <p>This broker's own coordinator does not send this request: it writes its markers in-process
 * ({@link PartitionMarkers}). Version 2's transaction version of a marker is ignored: a marker is the same control
 * batch under transaction versions 0 to 2.
 */
final class WriteTxnMarkersHandler extends VersionedApiHandler {
    static final short MIN_VERSION = 1;
    static final short MAX_VERSION = 2;

    private final Partitions partitions;
    private final PartitionWriters writers;
    private final Clock clock;

    WriteTxnMarkersHandler(Partitions partitions, PartitionWriters writers, Clock clock) {
        super(ApiKeys.WRITE_TXN_MARKERS, MIN_VERSION, MAX_VERSION);
        this.partitions = partitions;
        this.writers = writers;
        this.clock = clock;
    }

    @Override
    public CompletableFuture<ApiResponse> handle(RequestHeader header, AbstractRequest request, ClientConnection connection) {
        List<CompletableFuture<?>> pending = new ArrayList<>();
        WriteTxnMarkersResponseData response = new WriteTxnMarkersResponseData();
        for (WritableTxnMarker marker : ((WriteTxnMarkersRequest) request).data().markers()) {
            WritableTxnMarkerResult markerResult = new WritableTxnMarkerResult().setProducerId(marker.producerId());
            for (WritableTxnMarkerTopic topic : marker.topics()) {
                WritableTxnMarkerTopicResult topicResult = new WritableTxnMarkerTopicResult().setName(topic.name());
                for (int index : topic.partitionIndexes()) {
                    WritableTxnMarkerPartitionResult result = new WritableTxnMarkerPartitionResult().setPartitionIndex(index);
                    topicResult.partitions().add(result);
                    pending.add(write(marker, topic.name(), index)
                            .thenAccept(error -> result.setErrorCode(error.code())));
                }
                markerResult.topics().add(topicResult);
            }
            response.markers().add(markerResult);
        }
        return CompletableFuture.allOf(pending.toArray(new CompletableFuture<?>[0]))
                .thenApply(done -> ApiResponse.of(new WriteTxnMarkersResponse(response)));
    }

    /** Writes one marker into one partition; completes with the partition's error code, never exceptionally. */
    private CompletableFuture<Errors> write(WritableTxnMarker marker, String topic, int index) {
        Optional<Partition> held = partitions.get(topic, index);
        if (held.isEmpty()) {
            return CompletableFuture.completedFuture(Errors.UNKNOWN_TOPIC_OR_PARTITION);
        }
        Partition partition = held.get();
        return writers.run(partition, () -> partition.appendMarker(marker.producerId(), marker.producerEpoch(),
                        marker.transactionResult(), marker.coordinatorEpoch(), clock.millis()))
                .thenCompose(appended -> partition.acknowledgement(appended, Acks.ALL))
                .handle((written, failure) -> {
                    if (failure == null) {
                        return Errors.NONE;
                    }
                    return StorageErrors.unwrap(failure) instanceof CoordinatorEpochFencedException
                            ? Errors.TRANSACTION_COORDINATOR_FENCED
                            : StorageErrors.of(failure, "WriteTxnMarkers to " + topic + "-" + index);
                });
    }
}
