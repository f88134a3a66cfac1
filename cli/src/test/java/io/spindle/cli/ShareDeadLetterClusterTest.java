package io.spindle.cli;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.AcknowledgeType;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.KafkaShareConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Share groups' dead letters in a cluster of brokers as child processes (docs/share-groups.md, "Dead letters"): the
 * share-partition leader produces a dead letter to the leader of its dead-letter partition on another broker, and
 * archives the record only once that leader acknowledged it.
 */
class ShareDeadLetterClusterTest {
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final Map<String, String> SETTINGS = Map.of("group.share.auto.offset.reset", "earliest",
            "group.share.dead.letter.topic", "{topic}.dlq", "group.share.delivery.count.limit", "2",
            "broker.session.timeout.ms", "3000", "broker.heartbeat.interval.ms", "300");

    @TempDir
    Path tempDir;

    @Test
    void aRecordReleasedUntilItsDeliveryLimitLandsInTheDeadLetterPartitionLedByAnotherBroker() throws Exception {
        try (ClusterProcesses cluster = ClusterProcesses.start(2, tempDir, SETTINGS);
             Admin admin = ClusterUpCommandTest.admin(cluster.bootstrapServers())) {
            // jobs-0 on broker 1 only, jobs.dlq-0 on broker 2 only: the copy has to cross.
            admin.createTopics(List.of(new NewTopic("jobs", Map.of(0, List.of(1))),
                    new NewTopic("jobs.dlq", Map.of(0, List.of(2))))).all().get();
            await().atMost(WAIT).until(() -> leader(admin, "jobs") == 1 && leader(admin, "jobs.dlq") == 2);
            produce(cluster.bootstrapServers(), new ProducerRecord<>("jobs", 0, bytes("k"), bytes("poison"),
                    List.<Header>of(new RecordHeader("trace", bytes("t-1")))));

            List<String> delivered = new ArrayList<>();
            try (KafkaShareConsumer<byte[], byte[]> consumer = shareConsumer(cluster.bootstrapServers())) {
                consumer.subscribe(List.of("jobs"));
                // Released at each delivery: the second is the limit, so it is dead-lettered instead of redelivered.
                await().atMost(WAIT).until(() -> {
                    for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                        delivered.add(text(record.value()) + "#" + record.deliveryCount().orElse((short) 0));
                        consumer.acknowledge(record, text(record.value()).equals("poison") ? AcknowledgeType.RELEASE
                                : AcknowledgeType.ACCEPT);
                    }
                    consumer.commitSync();
                    return delivered.size() >= 2;
                });

                ConsumerRecord<byte[], byte[]> letter = readOne(cluster.bootstrapServers(), "jobs.dlq");
                assertEquals("k", text(letter.key()));
                assertEquals("poison", text(letter.value()));
                Map<String, String> headers = headers(letter);
                assertEquals("t-1", headers.get("trace"), "the record's own headers are kept");
                assertEquals("jobs", headers.get("spindle.dlq.topic"));
                assertEquals("0", headers.get("spindle.dlq.partition"));
                assertEquals("0", headers.get("spindle.dlq.offset"));
                assertEquals("workers", headers.get("spindle.dlq.group"));
                assertEquals("2", headers.get("spindle.dlq.delivery.count"));
                assertEquals("delivery-limit", headers.get("spindle.dlq.reason"));
                assertTrue(headers.containsKey("spindle.dlq.timestamp"), headers.toString());

                // Archived: the next record is what the group gets next, and the dead letter never again.
                produce(cluster.bootstrapServers(), new ProducerRecord<>("jobs", 0, bytes("k"), bytes("next"),
                        List.of()));
                await().atMost(WAIT).until(() -> {
                    for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                        delivered.add(text(record.value()) + "#" + record.deliveryCount().orElse((short) 0));
                        consumer.acknowledge(record, AcknowledgeType.ACCEPT);
                    }
                    consumer.commitSync();
                    return delivered.contains("next#1");
                });
            }
            assertEquals(List.of("poison#1", "poison#2", "next#1"), delivered);
        }
    }

    private static ConsumerRecord<byte[], byte[]> readOne(String bootstrap, String topic) {
        Properties config = new Properties();
        config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        List<ConsumerRecord<byte[], byte[]>> read = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> reader = new KafkaConsumer<>(config, new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            reader.assign(List.of(new TopicPartition(topic, 0)));
            reader.seekToBeginning(List.of(new TopicPartition(topic, 0)));
            await().atMost(WAIT).until(() -> {
                reader.poll(Duration.ofMillis(200)).forEach(read::add);
                return !read.isEmpty();
            });
        }
        assertEquals(1, read.size(), "one dead letter");
        return read.get(0);
    }

    private static int leader(Admin admin, String topic) throws Exception {
        var partition = admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic).partitions().get(0);
        return partition.leader() == null ? -1 : partition.leader().id();
    }

    private static void produce(String bootstrap, ProducerRecord<byte[], byte[]> record) throws Exception {
        Properties config = new Properties();
        config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(config, new ByteArraySerializer(),
                new ByteArraySerializer())) {
            producer.send(record).get();
        }
    }

    private static KafkaShareConsumer<byte[], byte[]> shareConsumer(String bootstrap) {
        Map<String, Object> config = new HashMap<>();
        config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        config.put(ConsumerConfig.GROUP_ID_CONFIG, "workers");
        config.put("share.acknowledgement.mode", "explicit");
        return new KafkaShareConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    private static Map<String, String> headers(ConsumerRecord<byte[], byte[]> record) {
        Map<String, String> headers = new TreeMap<>();
        for (Header header : record.headers()) {
            headers.put(header.key(), text(header.value()));
        }
        return headers;
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static String text(byte[] bytes) {
        return new String(bytes, StandardCharsets.UTF_8);
    }
}
