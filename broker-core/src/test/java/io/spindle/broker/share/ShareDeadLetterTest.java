package io.spindle.broker.share;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spindle.broker.LocalBroker;
import io.spindle.config.BrokerConfig;
import io.spindle.config.ShareSettings;
import io.spindle.share.RecordState;
import io.spindle.share.SharePartition;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.consumer.AcknowledgeType;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.KafkaShareConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Dead letters with kafka-clients' {@link KafkaShareConsumer}: a record a consumer rejects, or one released at the
 * delivery count limit, is copied to the group's dead-letter topic with headers naming where it came from and why,
 * and only then archived.
 */
class ShareDeadLetterTest {
    private static final String TOPIC = "jobs";
    private static final String GROUP = "workers";
    private static final Duration WAIT = Duration.ofSeconds(60);

    @TempDir
    Path dataDir;
    private LocalBroker broker;

    @BeforeEach
    void start() throws Exception {
        broker = LocalBroker.start(dataDir, Map.of(BrokerConfig.GROUP_SHARE_AUTO_OFFSET_RESET, "earliest"));
        broker.createTopic(TOPIC, 1);
        broker.closeWithBroker(broker.admin()).incrementalAlterConfigs(Map.of(
                new ConfigResource(ConfigResource.Type.GROUP, GROUP), List.of(
                        new AlterConfigOp(new ConfigEntry(ShareSettings.DEAD_LETTER_TOPIC, "{topic}.dlq"),
                                AlterConfigOp.OpType.SET),
                        new AlterConfigOp(new ConfigEntry("share.delivery.count.limit", "2"),
                                AlterConfigOp.OpType.SET)))).all().get();
    }

    @AfterEach
    void stop() {
        broker.close();
    }

    private void produce(int count) throws Exception {
        try (KafkaProducer<byte[], byte[]> producer = broker.producer(Map.of("linger.ms", 0))) {
            for (int i = 0; i < count; i++) {
                producer.send(new ProducerRecord<>(TOPIC, 0, bytes("key-" + i), bytes("job-" + i),
                        List.<Header>of(new RecordHeader("trace", bytes("t-" + i)))));
            }
            producer.flush();
        }
    }

    private KafkaShareConsumer<byte[], byte[]> consumer() {
        KafkaShareConsumer<byte[], byte[]> consumer = broker.closeWithBroker(broker.shareConsumer(GROUP, Map.of(
                "share.acknowledgement.mode", "explicit")));
        consumer.subscribe(List.of(TOPIC));
        return consumer;
    }

    /** Polls, acknowledging each record as {@code decide} says, until {@code done}. */
    private static void consume(KafkaShareConsumer<byte[], byte[]> consumer,
                                java.util.function.Function<ConsumerRecord<byte[], byte[]>, AcknowledgeType> decide,
                                java.util.function.BooleanSupplier done) {
        await().atMost(WAIT).until(() -> {
            for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(100))) {
                consumer.acknowledge(record, decide.apply(record));
            }
            consumer.commitSync();
            return done.getAsBoolean();
        });
    }

    private List<ConsumerRecord<byte[], byte[]>> deadLetters(int expected) {
        List<ConsumerRecord<byte[], byte[]>> read = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> reader = broker.consumer(Map.of())) {
            reader.assign(List.of(new TopicPartition(TOPIC + ".dlq", 0)));
            reader.seekToBeginning(reader.assignment());
            await().atMost(WAIT).until(() -> {
                reader.poll(Duration.ofMillis(100)).forEach(read::add);
                return read.size() >= expected;
            });
        }
        return read;
    }

    private static Map<String, String> headers(ConsumerRecord<byte[], byte[]> record) {
        Map<String, String> headers = new TreeMap<>();
        for (Header header : record.headers()) {
            headers.put(header.key(), new String(header.value(), StandardCharsets.UTF_8));
        }
        return headers;
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static String text(byte[] bytes) {
        return new String(bytes, StandardCharsets.UTF_8);
    }

    private RecordState state(long offset) {
        var topicId = broker.broker().topics().topic(TOPIC).orElseThrow().id();
        SharePartition partition = broker.broker().shareCoordinator().existing(GROUP, topicId, 0);
        synchronized (partition) {
            return partition.stateOf(offset);
        }
    }

    @Test
    void rejectedRecordIsCopiedWithItsOriginAndReasonThenArchived() throws Exception {
        produce(3);
        KafkaShareConsumer<byte[], byte[]> consumer = consumer();
        List<Long> seen = new ArrayList<>();
        consume(consumer, record -> {
            seen.add(record.offset());
            return record.offset() == 1 ? AcknowledgeType.REJECT : AcknowledgeType.ACCEPT;
        }, () -> seen.size() >= 3);

        List<ConsumerRecord<byte[], byte[]>> dead = deadLetters(1);
        assertEquals(1, dead.size());
        ConsumerRecord<byte[], byte[]> letter = dead.get(0);
        assertEquals("key-1", text(letter.key()));
        assertEquals("job-1", text(letter.value()));
        Map<String, String> headers = headers(letter);
        assertEquals("t-1", headers.get("trace"), "the record's own headers are kept");
        assertEquals(TOPIC, headers.get("spindle.dlq.topic"));
        assertEquals("0", headers.get("spindle.dlq.partition"));
        assertEquals("1", headers.get("spindle.dlq.offset"));
        assertEquals(GROUP, headers.get("spindle.dlq.group"));
        assertEquals("1", headers.get("spindle.dlq.delivery.count"));
        assertEquals("rejected", headers.get("spindle.dlq.reason"));
        assertTrue(headers.containsKey("spindle.dlq.timestamp"));
        await().atMost(WAIT).until(() -> state(1) == RecordState.ACKNOWLEDGED); // below the window: done
        assertEquals(1, broker.broker().shareCoordinator().deadLettered(GROUP));
    }

    @Test
    void recordReleasedAtTheDeliveryLimitIsCopiedWithThatReason() throws Exception {
        produce(1);
        KafkaShareConsumer<byte[], byte[]> consumer = consumer();
        List<Short> deliveries = new ArrayList<>();
        consume(consumer, record -> {
            deliveries.add(record.deliveryCount().orElseThrow());
            return AcknowledgeType.RELEASE;
        }, () -> deliveries.size() >= 2);

        ConsumerRecord<byte[], byte[]> letter = deadLetters(1).get(0);
        assertEquals("job-0", text(letter.value()));
        assertEquals("delivery-limit", headers(letter).get("spindle.dlq.reason"));
        assertEquals("2", headers(letter).get("spindle.dlq.delivery.count"));
        assertEquals(List.of((short) 1, (short) 2), deliveries);
    }

    @Test
    void deadLettersOfATopicMayNotGoToThatTopicAndWaitUntilTheGroupNamesAnother() throws Exception {
        broker.closeWithBroker(broker.admin()).incrementalAlterConfigs(Map.of(
                new ConfigResource(ConfigResource.Type.GROUP, GROUP), List.of(new AlterConfigOp(
                        new ConfigEntry(ShareSettings.DEAD_LETTER_TOPIC, TOPIC), AlterConfigOp.OpType.SET))))
                .all().get();
        produce(1);
        KafkaShareConsumer<byte[], byte[]> consumer = consumer();
        List<Long> seen = new ArrayList<>();
        consume(consumer, record -> {
            seen.add(record.offset());
            return AcknowledgeType.REJECT;
        }, () -> !seen.isEmpty());
        assertEquals(RecordState.DEAD_LETTERING, state(0), "not archived while it cannot be copied");

        broker.closeWithBroker(broker.admin()).incrementalAlterConfigs(Map.of(
                new ConfigResource(ConfigResource.Type.GROUP, GROUP), List.of(new AlterConfigOp(
                        new ConfigEntry(ShareSettings.DEAD_LETTER_TOPIC, "{topic}.dlq"), AlterConfigOp.OpType.SET))))
                .all().get();
        assertEquals("job-0", text(deadLetters(1).get(0).value()));
        await().atMost(WAIT).until(() -> state(0) == RecordState.ACKNOWLEDGED);
        assertEquals(List.of(0L), seen, "never delivered again");
    }
}
