package io.spindle.cli;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A fourth broker joins a running cluster of three (brokers as child processes) and takes a topic's partitions with
 * {@code spindle topic reassign}: every record written before and during the move is read back from it alone.
 *
 * <p>The fourth broker is one of the voters of the metadata quorum from the start (four voters, three running: a
 * majority), since a running quorum's voters cannot be changed yet (docs/cluster.md, "A broker that joins later").
 */
class BrokerJoinsLaterTest {
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final String TOPIC = "grows";
    private static final int PARTITIONS = 3;

    @TempDir
    Path dir;

    @Test
    void aFourthBrokerJoinsAndTakesTheReassignedPartitionsWithEveryRecord() throws Exception {
        try (ClusterProcesses cluster = ClusterProcesses.startFirst(3, 4, dir, Map.of())) {
            String firstThree = String.join(",", cluster.bootstrapServers(1), cluster.bootstrapServers(2),
                    cluster.bootstrapServers(3));
            try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, firstThree))) {
                admin.createTopics(List.of(new NewTopic(TOPIC, Map.of(0, List.of(1, 2), 1, List.of(2, 3),
                        2, List.of(3, 1))))).all().get();
            }
            Map<TopicPartition, List<String>> sent = new HashMap<>();
            produce(firstThree, "before-", 0, 100, sent);

            Cli.Result tooEarly = Cli.on(firstThree, "topic", "reassign", TOPIC, "--brokers", "4",
                    "--replication-factor", "1");
            assertEquals(SpindleCommand.FAILED, tooEarly.status(), tooEarly::toString);
            assertTrue(tooEarly.err().contains("broker 4, which is not registered"), tooEarly::toString);

            cluster.startBroker(4);
            Cli.Result moving = Cli.on(firstThree, "topic", "reassign", TOPIC, "--brokers", "4",
                    "--replication-factor", "1");
            assertEquals(0, moving.status(), moving::toString);
            assertEquals(List.of("Partition 0: [1, 2] -> [4]", "Partition 1: [2, 3] -> [4]",
                    "Partition 2: [3, 1] -> [4]", "Started moving 3 partition(s) of topic grows; follow them with "
                            + "--verify"), moving.outLines());
            produce(firstThree, "during-", 100, 100, sent);

            await().atMost(WAIT).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
                Cli.Result verified = Cli.on(firstThree, "topic", "reassign", TOPIC, "--verify");
                assertTrue(verified.out().contains("All 3 partition(s) of topic grows are in place"),
                        verified::toString);
            });
            Cli.Result listed = Cli.on(cluster.bootstrapServers(4), "topic", "reassign", TOPIC, "--list");
            assertEquals(List.of("No partition of topic grows is being moved"), listed.outLines());

            String fourth = cluster.bootstrapServers(4);
            try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, fourth))) {
                admin.describeTopics(List.of(TOPIC)).allTopicNames().get().get(TOPIC).partitions().forEach(p -> {
                    assertEquals(List.of(4), p.replicas().stream().map(Node::id).toList(), p.toString());
                    assertEquals(4, p.leader().id(), p.toString());
                });
            }
            produce(fourth, "after-", 200, 30, sent);
            for (int partition = 0; partition < PARTITIONS; partition++) {
                TopicPartition id = new TopicPartition(TOPIC, partition);
                assertEquals(sent.get(id), readAll(fourth, id, sent.get(id).size()), "partition " + partition);
            }
            for (int node = 1; node <= 3; node++) {
                Path nodeDir = cluster.nodeDir(node);
                await().atMost(WAIT).until(() -> {
                    try (Stream<Path> files = Files.list(nodeDir)) {
                        return files.noneMatch(file -> file.getFileName().toString().startsWith(TOPIC + "-"));
                    }
                });
            }
        }
    }

    /** Sends records {@code from..from+count} round the partitions with acks=all; keeps each partition's, in order. */
    private static void produce(String bootstrap, String prefix, int from, int count,
                                Map<TopicPartition, List<String>> sent) throws Exception {
        Properties config = new Properties();
        config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        config.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, Long.toString(WAIT.toMillis()));
        try (KafkaProducer<String, String> producer =
                     new KafkaProducer<>(config, new StringSerializer(), new StringSerializer())) {
            List<Future<RecordMetadata>> acks = new ArrayList<>();
            List<String> values = new ArrayList<>();
            for (int i = from; i < from + count; i++) {
                String value = prefix + i;
                acks.add(producer.send(new ProducerRecord<>(TOPIC, i % PARTITIONS, null, value)));
                values.add(value);
            }
            for (int i = 0; i < acks.size(); i++) {
                RecordMetadata acked = acks.get(i).get();
                sent.computeIfAbsent(new TopicPartition(TOPIC, acked.partition()), p -> new ArrayList<>())
                        .add(values.get(i));
            }
        }
    }

    private static List<String> readAll(String bootstrap, TopicPartition partition, int count) {
        Properties config = new Properties();
        config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        List<String> values = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer =
                     new KafkaConsumer<>(config, new StringDeserializer(), new StringDeserializer())) {
            consumer.assign(List.of(partition));
            consumer.seekToBeginning(List.of(partition));
            await().atMost(WAIT).until(() -> {
                for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(200))) {
                    values.add(record.value());
                }
                return values.size() >= count;
            });
        }
        return values;
    }
}
