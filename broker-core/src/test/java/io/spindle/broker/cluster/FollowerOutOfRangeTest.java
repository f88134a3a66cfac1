package io.spindle.broker.cluster;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.spindle.broker.LocalBroker;
import io.spindle.broker.LocalCluster;
import io.spindle.broker.partition.Partition;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.RecordsToDelete;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A follower whose fetch offset is below its leader's log start (DeleteRecords removed, while the follower was away,
 * records it never had) is answered OFFSET_OUT_OF_RANGE with the leader's log start, empties its log, starts again
 * there, catches up and rejoins the ISR, holding the leader's batches byte for byte (docs/cluster.md, "Replication").
 */
class FollowerOutOfRangeTest {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final TopicPartition TRIMMED = new TopicPartition("trimmed", 0);

    @TempDir
    Path root;

    @Test
    void aFollowerBelowTheLeadersLogStartEmptiesItsLogStartsThereAndRejoinsTheIsr() throws Exception {
        try (LocalCluster cluster = LocalCluster.start(root, 3, Map.of("replica.lag.time.max.ms", "2000"))) {
            await().atMost(WAIT).until(cluster::ready);
            cluster.admin(1).createTopics(List.of(new NewTopic("trimmed", Map.of(0, List.of(1, 2, 3))))).all().get();
            MetadataAuthority observer = cluster.broker(1).broker().metadataAuthority();
            await().atMost(WAIT).until(() -> observer.partition("trimmed", 0).map(p -> p.leader() == 1
                    && p.isr().size() == 3).orElse(false));
            produce(cluster.broker(1), 0, 10);

            cluster.broker(3).close();
            await().atMost(WAIT).until(() -> observer.partition("trimmed", 0).orElseThrow().isr().size() == 2);
            produce(cluster.broker(1), 10, 20);
            cluster.admin(1).deleteRecords(Map.of(TRIMMED, RecordsToDelete.beforeOffset(25))).all().get();
            Partition leader = cluster.broker(1).broker().partitions().get("trimmed", 0).orElseThrow();
            assertEquals(25, leader.logStartOffset());

            LocalBroker returning = cluster.broker(3).restart();
            Partition follower = returning.broker().partitions().get("trimmed", 0).orElseThrow();
            await().atMost(WAIT).until(() -> follower.logStartOffset() == 25 && follower.logEndOffset() == 30);
            await().atMost(WAIT).until(() -> observer.partition("trimmed", 0).orElseThrow().isr().contains(3));
            produce(cluster.broker(1), 30, 1);
            await().atMost(WAIT).until(() -> follower.logEndOffset() == 31);
            assertEquals(ReplicaReads.allBytes(leader), ReplicaReads.allBytes(follower));
        }
    }

    private static void produce(LocalBroker broker, int first, int count) throws Exception {
        try (KafkaProducer<byte[], byte[]> producer = broker.producer(Map.of(ProducerConfig.ACKS_CONFIG, "all"))) {
            for (int i = first; i < first + count; i++) {
                producer.send(new ProducerRecord<>("trimmed", 0, null, ("v" + i).getBytes(StandardCharsets.UTF_8)))
                        .get(30, TimeUnit.SECONDS);
            }
        }
    }
}
