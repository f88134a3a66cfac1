package io.spindle.broker.fault;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spindle.broker.LocalBroker;
import io.spindle.fixtures.Tmpfs;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.errors.KafkaStorageException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The broker's data directory on a small filesystem the test mounts (a 12 MiB tmpfs; skipped where it cannot
 * mount one, i.e. without root): when the disk fills, produces fail with KAFKA_STORAGE_ERROR, the broker stays up
 * and serves, and once space returns it takes writes again; nothing acknowledged is lost.
 */
class FullDiskTest {
    private static final String TOPIC = "full";

    @TempDir
    Path parent;

    private Tmpfs disk;
    private Path mount;

    @BeforeEach
    void mountSmallFilesystem() throws Exception {
        disk = Tmpfs.mount(parent, "12m");
        mount = disk.root();
    }

    @AfterEach
    void unmount() throws Exception {
        if (disk != null) {
            disk.close();
        }
    }

    @Test
    void aFullDiskFailsProducesWithStorageErrorsTheBrokerStaysUpAndWritesResumeWhenSpaceReturns() throws Exception {
        AckLedger ledger = new AckLedger();
        try (LocalBroker broker = LocalBroker.start(mount.resolve("data"),
                Map.of("flush.mode", "fsync", "log.segment.bytes", "1048576"))) {
            broker.admin().createTopics(List.of(new NewTopic(TOPIC, 1, (short) 1))).all().get();
            Path filler = mount.resolve("filler");
            long free = Files.getFileStore(mount).getUsableSpace();
            Files.write(filler, new byte[(int) Math.max(0, free - (3L << 20))]);

            try (KafkaProducer<byte[], byte[]> producer = producer(broker)) {
                ExecutionException failure = null;
                int sequence = 0;
                while (failure == null && sequence < 10_000) {
                    try {
                        send(producer, ledger, sequence++);
                    } catch (ExecutionException e) {
                        failure = e;
                    }
                }
                assertNotNull(failure, "the disk never filled");
                assertInstanceOf(KafkaStorageException.class, failure.getCause());
                assertTrue(ledger.ackedCount() > 10, "only " + ledger.ackedCount() + " records fitted");

                // Still up: metadata is served and the full partition answers reads.
                assertTrue(broker.admin().listTopics().names().get().contains(TOPIC));
                assertEquals(ledger.ackedCount(), LogReader.readAll(broker.bootstrapServers(), TOPIC, 1).get(0).size());

                Files.delete(filler);
                int before = ledger.ackedCount();
                for (int i = 0; i < 100; i++) {
                    send(producer, ledger, sequence++);
                }
                assertEquals(before + 100, ledger.ackedCount());
            }
            List<String> problems = ledger.check(LogReader.readAll(broker.bootstrapServers(), TOPIC, 1));
            assertTrue(problems.isEmpty(), AckLedger.summary(problems));
        }
    }

    private static KafkaProducer<byte[], byte[]> producer(LocalBroker broker) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        // No retries, so that the storage error reaches the test instead of being retried until the delivery timeout.
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "false");
        p.put(ProducerConfig.RETRIES_CONFIG, "0");
        p.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, "1");
        return new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
    }

    private static void send(KafkaProducer<byte[], byte[]> producer, AckLedger ledger, int sequence)
            throws ExecutionException, InterruptedException {
        String key = AckLedger.key(0, sequence);
        byte[] value = new byte[16 << 10];
        java.util.Arrays.fill(value, (byte) sequence);
        ledger.sent(key, AckLedger.hash(value));
        RecordMetadata md = producer.send(new ProducerRecord<>(TOPIC, 0, key.getBytes(), value)).get();
        ledger.acked(key, md.partition(), md.offset());
    }
}
