package io.spindle.broker.data;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.spindle.broker.Kcat;
import io.spindle.broker.LocalBroker;
import io.spindle.config.BrokerConfig;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** librdkafka (through kcat) as producer and consumer. Skipped where kcat is not installed. */
class KcatInteropTest {
    private static final int RECORDS = 2_000;

    @TempDir
    Path dataDir;
    @TempDir
    Path work;
    private LocalBroker broker;

    @BeforeEach
    void start() {
        Kcat.assumeInstalled();
        broker = LocalBroker.start(dataDir, Map.of(BrokerConfig.FLUSH_MODE, "fsync"));
    }

    @AfterEach
    void stop() {
        if (broker != null) {
            broker.close();
        }
    }

    @ParameterizedTest(name = "compression {0}")
    @ValueSource(strings = {"none", "gzip", "snappy", "lz4", "zstd"})
    void recordsProducedByIdempotentLibrdkafkaAreReadByKafkaClientsInOrder(String compression) throws Exception {
        String topic = "from-kcat-" + compression;
        broker.createTopic(topic, 1);
        StringBuilder input = new StringBuilder();
        for (int i = 0; i < RECORDS; i++) {
            input.append("key-").append(i).append(':').append("value-").append(i).append('\n');
        }
        Path file = work.resolve("input.txt");
        Files.writeString(file, input, StandardCharsets.UTF_8);

        Kcat.run(work, List.of("-b", broker.bootstrapServers(), "-t", topic, "-p", "0", "-P", "-K", ":", "-z", compression,
                "-X", "enable.idempotence=true", "-l", file.toString()));

        TopicPartition partition = new TopicPartition(topic, 0);
        List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = broker.consumer(Map.of())) {
            consumer.assign(List.of(partition));
            consumer.seekToBeginning(List.of(partition));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (records.size() < RECORDS && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(records::add);
            }
        }
        assertEquals(RECORDS, records.size());
        for (int i = 0; i < RECORDS; i++) {
            assertEquals(i, records.get(i).offset());
            assertEquals("key-" + i, new String(records.get(i).key(), StandardCharsets.UTF_8));
            assertEquals("value-" + i, new String(records.get(i).value(), StandardCharsets.UTF_8));
        }
    }

    @ParameterizedTest(name = "compression {0}")
    @ValueSource(strings = {"none", "zstd"})
    void recordsProducedByKafkaClientsAreReadByLibrdkafkaInOrder(String compression) throws Exception {
        String topic = "to-kcat-" + compression;
        broker.createTopic(topic, 1);
        try (KafkaProducer<byte[], byte[]> producer = broker.producer(Map.of("compression.type", compression))) {
            for (int i = 0; i < RECORDS; i++) {
                producer.send(new ProducerRecord<>(topic, 0, ("k" + i).getBytes(StandardCharsets.UTF_8),
                        ("v" + i).getBytes(StandardCharsets.UTF_8)));
            }
            producer.flush();
        }

        String output = Kcat.run(work, List.of("-b", broker.bootstrapServers(), "-t", topic, "-p", "0", "-C", "-o", "beginning", "-e",
                "-q", "-f", "%o %k %s\\n"));

        String[] lines = output.split("\n");
        assertEquals(RECORDS, lines.length, "lines from kcat");
        for (int i = 0; i < RECORDS; i++) {
            assertEquals(i + " k" + i + " v" + i, lines[i]);
        }
    }
}
