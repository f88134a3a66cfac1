package io.spindle.broker.data;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.util.HashedWheelTimer;
import io.spindle.broker.ApiResponse;
import io.spindle.broker.ClientConnection;
import io.spindle.broker.meta.TopicRegistry;
import io.spindle.broker.partition.Partitions;
import io.spindle.config.BrokerConfig;
import io.spindle.log.LogManager;
import io.spindle.log.PartitionLog;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.apache.kafka.common.requests.FetchResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The purgatory over real partition logs, with connections closed at will. */
class FetchPurgatoryTest {
    private static final String TOPIC = "polled";

    @TempDir
    Path dataDir;
    private LogManager logs;
    private TopicRegistry topics;
    private Partitions partitions;
    private ExecutorService executor;
    private HashedWheelTimer timer;
    private FetchPurgatory purgatory;
    private PartitionLog log;

    @BeforeEach
    void open() {
        BrokerConfig config = BrokerConfig.of(Map.of(BrokerConfig.DATA_DIR, dataDir.toString()));
        topics = TopicRegistry.load(dataDir, config);
        logs = LogManager.open(config.storage(), topics::configFor, Clock.systemUTC());
        partitions = new Partitions(logs, config.nodeId());
        topics.attach(logs);
        topics.create(TOPIC, 1, Map.of());
        log = partitions.get(TOPIC, 0).orElseThrow().log();
        executor = Executors.newSingleThreadExecutor();
        timer = new HashedWheelTimer(5, TimeUnit.MILLISECONDS);
        purgatory = new FetchPurgatory(timer, executor);
        partitions.addListener(purgatory);
    }

    @AfterEach
    void close() {
        timer.stop();
        purgatory.close();
        executor.shutdownNow();
        logs.close();
    }

    @Test
    void aWaitingFetchIsDroppedWithoutAResponseWhenItsConnectionCloses() {
        Connection connection = new Connection(1);
        CompletableFuture<ApiResponse> waiting = purgatory.await(planFromStart(), 30_000, connection);
        assertFalse(waiting.isDone());
        assertEquals(1, purgatory.waiting());

        connection.close();

        assertTrue(waiting.isDone());
        assertNull(waiting.join());
        assertEquals(0, purgatory.waiting());
    }

    @Test
    void anAppendAnswersEveryFetchWaitingOnThePartitionWithTheNewRecords() throws Exception {
        List<CompletableFuture<ApiResponse>> waiting = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            waiting.add(purgatory.await(planFromStart(), 30_000, new Connection(i)));
        }

        log.append(MemoryRecords.withRecords(Compression.NONE, new SimpleRecord("new".getBytes())).buffer());

        for (CompletableFuture<ApiResponse> fetch : waiting) {
            ApiResponse response = fetch.get(10, TimeUnit.SECONDS);
            FetchResponse body = (FetchResponse) response.body();
            assertTrue(FetchResponse.recordsSize(body.data().responses().get(0).partitions().get(0)) > 0);
            response.release().close();
        }
        // A fetch's future completes just before the purgatory forgets it, on the reader thread.
        await().atMost(Duration.ofSeconds(5)).until(() -> purgatory.waiting() == 0);
    }

    @Test
    void aConnectionRegistersOneCloseActionHoweverOftenItWaits() throws Exception {
        Connection connection = new Connection(7);
        for (int i = 0; i < 50; i++) {
            // Each wait times out empty after 10 ms.
            purgatory.await(planFromStart(), 10, connection).get(5, TimeUnit.SECONDS);
        }
        assertEquals(1, connection.closeActions.size());
    }

    @Test
    void closingThePurgatoryAnswersEveryWaitingFetch() throws Exception {
        CompletableFuture<ApiResponse> waiting = purgatory.await(planFromStart(), 30_000, new Connection(3));

        purgatory.close();

        assertTrue(waiting.isDone());
        ApiResponse response = waiting.join();
        assertTrue(response.body() instanceof FetchResponse);
        response.release().close();
    }

    private FetchPlan planFromStart() {
        return FetchPlan.resolve(KafkaRequests.fetch(KafkaRequests.FETCH_BY_NAME, TOPIC, Uuid.ZERO_UUID, 0, 0, 30_000, 1),
                KafkaRequests.FETCH_BY_NAME, topics, partitions, MissingPartitions.ALONE);
    }

    /** A connection that closes when told to, running its close actions as a network connection does. */
    private static final class Connection implements ClientConnection {
        final List<Runnable> closeActions = new ArrayList<>();
        private final long id;
        private boolean closed;

        Connection(long id) {
            this.id = id;
        }

        @Override
        public long id() {
            return id;
        }

        @Override
        public InetSocketAddress remoteAddress() {
            return new InetSocketAddress("127.0.0.1", 40_000 + (int) id);
        }

        @Override
        public synchronized void onClose(Runnable action) {
            if (closed) {
                action.run();
            } else {
                closeActions.add(action);
            }
        }

        synchronized void close() {
            closed = true;
            closeActions.forEach(Runnable::run);
        }
    }
}
