package io.spindle.broker.fault;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.util.ResourceLeakDetector;
import io.spindle.broker.LocalBroker;
import io.spindle.fixtures.RawKafkaConnection;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.errors.UnsupportedVersionException;
import org.apache.kafka.common.message.ApiMessageType;
import org.apache.kafka.common.message.ApiVersionsResponseData.ApiVersion;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.ListOffsetsRequestData;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.MessageUtil;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.apache.kafka.common.requests.ApiVersionsRequest;
import org.apache.kafka.common.requests.ApiVersionsResponse;
import org.apache.kafka.common.requests.RequestHeader;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Mutated requests of every API and version the broker advertises in ApiVersions, sent on raw sockets: valid
 * requests serialized by kafka-clients, then bit flips, truncation, a wrong length prefix or a field overwritten
 * with a boundary value (seeded). The broker never dies, a well-formed client (Admin, idempotent producer) keeps
 * being served throughout, and Netty's leak detector at PARANOID level (every buffer tracked) reports no leak.
 *
 * <p>Short run in the default suite; long: {@code mvn -o -pl broker-core verify -Plong -Dtest=FuzzTest}.
 */
class FuzzTest {
    private static final String TOPIC = "fuzzed";

    @TempDir
    Path dataDir;

    @Test
    void mutatedRequestsOfEveryApiNeitherKillTheBrokerNorLeakNorStarveAWellFormedClient() throws Exception {
        fuzz(3_000, 20261129L);
    }

    @Test
    @Tag("long")
    void fiftyThousandMutatedRequestsNeitherKillTheBrokerNorLeakNorStarveAWellFormedClient() throws Exception {
        fuzz(50_000, 99L);
    }

    private void fuzz(int requests, long seed) throws Exception {
        ResourceLeakDetector.Level level = ResourceLeakDetector.getLevel();
        ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.PARANOID);
        assertLeakDetectorReportsIntoTheCapturedLog();
        try (CapturedStderr log = new CapturedStderr();
             LocalBroker broker = LocalBroker.start(dataDir, Map.of("socket.request.max.bytes", "1048576"))) {
            Admin admin = broker.admin();
            Uuid topicId = admin.createTopics(List.of(new NewTopic(TOPIC, 2, (short) 1))).topicId(TOPIC).get();
            KafkaProducer<byte[], byte[]> producer = broker.closeWithBroker(producer(broker));
            List<byte[]> seeds = validRequests(broker, topicId);
            Random random = new Random(seed);
            long answered = 0;
            for (int i = 0; i < requests; i++) {
                byte[] frame = mutate(seeds.get(random.nextInt(seeds.size())), random);
                answered += sendAndReadUntilClosed(broker.port(), frame);
                if (i % 500 == 0) {
                    assertWellFormedClientIsServed(admin, producer, i);
                }
            }
            assertWellFormedClientIsServed(admin, producer, requests);
            assertTrue(answered > 0, "no mutated request was ever answered: the mutations never got past parsing");
            // Leaks are reported when a leaked buffer has been collected and a later buffer is tracked.
            for (int round = 0; round < 5; round++) {
                System.gc();
                System.runFinalization();
                assertWellFormedClientIsServed(admin, producer, requests + round);
                for (int i = 0; i < 20; i++) {
                    sendAndReadUntilClosed(broker.port(), seeds.get(i % seeds.size()));
                }
            }
            assertFalse(log.text().contains("LEAK:"), "Netty reported a leak:\n" + leakReport(log.text()));
        } finally {
            ResourceLeakDetector.setLevel(level);
        }
    }

    /** The canary: a buffer dropped unreleased shows up as "LEAK:" in the captured log, so a silent log means no leak. */
    private static void assertLeakDetectorReportsIntoTheCapturedLog() {
        try (CapturedStderr log = new CapturedStderr()) {
            io.netty.buffer.PooledByteBufAllocator.DEFAULT.directBuffer(64).writeLong(1); // never released
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(20)).until(() -> {
                System.gc();
                io.netty.buffer.PooledByteBufAllocator.DEFAULT.directBuffer(64).release();
                return log.text().contains("LEAK:");
            });
        }
    }

    private static String leakReport(String log) {
        int at = log.indexOf("LEAK:");
        return log.substring(Math.max(0, at - 200), Math.min(log.length(), at + 3000));
    }

    private static KafkaProducer<byte[], byte[]> producer(LocalBroker broker) {
        Properties p = broker.clientProperties();
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        return new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
    }

    private static void assertWellFormedClientIsServed(Admin admin, KafkaProducer<byte[], byte[]> producer, int after)
            throws Exception {
        assertTrue(admin.listTopics().names().get(30, TimeUnit.SECONDS).contains(TOPIC),
                "Admin not served after " + after + " mutated requests");
        long offset = producer.send(new ProducerRecord<>(TOPIC, 0, ("after-" + after).getBytes(), new byte[10]))
                .get(30, TimeUnit.SECONDS).offset();
        assertTrue(offset >= 0);
    }

    /** A valid frame (length prefix, header, body) of every API and version the broker advertises. */
    private static List<byte[]> validRequests(LocalBroker broker, Uuid topicId) throws IOException {
        List<ApiVersion> apis;
        try (RawKafkaConnection raw = RawKafkaConnection.to(broker.bootstrapServers())) {
            ApiVersionsResponse response = raw.roundTrip(new ApiVersionsRequest.Builder().build((short) 3), 1);
            apis = List.copyOf(response.data().apiKeys());
        }
        assertTrue(apis.size() > 10, "ApiVersions lists only " + apis.size() + " APIs");
        List<byte[]> frames = new ArrayList<>();
        int unserializable = 0;
        for (ApiVersion api : apis) {
            ApiKeys key = ApiKeys.forId(api.apiKey());
            for (short v = api.minVersion(); v <= api.maxVersion(); v++) {
                for (ApiMessage message : List.of(ApiMessageType.fromApiKey(key.id).newRequest(), richRequest(key, topicId))) {
                    try {
                        frames.add(frame(key, v, message));
                    } catch (UnsupportedVersionException e) {
                        unserializable++; // a default field this version cannot carry: that message is skipped
                    }
                }
            }
        }
        assertTrue(frames.size() > apis.size(), frames.size() + " valid requests, " + unserializable + " skipped");
        return frames;
    }

    /** A request that reaches past parsing into the handler: real topic, records, offsets. */
    private static ApiMessage richRequest(ApiKeys key, Uuid topicId) {
        switch (key) {
            case PRODUCE: {
                MemoryRecords records = MemoryRecords.withRecords(Compression.NONE,
                        new SimpleRecord("k".getBytes(), "fuzz".getBytes()), new SimpleRecord("k2".getBytes(), "v".getBytes()));
                ProduceRequestData.TopicProduceData topic = new ProduceRequestData.TopicProduceData().setName(TOPIC)
                        .setTopicId(topicId)
                        .setPartitionData(List.of(new ProduceRequestData.PartitionProduceData().setIndex(1).setRecords(records)));
                return new ProduceRequestData().setAcks((short) -1).setTimeoutMs(5000)
                        .setTopicData(new ProduceRequestData.TopicProduceDataCollection(List.of(topic).iterator()));
            }
            case FETCH:
                return new FetchRequestData().setMaxWaitMs(10).setMinBytes(1).setMaxBytes(1 << 20)
                        .setTopics(List.of(new FetchRequestData.FetchTopic().setTopic(TOPIC).setTopicId(topicId)
                                .setPartitions(List.of(new FetchRequestData.FetchPartition().setPartition(1)
                                        .setFetchOffset(0).setPartitionMaxBytes(1 << 20)))));
            case METADATA:
                return new MetadataRequestData().setTopics(List.of(new MetadataRequestData.MetadataRequestTopic()
                        .setName(TOPIC).setTopicId(topicId)));
            case LIST_OFFSETS:
                return new ListOffsetsRequestData().setReplicaId(-1).setTopics(List.of(new ListOffsetsRequestData.ListOffsetsTopic()
                        .setName(TOPIC).setPartitions(List.of(new ListOffsetsRequestData.ListOffsetsPartition()
                                .setPartitionIndex(1).setTimestamp(-1)))));
            default:
                return ApiMessageType.fromApiKey(key.id).newRequest();
        }
    }

    private static byte[] frame(ApiKeys key, short version, ApiMessage body) {
        RequestHeader header = new RequestHeader(key, version, "fuzz", 7);
        ByteBuffer h = MessageUtil.toByteBufferAccessor(header.data(), header.headerVersion()).buffer();
        ByteBuffer b = MessageUtil.toByteBufferAccessor(body, version).buffer();
        ByteBuffer frame = ByteBuffer.allocate(4 + h.remaining() + b.remaining());
        frame.putInt(h.remaining() + b.remaining()).put(h).put(b);
        return frame.array();
    }

    /** One seeded mutation of a valid frame. */
    static byte[] mutate(byte[] valid, Random random) {
        byte[] frame = valid.clone();
        int bodyLength = frame.length - 4;
        switch (random.nextInt(5)) {
            case 0 -> { // bit flips in header or body
                int flips = 1 + random.nextInt(8);
                for (int i = 0; i < flips; i++) {
                    int at = 4 + random.nextInt(bodyLength);
                    frame[at] ^= (byte) (1 << random.nextInt(8));
                }
            }
            case 1 -> { // truncation, the length prefix telling the truth
                int keep = random.nextInt(bodyLength);
                byte[] cut = new byte[4 + keep];
                System.arraycopy(frame, 0, cut, 0, cut.length);
                ByteBuffer.wrap(cut).putInt(0, keep);
                return cut;
            }
            case 2 -> { // a length prefix that lies
                int[] lies = {0, 1, bodyLength - 1, bodyLength + 1, bodyLength * 2, -1, Integer.MAX_VALUE, 1 << 20};
                ByteBuffer.wrap(frame).putInt(0, lies[random.nextInt(lies.length)]);
            }
            case 3 -> { // a field overwritten with a boundary value (lengths, counts, ids, offsets)
                int[] values = {0, -1, 1, Integer.MAX_VALUE, Integer.MIN_VALUE, 0x7FFF, 0xFFFF, 0x80};
                int width = random.nextBoolean() ? 4 : 2;
                if (bodyLength > width) {
                    int at = 4 + random.nextInt(bodyLength - width + 1);
                    int value = values[random.nextInt(values.length)];
                    if (width == 4) {
                        ByteBuffer.wrap(frame).putInt(at, value);
                    } else {
                        ByteBuffer.wrap(frame).putShort(at, (short) value);
                    }
                }
            }
            default -> { // random bytes in a random stretch
                int at = 4 + random.nextInt(bodyLength);
                int length = Math.min(1 + random.nextInt(16), frame.length - at);
                byte[] noise = new byte[length];
                random.nextBytes(noise);
                System.arraycopy(noise, 0, frame, at, length);
            }
        }
        return frame;
    }

    /**
     * Sends a frame on a new connection, half-closes it and reads until the broker closes it; returns 1 if any
     * response byte came back. The broker closes a connection whose input ended, so this never waits long.
     */
    private static int sendAndReadUntilClosed(int port, byte[] frame) throws IOException {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write(frame);
            out.flush();
            socket.shutdownOutput();
            InputStream in = socket.getInputStream();
            byte[] buffer = new byte[8192];
            int total = 0;
            try {
                int n;
                while ((n = in.read(buffer)) >= 0) {
                    total += n;
                }
            } catch (SocketException reset) {
                // The broker reset the connection: a closed connection is an answer to garbage.
            } catch (SocketTimeoutException e) {
                throw new AssertionError("the broker neither answered nor closed a connection within 10 s", e);
            }
            return total > 0 ? 1 : 0;
        }
    }
}
