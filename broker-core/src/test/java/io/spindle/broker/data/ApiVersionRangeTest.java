package io.spindle.broker.data;

import static io.spindle.broker.data.KafkaRequests.onlyPartition;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spindle.broker.LocalBroker;
import io.spindle.config.BrokerConfig;
import io.spindle.fixtures.RawKafkaConnection;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.message.FetchResponseData.PartitionData;
import org.apache.kafka.common.message.ListOffsetsRequestData.ListOffsetsPartition;
import org.apache.kafka.common.message.ListOffsetsRequestData.ListOffsetsTopic;
import org.apache.kafka.common.message.ListOffsetsResponseData.ListOffsetsPartitionResponse;
import org.apache.kafka.common.message.ProduceResponseData.PartitionProduceResponse;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.Record;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.apache.kafka.common.requests.FetchResponse;
import org.apache.kafka.common.requests.InitProducerIdResponse;
import org.apache.kafka.common.requests.ListOffsetsRequest;
import org.apache.kafka.common.requests.ListOffsetsResponse;
import org.apache.kafka.common.requests.ProduceResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every version the data-path handlers advertise is answered correctly (older clients such as librdkafka use
 * older versions; each version has its own set of fields in the response).
 */
class ApiVersionRangeTest {
    private static final String TOPIC = "versions";

    @TempDir
    Path dataDir;
    private LocalBroker broker;
    private RawKafkaConnection client;
    private Uuid topicId;

    @BeforeEach
    void start() throws Exception {
        broker = LocalBroker.start(dataDir, Map.of(BrokerConfig.FLUSH_MODE, "fsync"));
        broker.createTopic(TOPIC, 1);
        topicId = broker.broker().topics().topic(TOPIC).orElseThrow().id();
        client = new RawKafkaConnection(broker.host(), broker.port());
    }

    @AfterEach
    void stop() throws Exception {
        client.close();
        broker.close();
    }

    static Stream<Short> produceVersions() {
        return versions(ProduceHandler.MIN_VERSION, ProduceHandler.MAX_VERSION);
    }

    static Stream<Short> fetchVersions() {
        return versions(FetchHandler.MIN_VERSION, FetchHandler.MAX_VERSION);
    }

    static Stream<Short> listOffsetsVersions() {
        return versions(ListOffsetsHandler.MIN_VERSION, ListOffsetsHandler.MAX_VERSION);
    }

    static Stream<Short> initProducerIdVersions() {
        return versions(InitProducerIdHandler.MIN_VERSION, InitProducerIdHandler.MAX_VERSION);
    }

    @ParameterizedTest(name = "Produce v{0}")
    @MethodSource("produceVersions")
    void produceAppendsAndAnswersAtEveryServedVersion(short version) throws Exception {
        MemoryRecords records = batch("first", "second");
        ProduceResponse response = client.roundTrip(version >= 13
                ? KafkaRequests.produceById(topicId, 0, records)
                : KafkaRequests.produce(version, TOPIC, 0, records, (short) -1, null));

        PartitionProduceResponse partition = onlyPartition(response);
        assertEquals(Errors.NONE.code(), partition.errorCode());
        assertEquals(0, partition.baseOffset());
        assertEquals(List.of("first", "second"), fetchValues(KafkaRequests.FETCH_LATEST));
    }

    @ParameterizedTest(name = "Fetch v{0}")
    @MethodSource("fetchVersions")
    void fetchReturnsTheRecordsAtEveryServedVersion(short version) throws Exception {
        client.roundTrip(KafkaRequests.produce(TOPIC, 0, batch("a", "b", "c")));

        assertEquals(List.of("a", "b", "c"), fetchValues(version));
    }

    @ParameterizedTest(name = "ListOffsets v{0}")
    @MethodSource("listOffsetsVersions")
    void listOffsetsAnswersEarliestAndLatestAtEveryServedVersion(short version) throws Exception {
        client.roundTrip(KafkaRequests.produce(TOPIC, 0, batch("a", "b", "c")));

        assertEquals(0, listOffset(version, ListOffsetsRequest.EARLIEST_TIMESTAMP));
        assertEquals(3, listOffset(version, ListOffsetsRequest.LATEST_TIMESTAMP));
    }

    @ParameterizedTest(name = "InitProducerId v{0}")
    @MethodSource("initProducerIdVersions")
    void initProducerIdHandsOutAnIdAtEveryServedVersion(short version) throws Exception {
        InitProducerIdResponse response = client.roundTrip(KafkaRequests.initProducerId(version, null));

        assertEquals(Errors.NONE, response.error());
        assertTrue(response.data().producerId() >= 0);
        assertEquals(0, response.data().producerEpoch());
    }

    private long listOffset(short version, long timestamp) throws Exception {
        List<ListOffsetsTopic> targets = List.of(new ListOffsetsTopic().setName(TOPIC)
                .setPartitions(List.of(new ListOffsetsPartition().setPartitionIndex(0).setTimestamp(timestamp))));
        ListOffsetsResponse response = client.roundTrip(ListOffsetsRequest.Builder
                .forConsumer(false, IsolationLevel.READ_UNCOMMITTED)
                .setTargetTimes(targets)
                .build(version));
        ListOffsetsPartitionResponse partition = response.topics().get(0).partitions().get(0);
        assertEquals(Errors.NONE.code(), partition.errorCode());
        return partition.offset();
    }

    private List<String> fetchValues(short version) throws Exception {
        FetchResponse response = client.roundTrip(KafkaRequests.fetch(version, TOPIC, topicId, 0, 0, 0, 1));
        PartitionData partition = onlyPartition(response);
        assertEquals(Errors.NONE.code(), partition.errorCode());
        List<String> values = new ArrayList<>();
        for (Record record : FetchResponse.recordsOrFail(partition).records()) {
            values.add(StandardCharsets.UTF_8.decode(record.value()).toString());
        }
        assertEquals(values.size(), partition.highWatermark());
        return values;
    }

    private static MemoryRecords batch(String... values) {
        SimpleRecord[] records = new SimpleRecord[values.length];
        for (int i = 0; i < values.length; i++) {
            records[i] = new SimpleRecord(values[i].getBytes(StandardCharsets.UTF_8));
        }
        return MemoryRecords.withRecords(Compression.NONE, records);
    }

    private static Stream<Short> versions(short min, short max) {
        return IntStream.rangeClosed(min, max).mapToObj(v -> (short) v);
    }
}
