package io.spindle.cli;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An idempotent acks=all producer keeps writing through a kill -9 of its partition's leader (brokers as child
 * processes): the new leader, a follower until then, rebuilt the producer's state (id, epoch, last sequences) from the
 * batches it copied, so the producer's retries of batches the old leader had taken are recognized as duplicates and
 * its next sequences are accepted — every send succeeds (no OUT_OF_ORDER_SEQUENCE or UNKNOWN_PRODUCER_ID reaches it),
 * and the partition holds every record exactly once, in the order sent, at the offset acknowledged.
 */
class IdempotentProducerFailoverTest {
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final int RECORDS = 3000;
    private static final TopicPartition LEDGER = new TopicPartition("ledger", 0);
    private static final Map<String, String> SETTINGS = Map.of("broker.session.timeout.ms", "3000",
            "broker.heartbeat.interval.ms", "300", "replica.lag.time.max.ms", "3000");

    @TempDir
    Path tempDir;

    @Test
    void anIdempotentProducerWritesEveryRecordOnceThroughTheKillOfItsLeader() throws Exception {
        try (ClusterProcesses cluster = ClusterProcesses.start(3, tempDir, SETTINGS);
             Admin admin = ClusterUpCommandTest.admin(cluster.bootstrapServers())) {
            admin.createTopics(List.of(new NewTopic("ledger", 1, (short) 3))).all().get();
            await().atMost(WAIT).ignoreExceptions().until(() -> described(admin).isr().size() == 3);
            int leader = described(admin).leader().id();

            List<Future<RecordMetadata>> sent = new ArrayList<>();
            ConcurrentLinkedQueue<Exception> failures = new ConcurrentLinkedQueue<>();
            try (KafkaProducer<String, String> producer = idempotent(cluster.bootstrapServers())) {
                for (int i = 0; i < RECORDS; i++) {
                    sent.add(producer.send(new ProducerRecord<>("ledger", 0, null, "r" + i), (metadata, failure) -> {
                        if (failure != null) {
                            failures.add(failure);
                        }
                    }));
                    if (i == RECORDS / 3) {
                        sent.get(i).get(WAIT.toSeconds(), TimeUnit.SECONDS);   // some acknowledged by the old leader
                        cluster.kill(leader);                                   // with more in flight
                    }
                }
                producer.flush();
            }
            assertTrue(failures.isEmpty(), "sends failed: " + failures);
            List<Long> offsets = new ArrayList<>();
            for (Future<RecordMetadata> each : sent) {
                offsets.add(each.get().offset());
            }

            long end = admin.listOffsets(Map.of(LEDGER, OffsetSpec.latest())).all().get().get(LEDGER).offset();
            assertEquals(RECORDS, end, "records in the partition (a duplicate would add one)");
            List<String> read = Produced.readAll(cluster.bootstrapServers(), "ledger", RECORDS);
            assertEquals(RECORDS, read.size());
            for (int i = 0; i < RECORDS; i++) {
                assertEquals("r" + i, read.get(i), "the record at offset " + i);
                assertEquals(i, offsets.get(i), "the acknowledged offset of r" + i);
            }
        }
    }

    private static TopicPartitionInfo described(Admin admin) throws Exception {
        TopicDescription described = admin.describeTopics(List.of("ledger")).allTopicNames().get().get("ledger");
        return described.partitions().get(0);
    }

    private static KafkaProducer<String, String> idempotent(String bootstrap) {
        Properties config = new Properties();
        config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        config.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 5);
        config.put(ProducerConfig.LINGER_MS_CONFIG, 2);
        config.put(ProducerConfig.BATCH_SIZE_CONFIG, 2048);
        config.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, Long.toString(WAIT.toMillis()));
        config.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, Long.toString(WAIT.toMillis()));
        config.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, "10000");
        return new KafkaProducer<>(config, new StringSerializer(), new StringSerializer());
    }
}
