package io.spindle.cli;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Future;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A cluster's CreateTopics returns once every broker serves the topic's metadata, before the brokers have made its
 * partition logs (docs/cluster.md, "Admin calls"): what keeps the topic is the metadata quorum's log. A kill -9 of every
 * broker the moment the call returns must not lose it: once they are back, each has made the logs its image places on
 * it, and every partition takes an acks=all record.
 */
class CreatedTopicKillAllTest {
    private static final String TOPIC = "sudden";
    private static final int PARTITIONS = 30;
    private static final Duration WAIT = Duration.ofSeconds(60);

    @TempDir
    Path dir;

    @Test
    void aTopicWhoseCreationReturnedIsWritableEverywhereAfterEveryBrokerIsKilled() throws Exception {
        try (ClusterProcesses cluster = ClusterProcesses.start(3, dir)) {
            try (Admin admin = admin(cluster)) {
                admin.createTopics(List.of(new NewTopic(TOPIC, PARTITIONS, (short) 1))).all().get();
            }
            for (int node = 1; node <= 3; node++) {
                cluster.kill(node);
            }
            cluster.restartTogether(1, 2, 3);

            List<TopicPartitionInfo> partitions;
            try (Admin admin = admin(cluster)) {
                partitions = await().atMost(WAIT).until(() -> admin.describeTopics(List.of(TOPIC)).allTopicNames().get()
                        .get(TOPIC), described -> described.partitions().stream().allMatch(p -> p.leader() != null))
                        .partitions();
            }
            assertEquals(PARTITIONS, partitions.size());
            try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of(
                    ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers(),
                    ProducerConfig.ACKS_CONFIG, "all"), new ByteArraySerializer(), new ByteArraySerializer())) {
                List<Future<RecordMetadata>> sent = new ArrayList<>();
                for (int p = 0; p < PARTITIONS; p++) {
                    sent.add(producer.send(new ProducerRecord<>(TOPIC, p, null, ("r" + p).getBytes(StandardCharsets.UTF_8))));
                }
                for (int p = 0; p < PARTITIONS; p++) {
                    assertEquals(0, sent.get(p).get().offset(), TOPIC + "-" + p);
                }
            }
            for (TopicPartitionInfo partition : partitions) {
                Path log = cluster.nodeDir(partition.leader().id()).resolve(TOPIC + "-" + partition.partition());
                assertTrue(Files.isDirectory(log), log + " on the partition's leader");
            }
        }
    }

    private static Admin admin(ClusterProcesses cluster) {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers()));
    }
}
