package io.spindle.broker.fault;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spindle.fixtures.CrashFs;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.AcknowledgeType;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaShareConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * Share-group state across a power loss: the broker (a child JVM on {@link CrashFs}, which forgets every write that
 * was not forced) is killed and the power cut after a share consumer accepted some records and held others. Records
 * whose acceptance was acknowledged to the consumer are never delivered again; the held ones come back with their
 * delivery count kept. Skipped without root, /dev/fuse, gcc or libfuse3-dev.
 */
class SharePowerLossTest {
    private static final String TOPIC = "jobs";
    private static final Duration WAIT = Duration.ofSeconds(60);

    @TempDir(cleanup = CleanupMode.ON_SUCCESS)
    Path work;

    private static KafkaShareConsumer<byte[], byte[]> consumer(BrokerProcess broker) {
        KafkaShareConsumer<byte[], byte[]> consumer = new KafkaShareConsumer<>(Map.of(
                "bootstrap.servers", broker.bootstrapServers(), "group.id", "workers",
                "share.acknowledgement.mode", "explicit", "max.poll.records", 20),
                new ByteArrayDeserializer(), new ByteArrayDeserializer());
        consumer.subscribe(List.of(TOPIC));
        return consumer;
    }

    @Test
    void acceptedRecordsStayAcceptedAndHeldOnesComeBackAfterAPowerCut() throws Exception {
        try (CrashFs disk = CrashFs.requireAvailable(work).mount();
             BrokerProcess broker = new BrokerProcess(disk.root().resolve("data"), work,
                     Map.of("group.share.auto.offset.reset", "earliest"))) {
            broker.start();
            try (Admin admin = Admin.create(Map.of("bootstrap.servers", broker.bootstrapServers()))) {
                admin.createTopics(List.of(new NewTopic(TOPIC, 1, (short) 1))).all().get();
            }
            try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of(
                    "bootstrap.servers", broker.bootstrapServers(), "acks", "all"),
                    new ByteArraySerializer(), new ByteArraySerializer())) {
                for (int i = 0; i < 20; i++) {
                    producer.send(new ProducerRecord<>(TOPIC, 0, null, new byte[] {(byte) i}));
                }
                producer.flush();
            }

            KafkaShareConsumer<byte[], byte[]> before = consumer(broker);
            List<ConsumerRecord<byte[], byte[]>> got = new ArrayList<>();
            await().atMost(WAIT).until(() -> {
                before.poll(Duration.ofMillis(200)).forEach(got::add);
                return got.size() == 20;
            });
            for (ConsumerRecord<byte[], byte[]> record : got.subList(0, 10)) {
                before.acknowledge(record, AcknowledgeType.ACCEPT);
            }
            assertTrue(before.commitSync().values().stream().allMatch(result -> result.isEmpty()),
                    "the broker acknowledged the accepts");

            broker.kill();
            before.close(Duration.ofMillis(500)); // nothing it says reaches the broker any more
            disk.powerCut();
            disk.mount();
            broker.start();

            try (KafkaShareConsumer<byte[], byte[]> after = consumer(broker)) {
                Map<Long, Short> redelivered = new TreeMap<>();
                await().atMost(WAIT).until(() -> {
                    for (ConsumerRecord<byte[], byte[]> record : after.poll(Duration.ofMillis(200))) {
                        redelivered.put(record.offset(), record.deliveryCount().orElseThrow());
                        after.acknowledge(record, AcknowledgeType.ACCEPT);
                    }
                    after.commitSync();
                    return redelivered.size() >= 10;
                });
                Map<Long, Short> expected = new TreeMap<>();
                for (long offset = 10; offset < 20; offset++) {
                    expected.put(offset, (short) 2);
                }
                assertEquals(expected, redelivered);
            }
            broker.kill();
        }
    }
}
