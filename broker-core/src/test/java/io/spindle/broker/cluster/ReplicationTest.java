package io.spindle.broker.cluster;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spindle.broker.LocalBroker;
import io.spindle.broker.LocalCluster;
import io.spindle.broker.partition.Partition;
import io.spindle.config.FlushMode;
import io.spindle.config.TopicConfig;
import io.spindle.log.FlushPolicy;
import io.spindle.log.LogManager;
import io.spindle.log.PartitionLog;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.errors.NotEnoughReplicasException;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Replicated partitions over three brokers in this process (real quorum members, sockets, logs and fsyncs), spoken to
 * with kafka-clients: followers copy their leader byte for byte, acks=all waits for the in-sync replicas, a stopped
 * leader's acknowledged records are all served by the next one, min.insync.replicas refuses, and a follower whose log
 * diverged truncates to its leader's.
 */
class ReplicationTest {
    private static final Duration WAIT = Duration.ofSeconds(30);

    @TempDir
    Path root;

    private LocalCluster start() {
        LocalCluster cluster = LocalCluster.start(root, 3, Map.of("replica.lag.time.max.ms", "2000"));
        await().atMost(WAIT).until(cluster::ready);
        return cluster;
    }

    @Test
    void everyReplicaHoldsTheLeadersBatchesByteForByteAndMetadataReportsTheIsr() throws Exception {
        try (LocalCluster cluster = start()) {
            cluster.admin(1).createTopics(List.of(new NewTopic("copied", 1, (short) 3))).all().get();
            List<RecordMetadata> acked = produce(cluster, "copied", "v", 0, 30);
            assertEquals(30, acked.size());

            await().atMost(WAIT).untilAsserted(() -> {
                TopicDescription described = cluster.admin(2).describeTopics(List.of("copied")).allTopicNames().get()
                        .get("copied");
                assertEquals(3, described.partitions().get(0).replicas().size());
                assertEquals(3, described.partitions().get(0).isr().size(), described.toString());
            });
            ByteBuffer leaderBytes = null;
            for (LocalBroker broker : cluster.brokers()) {
                Partition partition = broker.broker().partitions().get("copied", 0).orElseThrow();
                await().atMost(WAIT).until(() -> partition.logEndOffset() == 30);
                ByteBuffer bytes = ReplicaReads.allBytes(partition);
                if (leaderBytes == null) {
                    leaderBytes = bytes;
                } else {
                    assertEquals(leaderBytes, bytes, "the log of broker " + broker.broker().config().nodeId());
                }
            }
        }
    }

    @Test
    void everyRecordAcknowledgedBeforeTheLeaderStoppedIsReadOnceInOrderFromTheNewLeader() throws Exception {
        try (LocalCluster cluster = start()) {
            cluster.admin(1).createTopics(List.of(new NewTopic("failover", 1, (short) 3))).all().get();
            int leader = leader(cluster, "failover");
            List<RecordMetadata> acked = new ArrayList<>(produce(cluster, "failover", "before-", 0, 100));

            cluster.broker(leader).close();
            LocalBroker survivor = cluster.broker(leader == 1 ? 2 : 1);
            await().atMost(WAIT).untilAsserted(() -> {
                PartitionLeadership now = survivor.broker().metadataAuthority().partition("failover", 0).orElseThrow();
                assertTrue(now.hasLeader() && now.leader() != leader, now.toString());
            });
            acked.addAll(produce(survivor, "failover", "after-", 100, 100));

            List<ConsumerRecord<byte[], byte[]>> read = ReplicaReads.readAll(survivor, new TopicPartition("failover", 0), 200, WAIT);
            assertEquals(200, read.size());
            for (int i = 0; i < 200; i++) {
                String expected = (i < 100 ? "before-" : "after-") + i;
                assertEquals(expected, new String(read.get(i).value(), StandardCharsets.UTF_8));
                assertEquals(acked.get(i).offset(), read.get(i).offset(), "offset of " + expected);
            }
        }
    }

    @Test
    void minInsyncReplicasRefusesAcksAllWhenTooFewReplicasAreInSync() throws Exception {
        try (LocalCluster cluster = start()) {
            cluster.admin(1).createTopics(List.of(new NewTopic("guarded", 1, (short) 3)
                    .configs(Map.of(TopicConfig.MIN_INSYNC_REPLICAS, "3")))).all().get();
            produce(cluster, "guarded", "ok-", 0, 5);
            int leader = leader(cluster, "guarded");
            int follower = leader == 3 ? 2 : 3;
            LocalBroker other = cluster.broker(6 - leader - follower);

            cluster.broker(follower).close();
            await().atMost(WAIT).until(() -> other.broker().metadataAuthority().partition("guarded", 0).orElseThrow()
                    .isr().size() == 2);

            Map<String, Object> once = Map.of(ProducerConfig.ACKS_CONFIG, "all", ProducerConfig.RETRIES_CONFIG, 0,
                    ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, false);
            try (KafkaProducer<byte[], byte[]> producer = other.producer(once)) {
                ExecutionException refused = assertThrows(ExecutionException.class, () -> producer.send(
                        new ProducerRecord<>("guarded", 0, null, "refused".getBytes(StandardCharsets.UTF_8))).get());
                assertInstanceOf(NotEnoughReplicasException.class, refused.getCause());
            }
            Map<String, Object> leaderOnly = Map.of(ProducerConfig.ACKS_CONFIG, "1");
            try (KafkaProducer<byte[], byte[]> producer = other.producer(leaderOnly)) {
                assertEquals(5, producer.send(new ProducerRecord<>("guarded", 0, null,
                        "acks=1".getBytes(StandardCharsets.UTF_8))).get().offset());
            }
        }
    }

    /**
     * Broker 1 led, stopped, and (as if it had written them before a crash without replicating them) finds three more
     * batches of its old epoch in its log when it starts again; meanwhile broker 2 led and took other records. Broker 1
     * follows broker 2 again: it truncates its extra batches and copies broker 2's records, at broker 2's offsets.
     */
    @Test
    void aFollowerWhoseLogDivergedTruncatesToItsLeadersLog() throws Exception {
        try (LocalCluster cluster = start()) {
            cluster.admin(1).createTopics(List.of(new NewTopic("diverge", Map.of(0, List.of(1, 2))))).all().get();
            produce(cluster, "diverge", "first-", 0, 10);
            int oldEpoch = cluster.broker(1).broker().partitions().get("diverge", 0).orElseThrow().leaderEpoch();
            Path dataDir = cluster.broker(1).dataDir();

            cluster.broker(1).restartOnSamePort(() -> {
                await().atMost(WAIT).until(() -> cluster.broker(2).broker().metadataAuthority()
                        .partition("diverge", 0).orElseThrow().leader() == 2);
                produceUnchecked(cluster.broker(2), "diverge", "second-", 10, 5);
                appendUnreplicated(dataDir, oldEpoch);
            });

            Partition onTwo = cluster.broker(2).broker().partitions().get("diverge", 0).orElseThrow();
            await().atMost(WAIT).untilAsserted(() -> {
                Partition onOne = cluster.broker(1).broker().partitions().get("diverge", 0).orElseThrow();
                assertEquals(15, onOne.logEndOffset());
                assertEquals(ReplicaReads.allBytes(onTwo), ReplicaReads.allBytes(onOne));
            });
            await().atMost(WAIT).until(() -> cluster.broker(2).broker().metadataAuthority().partition("diverge", 0)
                    .orElseThrow().isr().size() == 2);
        }
    }

    /** Three batches of {@code epoch} appended straight to broker 1's stopped log, past what it had replicated. */
    private static void appendUnreplicated(Path dataDir, int epoch) {
        LogManager logs = LogManager.open(dataDir, new FlushPolicy(FlushMode.FSYNC, 1_000, 10_000), 3_600_000,
                topic -> TopicConfig.defaults(), Clock.systemUTC());
        try {
            PartitionLog log = logs.getOrCreate("diverge", 0, TopicConfig.defaults());
            assertEquals(10, log.logEndOffset());
            log.beginLeaderEpoch(epoch);
            for (int i = 0; i < 3; i++) {
                log.append(MemoryRecords.withRecords(Compression.NONE,
                        new SimpleRecord(("lost-" + i).getBytes(StandardCharsets.UTF_8))).buffer());
            }
            assertEquals(13, log.logEndOffset());
        } finally {
            logs.close();
        }
    }

    /** The partition's leader once every broker knows it (the admin call may have gone to another broker). */
    private static int leader(LocalCluster cluster, String topic) {
        await().atMost(WAIT).until(() -> cluster.brokers().stream().allMatch(broker -> broker.broker()
                .metadataAuthority().partition(topic, 0).map(PartitionLeadership::hasLeader).orElse(false)));
        return cluster.broker(1).broker().metadataAuthority().partition(topic, 0).orElseThrow().leader();
    }

    private static List<RecordMetadata> produce(LocalCluster cluster, String topic, String prefix, int from, int count)
            throws Exception {
        return produce(cluster.broker(1), cluster.bootstrapServers(), topic, prefix, from, count);
    }

    private static List<RecordMetadata> produce(LocalBroker via, String topic, String prefix, int from, int count)
            throws Exception {
        return produce(via, via.bootstrapServers(), topic, prefix, from, count);
    }

    private static void produceUnchecked(LocalBroker via, String topic, String prefix, int from, int count) {
        try {
            produce(via, topic, prefix, from, count);
        } catch (Exception e) {
            throw new AssertionError("producing to " + via + " failed", e);
        }
    }

    private static List<RecordMetadata> produce(LocalBroker via, String bootstrap, String topic, String prefix,
                                                int from, int count) throws Exception {
        Map<String, Object> settings = new LinkedHashMap<>();
        settings.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        settings.put(ProducerConfig.ACKS_CONFIG, "all");
        settings.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        try (KafkaProducer<byte[], byte[]> producer = via.producer(settings)) {
            List<Future<RecordMetadata>> sent = new ArrayList<>();
            for (int i = from; i < from + count; i++) {
                sent.add(producer.send(new ProducerRecord<>(topic, 0, null,
                        (prefix + i).getBytes(StandardCharsets.UTF_8))));
            }
            List<RecordMetadata> acked = new ArrayList<>();
            for (Future<RecordMetadata> each : sent) {
                acked.add(each.get());
            }
            return acked;
        }
    }
}
