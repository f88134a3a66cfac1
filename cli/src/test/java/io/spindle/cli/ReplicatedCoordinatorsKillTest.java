package io.spindle.cli;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.admin.TransactionDescription;
import org.apache.kafka.clients.admin.TransactionState;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The coordinators' internal topics are replicated (issue 17): with brokers as child processes, the broker of the
 * group coordinator and then the one of the transaction coordinator are killed with -9 and NOT started again before
 * the checks; the coordinator moves to another replica, rebuilt from the replicated log, so a new consumer of the
 * group starts at the offset committed before the kill and a transaction committed before the kill stays committed
 * (and its transactional id keeps its producer id, with a higher epoch).
 */
class ReplicatedCoordinatorsKillTest {
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final Map<String, String> SETTINGS = Map.of("broker.session.timeout.ms", "3000",
            "broker.heartbeat.interval.ms", "300", "replica.lag.time.max.ms", "3000");

    @TempDir
    Path tempDir;

    @Test
    void groupOffsetsAndCommittedTransactionsSurviveTheKillOfTheirCoordinatorsBroker() throws Exception {
        try (ClusterProcesses cluster = ClusterProcesses.start(3, tempDir, SETTINGS);
             Admin admin = ClusterUpCommandTest.admin(cluster.bootstrapServers())) {
            admin.createTopics(List.of(new NewTopic("jobs", 1, (short) 3), new NewTopic("paid", 1, (short) 3)))
                    .all().get();
            awaitFullIsr(admin, "__consumer_offsets");
            awaitFullIsr(admin, "__transaction_state");
            for (String value : List.of("a", "b", "c")) {
                Produced.send(cluster.bootstrapServers(), "jobs", value);
            }
            try (KafkaConsumer<String, String> consumer = consumer(cluster.bootstrapServers(), "read_uncommitted")) {
                consumer.subscribe(List.of("jobs"));
                assertEquals(List.of("a", "b", "c"), poll(consumer, 3));
                consumer.commitSync();
            }
            try (KafkaProducer<String, String> producer = transactional(cluster.bootstrapServers())) {
                producer.initTransactions();
                producer.beginTransaction();
                producer.send(new ProducerRecord<>("paid", 0, null, "p1"));
                producer.send(new ProducerRecord<>("paid", 0, null, "p2"));
                producer.commitTransaction();
            }
            TransactionDescription before = admin.describeTransactions(List.of("payer")).all().get().get("payer");
            int groupCoordinator = admin.describeConsumerGroups(List.of("kept")).all().get().get("kept")
                    .coordinator().id();

            cluster.kill(groupCoordinator);

            Produced.send(cluster.bootstrapServers(), "jobs", "d");
            try (KafkaConsumer<String, String> consumer = consumer(cluster.bootstrapServers(), "read_uncommitted")) {
                consumer.subscribe(List.of("jobs"));
                assertEquals(List.of("d"), poll(consumer, 1), "a new consumer of the group starts at its committed "
                        + "offset 3, so it reads only d\n" + cluster.logTail(groupCoordinator));
                consumer.commitSync();
            }
            assertEquals(4, admin.listConsumerGroupOffsets("kept").partitionsToOffsetAndMetadata().get()
                    .get(new TopicPartition("jobs", 0)).offset());
            int movedTo = admin.describeConsumerGroups(List.of("kept")).all().get().get("kept").coordinator().id();
            assertNotEquals(groupCoordinator, movedTo);

            int transactionCoordinator = before.coordinatorId();
            if (transactionCoordinator != groupCoordinator) {
                // Kill one broker at a time (two of three would take the metadata quorum's majority): bring the first
                // back, let it catch up, then kill the transaction coordinator's.
                cluster.restart(groupCoordinator);
                awaitFullIsr(admin, "__transaction_state");
                cluster.kill(transactionCoordinator);
            }
            await().atMost(WAIT).ignoreExceptions().untilAsserted(() -> {
                TransactionDescription after = admin.describeTransactions(List.of("payer")).all().get().get("payer");
                assertNotEquals(transactionCoordinator, after.coordinatorId());
                assertEquals(TransactionState.COMPLETE_COMMIT, after.state());
                assertEquals(before.producerId(), after.producerId());
            });
            try (KafkaProducer<String, String> producer = transactional(cluster.bootstrapServers())) {
                producer.initTransactions();
                producer.beginTransaction();
                producer.send(new ProducerRecord<>("paid", 0, null, "p3"));
                producer.commitTransaction();
            }
            TransactionDescription again = admin.describeTransactions(List.of("payer")).all().get().get("payer");
            assertEquals(before.producerId(), again.producerId());
            assertTrue(again.producerEpoch() > before.producerEpoch(), before + " then " + again);
            try (KafkaConsumer<String, String> consumer = consumer(cluster.bootstrapServers(), "read_committed")) {
                consumer.assign(List.of(new TopicPartition("paid", 0)));
                assertEquals(List.of("p1", "p2", "p3"), poll(consumer, 3));
            }
        }
    }

    private static void awaitFullIsr(Admin admin, String topic) {
        await().atMost(WAIT).ignoreExceptions().untilAsserted(() -> {
            TopicDescription described = admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic);
            assertEquals(3, described.partitions().get(0).replicas().size(), described.toString());
            assertEquals(3, described.partitions().get(0).isr().size(), described.toString());
        });
    }

    private static KafkaConsumer<String, String> consumer(String bootstrap, String isolation) {
        Properties config = new Properties();
        config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        config.put(ConsumerConfig.GROUP_ID_CONFIG, "kept");
        config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolation);
        return new KafkaConsumer<>(config, new StringDeserializer(), new StringDeserializer());
    }

    private static KafkaProducer<String, String> transactional(String bootstrap) {
        Properties config = new Properties();
        config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        config.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "payer");
        config.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, Long.toString(WAIT.toMillis()));
        config.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, Long.toString(WAIT.toMillis()));
        config.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, "10000");
        return new KafkaProducer<>(config, new StringSerializer(), new StringSerializer());
    }

    private static List<String> poll(KafkaConsumer<String, String> consumer, int count) {
        List<String> values = new ArrayList<>();
        await().atMost(WAIT).until(() -> {
            for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(200))) {
                values.add(record.value());
            }
            return values.size() >= count;
        });
        return values;
    }
}
