package io.spindle.broker.network;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.spindle.broker.ApiHandler;
import io.spindle.broker.ApiResponse;
import io.spindle.broker.ClientConnection;
import io.spindle.config.ListenerSettings;
import io.spindle.fixtures.RawKafkaConnection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.message.MetadataResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.MetadataRequest;
import org.apache.kafka.common.requests.MetadataResponse;
import org.apache.kafka.common.requests.RequestHeader;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The limit on request bytes in flight over all connections: once requests not yet answered reach it, no
 * connection — not even a new one, far under its own cap — is read until responses leave.
 */
class InFlightBudgetTest {
    private static final short VERSION = 12;
    private static final int TOPICS_PER_REQUEST = 3000;   // about 100 KB a request

    private KafkaListener listener;
    private final BlockingQueue<CompletableFuture<ApiResponse>> pending = new LinkedBlockingQueue<>();

    @AfterEach
    void close() {
        pending.forEach(f -> f.complete(ApiResponse.of(new MetadataResponse(new MetadataResponseData(), VERSION))));
        if (listener != null) {
            listener.close(Duration.ofSeconds(2));
        }
    }

    @Test
    void pastTheTotalLimitNoConnectionIsReadUntilResponsesLeave() throws Exception {
        MetadataRequest big = bigRequest();
        int size = big.serializeWithHeader(new RequestHeader(ApiKeys.METADATA, VERSION, "raw-test", 1)).remaining();
        // Each connection may hold 64 requests; all together only three.
        listener = KafkaListener.bind(new ListenerSettings("127.0.0.1", 0, 2, 1 << 20, 64L * size, 3L * size - 1),
                new RequestDispatcher(List.of(parkingHandler())), RequestObserver.NONE);
        int port = listener.address().getPort();
        List<RawKafkaConnection> connections = new ArrayList<>();
        try {
            for (int i = 0; i < 3; i++) {
                RawKafkaConnection c = new RawKafkaConnection("127.0.0.1", port);
                connections.add(c);
                c.send(big, 1);
                int expected = i + 1;
                await().atMost(Duration.ofSeconds(10)).until(() -> pending.size() == expected);
            }
            // The total is spent: a fourth connection's request is not read, though that connection holds nothing.
            RawKafkaConnection fourth = new RawKafkaConnection("127.0.0.1", port);
            connections.add(fourth);
            RequestHeader waiting = fourth.send(big, 2);
            await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(5)).until(() -> pending.size() == 3);

            pending.take().complete(ApiResponse.of(new MetadataResponse(new MetadataResponseData(), VERSION)));
            await().atMost(Duration.ofSeconds(10)).until(() -> pending.size() == 3);   // one left, the fourth came in
            while (!pending.isEmpty()) {
                pending.take().complete(ApiResponse.of(new MetadataResponse(new MetadataResponseData(), VERSION)));
            }
            MetadataResponse answered = fourth.receive(waiting);
            assertEquals(0, answered.topicMetadata().size());
        } finally {
            for (RawKafkaConnection c : connections) {
                c.close();
            }
        }
    }

    private static MetadataRequest bigRequest() {
        List<MetadataRequestData.MetadataRequestTopic> topics = new ArrayList<>();
        for (int i = 0; i < TOPICS_PER_REQUEST; i++) {
            topics.add(new MetadataRequestData.MetadataRequestTopic().setName("a-topic-with-a-long-name-" + i));
        }
        return new MetadataRequest(new MetadataRequestData().setTopics(topics), VERSION);
    }

    private ApiHandler parkingHandler() {
        return new ApiHandler() {
            @Override
            public ApiKeys apiKey() {
                return ApiKeys.METADATA;
            }

            @Override
            public short minVersion() {
                return VERSION;
            }

            @Override
            public short maxVersion() {
                return VERSION;
            }

            @Override
            public CompletableFuture<ApiResponse> handle(RequestHeader header, AbstractRequest request,
                                                         ClientConnection connection) {
                CompletableFuture<ApiResponse> later = new CompletableFuture<>();
                pending.add(later);
                return later;
            }
        };
    }
}
