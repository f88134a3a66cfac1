package io.spindle.broker.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.util.HashedWheelTimer;
import io.spindle.broker.ApiResponse;
import io.spindle.broker.ClientConnection;
import io.spindle.broker.meta.TopicRegistry;
import io.spindle.broker.partition.Partitions;
import io.spindle.config.BrokerConfig;
import io.spindle.log.LogManager;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.message.FetchResponseData.PartitionData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.apache.kafka.common.requests.FetchRequest;
import org.apache.kafka.common.requests.FetchResponse;
import org.apache.kafka.common.requests.RequestHeader;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Which thread reads a fetch: a consumer's on the thread that handles it (the connection's event loop in a broker),
 * a follower's on a reader thread. Over a real partition log, with the one reader thread held busy.
 */
class FetchReadThreadTest {
    private static final String TOPIC = "read";

    @TempDir
    Path dataDir;
    private LogManager logs;
    private TopicRegistry topics;
    private Partitions partitions;
    private ExecutorService reader;
    private HashedWheelTimer timer;
    private FetchPurgatory purgatory;
    private FetchHandler handler;
    private final CountDownLatch readerBusy = new CountDownLatch(1);
    private int firstBatchBytes;

    @BeforeEach
    void open() throws Exception {
        BrokerConfig config = BrokerConfig.of(Map.of(BrokerConfig.DATA_DIR, dataDir.toString()));
        topics = TopicRegistry.load(dataDir, config);
        logs = LogManager.open(config.storage(), topics::configFor, Clock.systemUTC());
        partitions = new Partitions(logs, config.nodeId());
        topics.attach(logs);
        topics.create(TOPIC, 1, Map.of());
        MemoryRecords first = MemoryRecords.withRecords(Compression.NONE,
                new SimpleRecord("first".getBytes(StandardCharsets.UTF_8)));
        firstBatchBytes = first.sizeInBytes();
        partitions.get(TOPIC, 0).orElseThrow().log().append(first.buffer()).durable().get(10, TimeUnit.SECONDS);
        reader = Executors.newSingleThreadExecutor();
        timer = new HashedWheelTimer(5, TimeUnit.MILLISECONDS);
        purgatory = new FetchPurgatory(timer, reader);
        partitions.addListener(purgatory);
        handler = new FetchHandler(topics, partitions, MissingPartitions.ALONE, reader, purgatory);
        reader.execute(() -> {
            try {
                readerBusy.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
    }

    @AfterEach
    void close() {
        readerBusy.countDown();
        timer.stop();
        purgatory.close();
        reader.shutdownNow();
        logs.close();
    }

    @Test
    void aConsumersFetchOfRecordsThereIsAnsweredOnTheHandlingThreadWithoutAReader() throws Exception {
        FetchRequest consumer = KafkaRequests.fetch(KafkaRequests.FETCH_BY_NAME, TOPIC, Uuid.ZERO_UUID, 0, 0, 30_000, 1);

        CompletableFuture<ApiResponse> answer = handle(consumer);

        assertTrue(answer.isDone(), "answered while the only reader thread is busy");
        PartitionData partition = KafkaRequests.onlyPartition((FetchResponse) answer.join().body());
        assertEquals(Errors.NONE.code(), partition.errorCode());
        assertEquals(1, partition.highWatermark());
        assertEquals(firstBatchBytes, FetchResponse.recordsSize(partition), "the one batch appended");
        answer.join().release().close();
    }

    @Test
    void aFollowersFetchIsReadOnAReaderThread() throws Exception {
        FetchRequest follower = new FetchRequest(KafkaRequests.fetch(KafkaRequests.FETCH_BY_NAME, TOPIC,
                Uuid.ZERO_UUID, 0, 0, 30_000, 1).data().setReplicaId(2), KafkaRequests.FETCH_BY_NAME);
        assertTrue(follower.isFromFollower());

        CompletableFuture<ApiResponse> answer = handle(follower);

        assertFalse(answer.isDone(), "read before the busy reader thread was free");
        readerBusy.countDown();
        ApiResponse response = answer.get(10, TimeUnit.SECONDS);
        assertTrue(response.body() instanceof FetchResponse, "a fetch response: " + response.body());
        if (response.release() != null) {
            response.release().close();
        }
    }

    private CompletableFuture<ApiResponse> handle(FetchRequest request) {
        RequestHeader header = new RequestHeader(ApiKeys.FETCH, request.version(), "test", 1);
        return handler.handle(header, request, new Connection());
    }

    /** A connection that stays open. */
    private static final class Connection implements ClientConnection {
        @Override
        public long id() {
            return 1;
        }

        @Override
        public InetSocketAddress remoteAddress() {
            return new InetSocketAddress("127.0.0.1", 40_001);
        }

        @Override
        public void onClose(Runnable action) {
        }
    }
}
