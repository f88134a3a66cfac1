package io.spindle.broker.cluster;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.spindle.broker.LocalBroker;
import io.spindle.broker.LocalCluster;
import io.spindle.broker.partition.Partition;
import io.spindle.config.TopicConfig;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * KIP-966's high watermark rule (docs/cluster.md, "Eligible leader replicas") with brokers in this process, spoken to
 * with kafka-clients: a partition on brokers 1 (leader) and 2 with {@code min.insync.replicas=2}. When 2 stops, the
 * ISR shrinks to [1], below min.insync.replicas, and 2 stays eligible to lead. acks=1 records are still written and
 * answered, but the high watermark stays where it was, so no consumer (read_uncommitted or read_committed) sees them
 * and ListOffsets' latest does not move, until 2 is back in the ISR — or they are gone because 2 was elected without
 * them, which then takes nothing a consumer has read.
 */
class HighWatermarkBelowMinIsrTest {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final String TOPIC = "held";
    private static final TopicPartition PARTITION = new TopicPartition(TOPIC, 0);

    @TempDir
    Path root;

    @Test
    void acksOneRecordsWrittenBelowMinInsyncAreShownToConsumersOnlyOnceTheFollowerRejoinsTheIsr() throws Exception {
        try (LocalCluster cluster = LocalCluster.start(root, 3, Map.of("replica.lag.time.max.ms", "2000"))) {
            await().atMost(WAIT).until(cluster::ready);
            createTopic(cluster);
            LocalBroker client = cluster.broker(3);
            assertEquals(offsets(0, 5), produce(client, "all", "a", 5));

            cluster.broker(2).close();
            Partition leader = cluster.broker(1).broker().partitions().get(TOPIC, 0).orElseThrow();
            await("the ISR [1] on its leader").atMost(WAIT).until(() -> leader.replicas().isr().equals(List.of(1)));
            await("2 eligible").atMost(WAIT).until(() -> partition(client).elr().equals(List.of(2)));

            assertEquals(offsets(5, 10), produce(client, "1", "b", 5), "acks=1 is answered below min.insync.replicas");
            assertEquals(10, leader.logEndOffset());
            assertEquals(5, leader.highWatermark(), "the ISR [1] is below min.insync.replicas 2");
            try (KafkaConsumer<byte[], byte[]> uncommitted = consumer(client, "read_uncommitted");
                 KafkaConsumer<byte[], byte[]> committed = consumer(client, "read_committed")) {
                List<String> seen = new ArrayList<>();
                List<String> seenCommitted = new ArrayList<>();
                readAtLeast(uncommitted, seen, 5);
                readAtLeast(committed, seenCommitted, 5);
                await("nothing past the high watermark").during(Duration.ofSeconds(2)).atMost(WAIT)
                        .until(() -> poll(uncommitted, seen) == 0 && poll(committed, seenCommitted) == 0);
                assertEquals(values("a", 5), seen);
                assertEquals(values("a", 5), seenCommitted);
                assertEquals(5L, uncommitted.endOffsets(List.of(PARTITION)).get(PARTITION), "ListOffsets latest");
                assertEquals(5L, committed.endOffsets(List.of(PARTITION)).get(PARTITION), "ListOffsets latest");

                cluster.broker(2).restart();
                await("2 back in the ISR").atMost(WAIT).until(() -> partition(client).isr().size() == 2);
                List<String> all = new ArrayList<>(values("a", 5));
                all.addAll(values("b", 5));
                readAtLeast(uncommitted, seen, 10);
                readAtLeast(committed, seenCommitted, 10);
                assertEquals(all, seen);
                assertEquals(all, seenCommitted);
                assertEquals(10L, uncommitted.endOffsets(List.of(PARTITION)).get(PARTITION));
                assertEquals(offsets(10, 11), produce(client, "all", "c", 1), "acks=all is taken again");
            }
        }
    }

    /**
     * The loss the rule keeps from consumers: five brokers, so that 1 and 2 may both be down while the metadata quorum
     * keeps its majority. 1 takes acks=1 records alone and stops; 2, eligible, is elected without them.
     */
    @Test
    void acksOneRecordsLostWhenAnEligibleReplicaIsElectedWereNeverShownToAConsumer() throws Exception {
        try (LocalCluster cluster = LocalCluster.start(root, 5, Map.of("replica.lag.time.max.ms", "2000"))) {
            await().atMost(WAIT).until(cluster::ready);
            createTopic(cluster);
            LocalBroker client = cluster.broker(3);
            assertEquals(offsets(0, 5), produce(client, "all", "a", 5));

            cluster.broker(2).close();
            await("ISR [1], 2 eligible").atMost(WAIT).until(() -> partition(client).isr().equals(List.of(1))
                    && partition(client).elr().equals(List.of(2)));
            assertEquals(offsets(5, 10), produce(client, "1", "b", 5), "acks=1 is answered below min.insync.replicas");
            try (KafkaConsumer<byte[], byte[]> consumer = consumer(client, "read_uncommitted")) {
                List<String> seen = new ArrayList<>();
                readAtLeast(consumer, seen, 5);
                await("nothing past the high watermark").during(Duration.ofSeconds(2)).atMost(WAIT)
                        .until(() -> poll(consumer, seen) == 0);
                assertEquals(values("a", 5), seen);
            }

            cluster.broker(1).close();
            await("no leader").atMost(WAIT).until(() -> !partition(client).hasLeader());
            cluster.broker(2).restart();
            await("2 elected from the ELR").atMost(WAIT).until(() -> partition(client).leader() == 2);
            try (KafkaConsumer<byte[], byte[]> consumer = consumer(client, "read_uncommitted")) {
                List<String> seen = new ArrayList<>();
                readAtLeast(consumer, seen, 5);
                assertEquals(5L, consumer.endOffsets(List.of(PARTITION)).get(PARTITION),
                        "2 never held the acks=1 records");
                assertEquals(values("a", 5), seen);
            }

            // 2 is alone in the ISR too: what it takes now waits for 1, which truncates the records only it held.
            assertEquals(offsets(5, 6), produce(client, "1", "c", 1));
            cluster.broker(1).restart();
            await("1 back in the ISR").atMost(WAIT).until(() -> partition(client).isr().size() == 2);
            try (KafkaConsumer<byte[], byte[]> consumer = consumer(client, "read_committed")) {
                List<String> seen = new ArrayList<>();
                readAtLeast(consumer, seen, 6);
                List<String> kept = new ArrayList<>(values("a", 5));
                kept.add("c0");
                assertEquals(kept, seen);
            }
        }
    }

    /** The partition on brokers 1 (leader) and 2 with min.insync.replicas=2, both in sync. */
    private static void createTopic(LocalCluster cluster) throws Exception {
        cluster.admin(3).createTopics(List.of(new NewTopic(TOPIC, Map.of(0, List.of(1, 2)))
                .configs(Map.of(TopicConfig.MIN_INSYNC_REPLICAS, "2")))).all().get();
        await("led by 1 with both in sync").atMost(WAIT).until(() -> cluster.brokers().stream().allMatch(broker ->
                broker.broker().metadataAuthority().partition(TOPIC, 0)
                        .map(p -> p.leader() == 1 && p.isr().size() == 2).orElse(false)));
    }

    private static PartitionLeadership partition(LocalBroker observer) {
        return observer.broker().metadataAuthority().partition(TOPIC, 0).orElseThrow();
    }

    /** Sends {@code prefix}0.. with {@code acks}; the offsets they were acknowledged at. */
    private static List<Long> produce(LocalBroker via, String acks, String prefix, int count) throws Exception {
        try (KafkaProducer<byte[], byte[]> producer = via.producer(Map.of(ProducerConfig.ACKS_CONFIG, acks,
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, acks.equals("all"),
                ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 30_000, ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000))) {
            List<Future<RecordMetadata>> sent = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                sent.add(producer.send(new ProducerRecord<>(TOPIC, 0, null,
                        (prefix + i).getBytes(StandardCharsets.UTF_8))));
            }
            List<Long> offsets = new ArrayList<>();
            for (Future<RecordMetadata> each : sent) {
                offsets.add(each.get(30, TimeUnit.SECONDS).offset());
            }
            return offsets;
        }
    }

    private static KafkaConsumer<byte[], byte[]> consumer(LocalBroker via, String isolation) {
        KafkaConsumer<byte[], byte[]> consumer = via.consumer(Map.of(
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest", ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolation));
        consumer.assign(List.of(PARTITION));
        consumer.seekToBeginning(List.of(PARTITION));
        return consumer;
    }

    private static void readAtLeast(KafkaConsumer<byte[], byte[]> consumer, List<String> seen, int count) {
        await("at least " + count + " records").atMost(WAIT).until(() -> {
            poll(consumer, seen);
            return seen.size() >= count;
        });
    }

    /** One poll's values added to {@code seen}; how many there were. */
    private static int poll(KafkaConsumer<byte[], byte[]> consumer, List<String> seen) {
        int before = seen.size();
        for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(200))) {
            seen.add(new String(record.value(), StandardCharsets.UTF_8));
        }
        return seen.size() - before;
    }

    private static List<String> values(String prefix, int count) {
        List<String> values = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            values.add(prefix + i);
        }
        return values;
    }

    private static List<Long> offsets(long from, long to) {
        return LongStream.range(from, to).boxed().toList();
    }
}
