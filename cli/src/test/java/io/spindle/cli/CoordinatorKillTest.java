package io.spindle.cli;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A consumer group whose coordinator broker is killed with -9 and started again, with brokers as child processes
 * (issue 16): the coordinator comes back with its broker (one replica per partition), loads the group from
 * {@code __consumer_offsets}, and the consumer goes on from its committed offset without reading anything twice.
 */
class CoordinatorKillTest {
    private static final Duration WAIT = Duration.ofSeconds(60);

    @TempDir
    Path tempDir;

    @Test
    void aConsumerGroupWhoseCoordinatorIsKilledGoesOnFromItsCommittedOffsetOnceItIsBack() throws Exception {
        try (ClusterProcesses cluster = ClusterProcesses.start(3, tempDir);
             Admin admin = ClusterUpCommandTest.admin(cluster.bootstrapServers())) {
            admin.createTopics(List.of(new NewTopic("jobs", 1, (short) 1))).all().get();
            for (String value : List.of("a", "b", "c")) {
                Produced.send(cluster.bootstrapServers(), "jobs", value);
            }
            try (KafkaConsumer<byte[], byte[]> consumer = consumer(cluster.bootstrapServers())) {
                consumer.subscribe(List.of("jobs"));
                assertEquals(List.of("a", "b", "c"), poll(consumer, 3));
                consumer.commitSync();
                int coordinator = admin.describeConsumerGroups(List.of("kept")).all().get().get("kept")
                        .coordinator().id();

                cluster.kill(coordinator);
                cluster.restart(coordinator);

                Produced.send(cluster.bootstrapServers(), "jobs", "d");
                assertEquals(List.of("d"), poll(consumer, 1), cluster.logTail(coordinator));
                consumer.commitSync();
            }
            Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets("kept")
                    .partitionsToOffsetAndMetadata().get();
            assertEquals(4, committed.get(new TopicPartition("jobs", 0)).offset());
        }
    }

    private static KafkaConsumer<byte[], byte[]> consumer(String bootstrap) {
        Properties config = new Properties();
        config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        config.put(ConsumerConfig.GROUP_ID_CONFIG, "kept");
        config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        return new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    private static List<String> poll(KafkaConsumer<byte[], byte[]> consumer, int count) {
        List<String> values = new ArrayList<>();
        await().atMost(WAIT).until(() -> {
            for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                values.add(new String(record.value(), StandardCharsets.UTF_8));
            }
            return values.size() >= count;
        });
        return values;
    }
}
