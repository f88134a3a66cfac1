package io.spindle.broker.share;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spindle.broker.LocalBroker;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.consumer.AcknowledgeType;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaShareConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.InvalidConfigurationException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Kafka's share-group configs set on a GROUP resource with the Admin client, as kafka-configs.sh does. */
class ShareGroupConfigsTest {
    private static final String TOPIC = "orders";

    @TempDir
    Path dataDir;
    private LocalBroker broker;
    private Admin admin;

    @BeforeEach
    void start() {
        broker = LocalBroker.start(dataDir); // group.share.auto.offset.reset stays latest
        broker.createTopic(TOPIC, 1);
        admin = broker.admin();
    }

    @AfterEach
    void stop() {
        broker.close();
    }

    private void set(String group, String key, String value) throws Exception {
        admin.incrementalAlterConfigs(Map.of(new ConfigResource(ConfigResource.Type.GROUP, group),
                List.of(new AlterConfigOp(new ConfigEntry(key, value), AlterConfigOp.OpType.SET)))).all().get();
    }

    @Test
    void groupThatSetsEarliestReadsRecordsProducedBeforeItFirstFetched() throws Exception {
        set("backfill", "share.auto.offset.reset", "earliest");
        try (KafkaProducer<byte[], byte[]> producer = broker.producer(Map.of())) {
            for (int i = 0; i < 3; i++) {
                producer.send(new ProducerRecord<>(TOPIC, 0, null, new byte[] {(byte) i}));
            }
        }
        try (KafkaShareConsumer<byte[], byte[]> consumer = broker.shareConsumer("backfill",
                Map.of("share.acknowledgement.mode", "explicit"))) {
            consumer.subscribe(List.of(TOPIC));
            List<Long> offsets = new ArrayList<>();
            await().atMost(Duration.ofSeconds(60)).until(() -> {
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                    offsets.add(record.offset());
                    consumer.acknowledge(record, AcknowledgeType.ACCEPT);
                }
                consumer.commitSync();
                return offsets.size() == 3;
            });
            assertEquals(List.of(0L, 1L, 2L), offsets);
        }
    }

    @Test
    void describeConfigsShowsTheGroupsOwnValuesAndTheBrokerDefaults() throws Exception {
        set("described", "share.delivery.count.limit", "3");
        ConfigResource resource = new ConfigResource(ConfigResource.Type.GROUP, "described");
        Config config = admin.describeConfigs(List.of(resource)).all().get().get(resource);
        assertEquals("3", config.get("share.delivery.count.limit").value());
        assertEquals(ConfigEntry.ConfigSource.DYNAMIC_GROUP_CONFIG, config.get("share.delivery.count.limit").source());
        assertEquals("30000", config.get("share.record.lock.duration.ms").value());
        assertEquals(ConfigEntry.ConfigSource.DEFAULT_CONFIG, config.get("share.record.lock.duration.ms").source());
        assertEquals("latest", config.get("share.auto.offset.reset").value());
    }

    @Test
    void badValueAndUnknownConfigAreRefusedNamingThem() {
        ExecutionException bad = assertThrows(ExecutionException.class, () -> set("g", "share.delivery.count.limit", "99"));
        assertInstanceOf(InvalidConfigurationException.class, bad.getCause());
        assertTrue(bad.getCause().getMessage().contains("share.delivery.count.limit"), bad.getCause().getMessage());
        ExecutionException unknown = assertThrows(ExecutionException.class, () -> set("g", "share.nonsense", "1"));
        assertInstanceOf(InvalidConfigurationException.class, unknown.getCause());
        assertTrue(unknown.getCause().getMessage().contains("share.nonsense"), unknown.getCause().getMessage());
    }

    @Test
    void groupConfigsSurviveARestart() throws Exception {
        set("kept", "share.record.lock.duration.ms", "20000");
        broker.restart();
        admin = broker.admin();
        ConfigResource resource = new ConfigResource(ConfigResource.Type.GROUP, "kept");
        Config config = admin.describeConfigs(List.of(resource)).all().get().get(resource);
        assertEquals("20000", config.get("share.record.lock.duration.ms").value());
        assertEquals(20000, broker.broker().shareCoordinator().settingsFor("kept").recordLockDurationMs());
    }

    @Test
    void groupsRecordLockLimitCapsTheRecordsInFlightInAPartition() throws Exception {
        set("capped", "share.auto.offset.reset", "earliest");
        set("capped", "share.partition.max.record.locks", "100");
        try (KafkaProducer<byte[], byte[]> producer = broker.producer(Map.of())) {
            for (int i = 0; i < 250; i++) {
                producer.send(new ProducerRecord<>(TOPIC, 0, null, new byte[] {(byte) i}));
            }
        }
        try (KafkaShareConsumer<byte[], byte[]> consumer = broker.shareConsumer("capped",
                Map.of("share.acknowledgement.mode", "explicit", "max.poll.records", 500))) {
            consumer.subscribe(List.of(TOPIC));
            List<Long> first = new ArrayList<>();
            await().atMost(Duration.ofSeconds(60)).until(() -> {
                consumer.poll(Duration.ofMillis(200)).forEach(record -> first.add(record.offset()));
                return !first.isEmpty();
            });
            assertEquals(100, first.size(), "the window holds 100 records: " + first);
            assertEquals(99L, first.get(first.size() - 1));
            assertEquals(100, broker.broker().shareCoordinator().settingsFor("capped").maxRecordLocks());
        }
        ConfigResource resource = new ConfigResource(ConfigResource.Type.GROUP, "capped");
        assertEquals("100", admin.describeConfigs(List.of(resource)).all().get().get(resource)
                .get("share.partition.max.record.locks").value());
        ExecutionException above = assertThrows(ExecutionException.class,
                () -> set("capped", "share.partition.max.record.locks", "5000"));
        assertInstanceOf(InvalidConfigurationException.class, above.getCause());
        assertTrue(above.getCause().getMessage().contains("group.share.max.partition.max.record.locks"),
                above.getCause().getMessage());
    }
}
