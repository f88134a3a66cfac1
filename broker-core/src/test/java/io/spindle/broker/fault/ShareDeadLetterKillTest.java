package io.spindle.broker.fault;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.AcknowledgeType;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.KafkaShareConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A record rejected but not yet copied to the dead-letter topic when the broker is killed (SIGKILL) is copied when it
 * starts again, not lost and not delivered again. The first broker cannot copy it (its dead-letter topic is the
 * record's own topic, which is refused), so the kill surely falls between the reject and the copy; the second
 * broker, on the same data, names a dead-letter topic it can write.
 */
class ShareDeadLetterKillTest {
    private static final String TOPIC = "jobs";
    private static final Duration WAIT = Duration.ofSeconds(60);

    @TempDir
    Path work;

    @Test
    void recordRejectedBeforeAKillIsDeadLetteredAtTheNextStart() throws Exception {
        Path data = work.resolve("data");
        Path first = Files.createDirectories(work.resolve("first"));
        Path second = Files.createDirectories(work.resolve("second"));
        List<Long> delivered = new ArrayList<>();
        try (BrokerProcess broker = new BrokerProcess(data, first, Map.of("group.share.auto.offset.reset", "earliest",
                "group.share.dead.letter.topic", TOPIC))) {
            broker.start();
            try (Admin admin = Admin.create(Map.of("bootstrap.servers", broker.bootstrapServers()))) {
                admin.createTopics(List.of(new NewTopic(TOPIC, 1, (short) 1))).all().get();
            }
            try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of(
                    "bootstrap.servers", broker.bootstrapServers(), "acks", "all"),
                    new ByteArraySerializer(), new ByteArraySerializer())) {
                producer.send(new ProducerRecord<>(TOPIC, 0, null, "poison".getBytes(StandardCharsets.UTF_8))).get();
            }
            KafkaShareConsumer<byte[], byte[]> consumer = consumer(broker);
            await().atMost(WAIT).until(() -> {
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(100))) {
                    delivered.add(record.offset());
                    consumer.acknowledge(record, AcknowledgeType.REJECT);
                }
                consumer.commitSync();
                return !delivered.isEmpty();
            });
            broker.kill();
            consumer.close(Duration.ofMillis(500));
        }
        try (BrokerProcess broker = new BrokerProcess(data, second, Map.of("group.share.auto.offset.reset", "earliest",
                "group.share.dead.letter.topic", "{topic}.dlq"))) {
            broker.start();
            List<String> letters = new ArrayList<>();
            try (KafkaConsumer<byte[], byte[]> reader = new KafkaConsumer<>(Map.of(
                    "bootstrap.servers", broker.bootstrapServers(), "auto.offset.reset", "earliest"),
                    new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
                await().atMost(WAIT).until(() -> {
                    if (reader.assignment().isEmpty() && !reader.partitionsFor(TOPIC + ".dlq").isEmpty()) {
                        reader.assign(List.of(new TopicPartition(TOPIC + ".dlq", 0)));
                    }
                    if (!reader.assignment().isEmpty()) {
                        reader.poll(Duration.ofMillis(100)).forEach(r -> letters.add(new String(r.value(),
                                StandardCharsets.UTF_8)));
                    }
                    return !letters.isEmpty();
                });
            }
            assertEquals(List.of("poison"), letters);
            try (KafkaShareConsumer<byte[], byte[]> consumer = consumer(broker)) {
                // Nothing comes back to the group: a record after the dead letter marks where the group stands.
                try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of(
                        "bootstrap.servers", broker.bootstrapServers(), "acks", "all"),
                        new ByteArraySerializer(), new ByteArraySerializer())) {
                    producer.send(new ProducerRecord<>(TOPIC, 0, null, "next".getBytes(StandardCharsets.UTF_8))).get();
                }
                List<Long> after = new ArrayList<>();
                await().atMost(WAIT).until(() -> {
                    for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(100))) {
                        after.add(record.offset());
                        consumer.acknowledge(record, AcknowledgeType.ACCEPT);
                    }
                    consumer.commitSync();
                    return !after.isEmpty();
                });
                assertEquals(List.of(1L), after);
            }
            broker.kill();
        }
        assertEquals(List.of(0L), delivered);
    }

    private static KafkaShareConsumer<byte[], byte[]> consumer(BrokerProcess broker) {
        KafkaShareConsumer<byte[], byte[]> consumer = new KafkaShareConsumer<>(Map.of(
                "bootstrap.servers", broker.bootstrapServers(), "group.id", "workers",
                "share.acknowledgement.mode", "explicit"),
                new ByteArrayDeserializer(), new ByteArrayDeserializer());
        consumer.subscribe(List.of(TOPIC));
        return consumer;
    }
}
