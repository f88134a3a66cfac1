package io.spindle.broker.share;

import io.spindle.broker.cluster.BrokerConnection;
import io.spindle.broker.cluster.MetadataAuthority;
import io.spindle.broker.cluster.PartitionLeadership;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.NotLeaderOrFollowerException;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.message.ProduceResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.requests.ProduceRequest;
import org.apache.kafka.common.requests.ProduceResponse;

/**
 * Dead letters whose dead-letter partition another broker leads, produced there: a Kafka Produce (version
 * {@value #PRODUCE_VERSION}, acks=all) over one {@link BrokerConnection} per broker, one dead letter at a time on one
 * thread ({@code spindle-dead-letters}), started at the first.
 *
 * <p>A dead letter is written once its leader answers it without error: acks=all, so the copy is in every in-sync
 * replica (and forced there under flush.mode=fsync) before the share-partition archives the record. Any other outcome
 * (no leader now, this broker leads it now, the broker unreachable, an error in the answer) fails the write, and the
 * share coordinator tries it again later with the leader looked up again; a copy whose answer was lost may so be
 * written twice, the at-least-once promise of dead letters.
 */
final class DeadLetterForwarder implements AutoCloseable {
    static final short PRODUCE_VERSION = 12;
    private static final int TIMEOUT_MS = 30_000;
    private static final BrokerConnection.Settings CONNECTION = new BrokerConnection.Settings(2_000, TIMEOUT_MS + 5_000,
            1024 * 1024, 100, 5_000);

    private final MetadataAuthority authority;
    private final Map<Integer, BrokerConnection> connections = new ConcurrentHashMap<>();
    private final ExecutorService thread = Executors.newSingleThreadExecutor(runnable -> {
        Thread worker = new Thread(runnable, "spindle-dead-letters");
        worker.setDaemon(true);
        return worker;
    });

    DeadLetterForwarder(MetadataAuthority authority) {
        this.authority = authority;
    }

    /** Produces {@code records} (one dead letter) to the leader of {@code partition}; completes once it answered. */
    CompletableFuture<Void> produce(TopicPartition partition, ByteBuffer records) {
        try {
            return CompletableFuture.runAsync(() -> send(partition, records), thread);
        } catch (RejectedExecutionException e) {
            return CompletableFuture.failedFuture(new IllegalStateException("the broker is stopping", e));
        }
    }

    private void send(TopicPartition partition, ByteBuffer records) {
        int leader = authority.partition(partition.topic(), partition.partition())
                .filter(PartitionLeadership::hasLeader).map(PartitionLeadership::leader).orElseThrow(() -> new NotLeaderOrFollowerException(
                        "dead-letter partition " + partition + " has no leader now"));
        if (leader == authority.nodeId()) {
            throw new NotLeaderOrFollowerException("dead-letter partition " + partition + " is led here now");
        }
        BrokerConnection connection = connections.computeIfAbsent(leader, id -> new BrokerConnection(
                "leader of dead-letter partitions", "spindle-dead-letters-" + authority.nodeId(),
                () -> authority.broker(id), CONNECTION));
        ProduceRequestData data = new ProduceRequestData().setAcks((short) -1).setTimeoutMs(TIMEOUT_MS)
                .setTransactionalId(null);
        data.topicData().add(new ProduceRequestData.TopicProduceData().setName(partition.topic())
                .setPartitionData(List.of(new ProduceRequestData.PartitionProduceData().setIndex(partition.partition())
                        .setRecords(MemoryRecords.readableRecords(records.duplicate())))));
        ProduceResponse response;
        try {
            response = connection.send(new ProduceRequest(data, PRODUCE_VERSION));
        } catch (IOException e) {
            throw new DeadLetterNotForwardedException("dead letter to " + partition + ": " + e.getMessage(), e);
        }
        for (ProduceResponseData.TopicProduceResponse topic : response.data().responses()) {
            for (ProduceResponseData.PartitionProduceResponse answer : topic.partitionResponses()) {
                Errors error = Errors.forCode(answer.errorCode());
                if (error != Errors.NONE) {
                    String detail = answer.errorMessage() == null ? "" : " (" + answer.errorMessage() + ")";
                    throw new DeadLetterNotForwardedException("broker " + leader + " refused the dead letter to "
                            + partition + ": " + error + detail, error.exception());
                }
                return;
            }
        }
        throw new DeadLetterNotForwardedException("broker " + leader + " did not answer for " + partition, null);
    }

    /** A dead letter its leader did not acknowledge; the share coordinator tries it again. */
    static final class DeadLetterNotForwardedException extends RuntimeException {
        DeadLetterNotForwardedException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    @Override
    public void close() {
        thread.shutdown();
        connections.values().forEach(BrokerConnection::close);   // wakes a produce in flight
        try {
            thread.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
