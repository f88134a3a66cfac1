package io.spindle.broker.network;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.util.ReferenceCountUtil;
import io.spindle.broker.ApiHandler;
import io.spindle.broker.ApiResponse;
import io.spindle.broker.ClientConnection;
import io.spindle.config.ListenerSettings;
import io.spindle.fixtures.RawKafkaConnection;
import java.io.IOException;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiFunction;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.message.DescribeClusterResponseData;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.message.MetadataResponseData;
import org.apache.kafka.common.network.Send;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.internal.FileRecords;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.DescribeClusterRequest;
import org.apache.kafka.common.requests.DescribeClusterResponse;
import org.apache.kafka.common.requests.FetchRequest;
import org.apache.kafka.common.requests.FetchResponse;
import org.apache.kafka.common.requests.MetadataRequest;
import org.apache.kafka.common.requests.MetadataResponse;
import org.apache.kafka.common.requests.RequestHeader;
import org.apache.kafka.common.requests.ResponseHeader;
import org.apache.kafka.common.message.DescribeClusterRequestData;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The listener's own guarantees, with handlers written for each test: ordering, zero-copy records, backpressure. */
class KafkaListenerTest {
    private static final short METADATA_VERSION = 12;

    @TempDir
    Path dir;

    private KafkaListener listener;

    @AfterEach
    void closeListener() {
        if (listener != null) {
            listener.close(Duration.ofSeconds(2));
        }
    }

    @Test
    void responsesLeaveInRequestOrderWhenHandlersFinishOutOfOrder() throws Exception {
        BlockingQueue<CompletableFuture<ApiResponse>> slow = new LinkedBlockingQueue<>();
        AtomicInteger fastCalls = new AtomicInteger();
        listener = listen(Long.MAX_VALUE,
                handler(ApiKeys.METADATA, (header, request) -> {
                    CompletableFuture<ApiResponse> later = new CompletableFuture<>();
                    slow.add(later);
                    return later;
                }),
                handler(ApiKeys.DESCRIBE_CLUSTER, (header, request) -> {
                    fastCalls.incrementAndGet();
                    return CompletableFuture.completedFuture(ApiResponse.of(
                            new DescribeClusterResponse(new DescribeClusterResponseData().setClusterId("fast"))));
                }));
        try (RawKafkaConnection raw = new RawKafkaConnection("127.0.0.1", listener.address().getPort())) {
            RequestHeader first = raw.send(MetadataRequest.Builder.allTopics().build(METADATA_VERSION), 1);
            RequestHeader second = raw.send(new DescribeClusterRequest.Builder(new DescribeClusterRequestData()).build((short) 1), 2);
            await().atMost(Duration.ofSeconds(10)).until(() -> fastCalls.get() == 1 && slow.size() == 1);

            slow.take().complete(ApiResponse.of(new MetadataResponse(new MetadataResponseData(), METADATA_VERSION)));

            MetadataResponse metadata = raw.receive(first);        // parsing checks the correlation id
            DescribeClusterResponse cluster = raw.receive(second);
            assertTrue(metadata.topicMetadata().isEmpty());
            assertEquals("fast", cluster.data().clusterId());
        }
    }

    @Test
    void recordsStoredInAFileAreSentAsAFileRegionAndArriveByteForByte() throws Exception {
        MemoryRecords batch = MemoryRecords.withRecords(Compression.NONE,
                new SimpleRecord("k1".getBytes(), "first".getBytes()),
                new SimpleRecord("k2".getBytes(), "second".getBytes()),
                new SimpleRecord("k3".getBytes(), "third".getBytes()));
        byte[] stored = new byte[batch.sizeInBytes()];
        batch.buffer().duplicate().get(stored);
        Path file = dir.resolve("00000000000000000000.log");
        Files.write(file, stored);
        AtomicInteger released = new AtomicInteger();
        listener = listen(Long.MAX_VALUE, handler(ApiKeys.FETCH, (header, request) -> {
            try {
                FileRecords records = FileRecords.open(file.toFile());
                return CompletableFuture.completedFuture(new ApiResponse(fetchResponse(records), () -> {
                    records.close();
                    released.incrementAndGet();
                }));
            } catch (IOException e) {
                return CompletableFuture.failedFuture(e);
            }
        }));
        try (RawKafkaConnection raw = new RawKafkaConnection("127.0.0.1", listener.address().getPort())) {
            FetchRequest request = FetchRequest.Builder.forConsumer((short) 12, 0, 1, Map.of(new TopicPartition("t", 0),
                    new FetchRequest.PartitionData(Uuid.ZERO_UUID, 0, 0, 1 << 20, Optional.empty()))).build((short) 12);
            FetchResponse response = raw.roundTrip(request, 5);
            FetchResponseData.PartitionData partition = response.data().responses().get(0).partitions().get(0);
            MemoryRecords received = (MemoryRecords) FetchResponse.recordsOrFail(partition);
            byte[] bytes = new byte[received.sizeInBytes()];
            received.buffer().duplicate().get(bytes);
            assertArrayEquals(stored, bytes);
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> released.get() == 1);
    }

    @Test
    void aSendOfFileRecordsBecomesBuffersAroundOneBorrowedFileRegion() throws Exception {
        MemoryRecords batch = MemoryRecords.withRecords(Compression.NONE, new SimpleRecord("v".getBytes()));
        Path file = dir.resolve("segment.log");
        byte[] stored = new byte[batch.sizeInBytes()];
        batch.buffer().duplicate().get(stored);
        Files.write(file, stored);
        try (FileRecords records = FileRecords.open(file.toFile())) {
            Send send = fetchResponse(records).toSend(new ResponseHeader(9, (short) 1), (short) 12);
            List<Object> parts = SendParts.of(send);
            long regions = parts.stream().filter(part -> part instanceof SendParts.BorrowedFileRegion).count();
            long total = 0;
            for (Object part : parts) {
                total += part instanceof ByteBuf buf ? buf.readableBytes() : ((SendParts.BorrowedFileRegion) part).count();
            }
            assertEquals(1, regions, "the records are one file region, not copied into a buffer");
            assertEquals(send.size(), total);
            SendParts.BorrowedFileRegion region = parts.stream().filter(part -> part instanceof SendParts.BorrowedFileRegion)
                    .map(part -> (SendParts.BorrowedFileRegion) part).findFirst().orElseThrow();
            assertEquals(stored.length, region.count());
            parts.forEach(ReferenceCountUtil::release);
            assertTrue(records.channel().isOpen(), "releasing the region leaves the segment's channel open");
        }
    }

    @Test
    void readingPausesPastTheInFlightLimitAndResumesWhenResponsesLeave() throws Exception {
        BlockingQueue<CompletableFuture<ApiResponse>> pending = new LinkedBlockingQueue<>();
        AtomicInteger calls = new AtomicInteger();
        listener = listen(1, handler(ApiKeys.METADATA, (header, request) -> {
            calls.incrementAndGet();
            CompletableFuture<ApiResponse> later = new CompletableFuture<>();
            pending.add(later);
            return later;
        }));
        try (RawKafkaConnection raw = new RawKafkaConnection("127.0.0.1", listener.address().getPort())) {
            RequestHeader first = raw.send(MetadataRequest.Builder.allTopics().build(METADATA_VERSION), 1);
            await().atMost(Duration.ofSeconds(10)).until(() -> calls.get() == 1);
            RequestHeader second = raw.send(MetadataRequest.Builder.allTopics().build(METADATA_VERSION), 2);
            await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(5)).until(() -> calls.get() == 1);

            pending.take().complete(ApiResponse.of(new MetadataResponse(new MetadataResponseData(), METADATA_VERSION)));
            MetadataResponse firstResponse = raw.receive(first);
            assertTrue(firstResponse.topicMetadata().isEmpty());
            await().atMost(Duration.ofSeconds(10)).until(() -> calls.get() == 2);
            pending.take().complete(ApiResponse.of(new MetadataResponse(new MetadataResponseData(), METADATA_VERSION)));
            MetadataResponse secondResponse = raw.receive(second);
            assertTrue(secondResponse.topicMetadata().isEmpty());
        }
    }

    @Test
    void closeStopsAcceptingButStillAnswersRequestsAlreadyRead() throws Exception {
        BlockingQueue<CompletableFuture<ApiResponse>> pending = new LinkedBlockingQueue<>();
        listener = listen(Long.MAX_VALUE, handler(ApiKeys.METADATA, (header, request) -> {
            CompletableFuture<ApiResponse> later = new CompletableFuture<>();
            pending.add(later);
            return later;
        }));
        int port = listener.address().getPort();
        try (RawKafkaConnection raw = new RawKafkaConnection("127.0.0.1", port)) {
            RequestHeader header = raw.send(MetadataRequest.Builder.allTopics().build(METADATA_VERSION), 1);
            await().atMost(Duration.ofSeconds(10)).until(() -> pending.size() == 1);

            CompletableFuture<Void> closing = CompletableFuture.runAsync(() -> listener.close(Duration.ofSeconds(20)));
            await().atMost(Duration.ofSeconds(10)).until(() -> refusesConnections(port));
            assertFalse(closing.isDone(), "close waits for the request in flight");

            pending.take().complete(ApiResponse.of(new MetadataResponse(new MetadataResponseData(), METADATA_VERSION)));
            MetadataResponse response = raw.receive(header);
            assertTrue(response.topicMetadata().isEmpty());
            closing.get(20, TimeUnit.SECONDS);
        }
    }

    private static boolean refusesConnections(int port) {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            return false;
        } catch (IOException refused) {
            return true;
        }
    }

    @Test
    void aVersionOutsideTheHandlersRangeIsAnsweredWithUnsupportedVersionAndTheConnectionStays() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        listener = listen(Long.MAX_VALUE, handler(ApiKeys.DESCRIBE_CLUSTER, (short) 0, (short) 0, (header, request) -> {
            calls.incrementAndGet();
            return CompletableFuture.completedFuture(ApiResponse.of(
                    new DescribeClusterResponse(new DescribeClusterResponseData().setClusterId("v0"))));
        }));
        try (RawKafkaConnection raw = new RawKafkaConnection("127.0.0.1", listener.address().getPort())) {
            DescribeClusterResponse refused = raw.roundTrip(
                    new DescribeClusterRequest.Builder(new DescribeClusterRequestData()).build((short) 1), 1);
            assertEquals(Errors.UNSUPPORTED_VERSION.code(), refused.data().errorCode());
            DescribeClusterResponse served = raw.roundTrip(
                    new DescribeClusterRequest.Builder(new DescribeClusterRequestData()).build((short) 0), 2);
            assertEquals("v0", served.data().clusterId());
            assertEquals(1, calls.get(), "the handler never saw the refused version");
        }
    }

    @Test
    void theDispatcherRefusesTwoHandlersForOneApiAndRangesKafkaDoesNotKnow() {
        ApiHandler metadata = handler(ApiKeys.METADATA, (header, request) -> null);
        assertThrows(IllegalArgumentException.class, () -> new RequestDispatcher(List.of(metadata, metadata)));
        assertThrows(IllegalArgumentException.class, () -> new RequestDispatcher(List.of(
                handler(ApiKeys.METADATA, (short) 0, (short) (ApiKeys.METADATA.latestVersion(true) + 1), (header, request) -> null))));
    }

    @Test
    void aHandlerFailureIsAnsweredWithTheRequestsErrorResponse() throws Exception {
        listener = listen(Long.MAX_VALUE, handler(ApiKeys.METADATA,
                (header, request) -> CompletableFuture.failedFuture(new IllegalStateException("disk on fire"))));
        try (RawKafkaConnection raw = new RawKafkaConnection("127.0.0.1", listener.address().getPort())) {
            MetadataRequest request = new MetadataRequest.Builder(List.of("t"), false).build(METADATA_VERSION);
            MetadataResponse response = raw.roundTrip(request, 3);
            assertEquals(Errors.UNKNOWN_SERVER_ERROR,
                    response.errors().get("t"));
        }
    }

    private static FetchResponse fetchResponse(FileRecords records) {
        FetchResponseData data = new FetchResponseData().setResponses(List.of(new FetchResponseData.FetchableTopicResponse()
                .setTopic("t")
                .setPartitions(List.of(new FetchResponseData.PartitionData()
                        .setPartitionIndex(0)
                        .setHighWatermark(3)
                        .setLastStableOffset(3)
                        .setLogStartOffset(0)
                        .setRecords(records)))));
        return FetchResponse.of(data);
    }

    private KafkaListener listen(long maxInFlightBytes, ApiHandler... handlers) {
        return KafkaListener.bind(new ListenerSettings("127.0.0.1", 0, 1, 1 << 20, maxInFlightBytes, Long.MAX_VALUE),
                new RequestDispatcher(List.of(handlers)), RequestObserver.NONE);
    }

    private static ApiHandler handler(ApiKeys key,
                                      BiFunction<RequestHeader, AbstractRequest, CompletableFuture<ApiResponse>> body) {
        return handler(key, key.oldestVersion(), key.latestVersion(), body);
    }

    private static ApiHandler handler(ApiKeys key, short min, short max,
                                      BiFunction<RequestHeader, AbstractRequest, CompletableFuture<ApiResponse>> body) {
        return new ApiHandler() {
            @Override
            public ApiKeys apiKey() {
                return key;
            }

            @Override
            public short minVersion() {
                return min;
            }

            @Override
            public short maxVersion() {
                return max;
            }

            @Override
            public CompletableFuture<ApiResponse> handle(RequestHeader header, AbstractRequest request,
                                                         ClientConnection connection) {
                return body.apply(header, request);
            }
        };
    }
}
