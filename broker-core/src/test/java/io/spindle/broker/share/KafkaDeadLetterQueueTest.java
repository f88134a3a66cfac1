package io.spindle.broker.share;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spindle.broker.LocalBroker;
import io.spindle.config.BrokerConfig;
import io.spindle.config.ShareDeadLetterQueue;
import io.spindle.config.ShareSettings;
import io.spindle.config.TopicConfig;
import io.spindle.share.RecordState;
import io.spindle.share.SharePartition;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.AcknowledgeType;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.KafkaShareConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.InvalidConfigurationException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kafka 4.4's share-group dead-letter queues (KIP-1191) with kafka-clients: the group config
 * errors.deadletterqueue.topic.name set through Admin, a {@link KafkaShareConsumer} rejecting a record, and a plain
 * {@link KafkaConsumer} reading the queue topic.
 */
class KafkaDeadLetterQueueTest {
    private static final String TOPIC = "jobs";
    private static final String GROUP = "workers";
    private static final String QUEUE = "dlq.jobs";
    private static final Duration WAIT = Duration.ofSeconds(60);

    @TempDir
    Path dataDir;
    private LocalBroker broker;
    private Admin admin;

    private void start(Map<String, String> brokerSettings) {
        Map<String, String> settings = new HashMap<>(brokerSettings);
        settings.put(BrokerConfig.GROUP_SHARE_AUTO_OFFSET_RESET, "earliest");
        broker = LocalBroker.start(dataDir, settings);
        broker.createTopic(TOPIC, 1);
        admin = broker.closeWithBroker(broker.admin());
    }

    @AfterEach
    void stop() {
        if (broker != null) {
            broker.close();
        }
    }

    private void setGroupConfigs(Map<String, String> configs) throws Exception {
        List<AlterConfigOp> ops = new ArrayList<>();
        configs.forEach((name, value) -> ops.add(new AlterConfigOp(new ConfigEntry(name, value),
                AlterConfigOp.OpType.SET)));
        admin.incrementalAlterConfigs(Map.of(new ConfigResource(ConfigResource.Type.GROUP, GROUP), ops)).all().get();
    }

    private void createQueue(boolean optIn) throws Exception {
        NewTopic queue = new NewTopic(QUEUE, 1, (short) 1);
        if (optIn) {
            queue.configs(Map.of(TopicConfig.ERRORS_DEADLETTERQUEUE_GROUP_ENABLE, "true"));
        }
        admin.createTopics(List.of(queue)).all().get();
    }

    /** Produces job-0 and job-1 (keyed, with a trace header); the share consumer rejects job-1, accepts job-0. */
    private void produceAndRejectSecond() throws Exception {
        try (KafkaProducer<byte[], byte[]> producer = broker.producer(Map.of("linger.ms", 0))) {
            for (int i = 0; i < 2; i++) {
                producer.send(new ProducerRecord<>(TOPIC, 0, bytes("key-" + i), bytes("job-" + i),
                        List.<Header>of(new RecordHeader("trace", bytes("t-" + i)))));
            }
            producer.flush();
        }
        KafkaShareConsumer<byte[], byte[]> consumer = broker.closeWithBroker(broker.shareConsumer(GROUP, Map.of(
                "share.acknowledgement.mode", "explicit")));
        consumer.subscribe(List.of(TOPIC));
        List<Long> seen = new ArrayList<>();
        await().atMost(WAIT).until(() -> {
            for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(100))) {
                seen.add(record.offset());
                consumer.acknowledge(record, record.offset() == 1 ? AcknowledgeType.REJECT : AcknowledgeType.ACCEPT);
            }
            consumer.commitSync();
            return seen.size() >= 2;
        });
        await().atMost(WAIT).until(() -> state(1) == RecordState.ACKNOWLEDGED);
    }

    private List<ConsumerRecord<byte[], byte[]>> read(String topic, int expected) {
        List<ConsumerRecord<byte[], byte[]>> read = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> reader = broker.consumer(Map.of())) {
            reader.assign(List.of(new TopicPartition(topic, 0)));
            reader.seekToBeginning(reader.assignment());
            await().atMost(WAIT).until(() -> {
                reader.poll(Duration.ofMillis(100)).forEach(read::add);
                return read.size() >= expected;
            });
        }
        return read;
    }

    private RecordState state(long offset) {
        var topicId = broker.broker().topics().topic(TOPIC).orElseThrow().id();
        SharePartition partition = broker.broker().shareCoordinator().existing(GROUP, topicId, 0);
        if (partition == null) {
            return null;
        }
        synchronized (partition) {
            return partition.stateOf(offset);
        }
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

    private static void assertKafkaHeaders(Map<String, String> headers) {
        assertEquals(TOPIC, headers.get("__dlq.errors.topic"));
        assertEquals("0", headers.get("__dlq.errors.partition"));
        assertEquals("1", headers.get("__dlq.errors.offset"));
        assertEquals(GROUP, headers.get("__dlq.errors.group"));
        assertEquals("1", headers.get("__dlq.errors.delivery.count"));
        assertTrue(headers.get("__dlq.errors.message").contains("Rejected"), headers.toString());
    }

    @Test
    void byDefaultTheDeadLetterCarriesOnlyHeadersAndKafkasQueueWinsOverSpindlesTopic() throws Exception {
        start(Map.of());
        createQueue(true);
        setGroupConfigs(Map.of(ShareDeadLetterQueue.TOPIC_NAME, QUEUE,
                ShareSettings.DEAD_LETTER_TOPIC, "{topic}.spindle"));
        produceAndRejectSecond();

        List<ConsumerRecord<byte[], byte[]>> letters = read(QUEUE, 1);
        assertEquals(1, letters.size());
        ConsumerRecord<byte[], byte[]> letter = letters.get(0);
        assertNull(letter.key(), "copy.record.enable is false: no key");
        assertNull(letter.value(), "copy.record.enable is false: no value");
        Map<String, String> headers = headers(letter);
        assertKafkaHeaders(headers);
        assertFalse(headers.containsKey("trace"), "the record's own headers are not copied");
        assertEquals("rejected", headers.get("spindle.dlq.reason"));
        assertTrue(broker.broker().topics().topic(TOPIC + ".spindle").isEmpty(), "Spindle's topic is not used");
        assertEquals(1, broker.broker().shareCoordinator().deadLettered(GROUP));
    }

    @Test
    void copyRecordEnableCopiesKeyValueAndHeadersToATopicThatOptedInThroughAlterConfigs() throws Exception {
        start(Map.of());
        createQueue(false);
        admin.incrementalAlterConfigs(Map.of(new ConfigResource(ConfigResource.Type.TOPIC, QUEUE), List.of(
                new AlterConfigOp(new ConfigEntry(TopicConfig.ERRORS_DEADLETTERQUEUE_GROUP_ENABLE, "true"),
                        AlterConfigOp.OpType.SET)))).all().get();
        setGroupConfigs(Map.of(ShareDeadLetterQueue.TOPIC_NAME, QUEUE,
                ShareDeadLetterQueue.COPY_RECORD_ENABLE, "true"));
        produceAndRejectSecond();

        ConsumerRecord<byte[], byte[]> letter = read(QUEUE, 1).get(0);
        assertEquals("key-1", new String(letter.key(), StandardCharsets.UTF_8));
        assertEquals("job-1", new String(letter.value(), StandardCharsets.UTF_8));
        Map<String, String> headers = headers(letter);
        assertEquals("t-1", headers.get("trace"));
        assertKafkaHeaders(headers);
    }

    @Test
    void namesWithoutThePrefixOrStartingWithTwoUnderscoresAreRefused() throws Exception {
        start(Map.of());
        ExecutionException noPrefix = assertThrows(ExecutionException.class,
                () -> setGroupConfigs(Map.of(ShareDeadLetterQueue.TOPIC_NAME, "jobs.dlq")));
        assertInstanceOf(InvalidConfigurationException.class, noPrefix.getCause());
        assertTrue(noPrefix.getCause().getMessage().contains(ShareDeadLetterQueue.TOPIC_NAME_PREFIX),
                noPrefix.getCause().getMessage());

        ExecutionException internal = assertThrows(ExecutionException.class,
                () -> setGroupConfigs(Map.of(ShareDeadLetterQueue.TOPIC_NAME, "__dlq.jobs")));
        assertInstanceOf(InvalidConfigurationException.class, internal.getCause());
        assertTrue(internal.getCause().getMessage().contains("'__'"), internal.getCause().getMessage());
        assertTrue(broker.broker().shareCoordinator().groupConfigs(GROUP).isEmpty(), "nothing was set");
    }

    @Test
    void aTopicThatDidNotOptInGetsNothingAndTheRecordIsArchivedAndCounted() throws Exception {
        start(Map.of());
        createQueue(false);
        setGroupConfigs(Map.of(ShareDeadLetterQueue.TOPIC_NAME, QUEUE));
        produceAndRejectSecond();

        await().atMost(WAIT).until(() -> broker.broker().shareCoordinator().deadLettersNotWritten(GROUP) == 1);
        assertEquals(0, broker.broker().shareCoordinator().deadLettered(GROUP));
        assertEquals(0, broker.broker().partitions().get(QUEUE, 0).orElseThrow().highWatermark());
    }

    @Test
    void withAutoCreateAMissingQueueTopicIsCreatedOptedIn() throws Exception {
        start(Map.of(ShareDeadLetterQueue.AUTO_CREATE_TOPICS_ENABLE, "true", ShareDeadLetterQueue.TOPIC_NAME_PREFIX,
                "dlq."));
        setGroupConfigs(Map.of(ShareDeadLetterQueue.TOPIC_NAME, QUEUE));
        produceAndRejectSecond();

        assertKafkaHeaders(headers(read(QUEUE, 1).get(0)));
        assertTrue(broker.broker().topics().topic(QUEUE).orElseThrow().config().deadLetterQueueGroupEnable());
    }
}
