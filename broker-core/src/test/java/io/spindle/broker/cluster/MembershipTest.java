package io.spindle.broker.cluster;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spindle.broker.LocalBroker;
import io.spindle.broker.LocalCluster;
import io.spindle.metadata.MetadataQuorum;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MembershipTest {
    private static final Duration WAIT = Duration.ofSeconds(30);

    @Test
    void aSingleBrokerStartsNoQuorumAndWritesNothingOfIt(@TempDir Path dataDir) {
        try (LocalBroker broker = LocalBroker.start(dataDir)) {
            assertInstanceOf(LocalAuthority.class, broker.broker().metadataAuthority());
            assertFalse(Files.exists(dataDir.resolve(MetadataQuorum.DIRECTORY)));
            assertEquals(null, broker.broker().notReadyReason());
        }
    }

    @Test
    void aBrokerThatStopsCleanlyFencesItselfAtOnce(@TempDir Path root) {
        try (LocalCluster cluster = LocalCluster.start(root, 3, Map.of())) {
            await().atMost(Duration.ofSeconds(30)).until(cluster::ready);

            cluster.broker(3).close();

            // Well inside the 3 s session timeout: the broker fenced itself, the quorum did not have to.
            await().atMost(Duration.ofMillis(1_000)).until(() -> liveIds(cluster.broker(1)).equals(Set.of(1, 2)));
        }
    }

    /**
     * A broker stopped (it fences itself: its partition loses its leader) and started again on its data leads its
     * partition again at a higher leader epoch, which clients then name: it must serve at that epoch what it had
     * written. Twice, since the second start opens a log whose latest leader epoch is above 0.
     */
    @Test
    void aRestartedBrokerLeadsItsPartitionAgainAndServesWhatItHadWritten(@TempDir Path root) throws Exception {
        try (LocalCluster cluster = LocalCluster.start(root, 3, Map.of())) {
            await().atMost(WAIT).until(cluster::ready);
            cluster.admin(1).createTopics(List.of(new NewTopic("kept", Map.of(0, List.of(3))))).all().get();
            List<String> written = new ArrayList<>();

            for (int restart = 1; restart <= 2; restart++) {
                String value = "before restart " + restart;
                try (KafkaProducer<byte[], byte[]> producer =
                             cluster.broker(1).producer(Map.of(ProducerConfig.ACKS_CONFIG, "all"))) {
                    producer.send(new ProducerRecord<>("kept", 0, null, value.getBytes(StandardCharsets.UTF_8))).get();
                }
                written.add(value);
                int epochBefore = leadership(cluster.broker(3)).leaderEpoch();
                assertEquals(3, leadership(cluster.broker(3)).leader());

                cluster.broker(3).restartOnSamePort();
                await().atMost(WAIT).until(cluster::ready);

                await().atMost(WAIT).untilAsserted(() -> {
                    PartitionLeadership now = leadership(cluster.broker(3));
                    assertEquals(3, now.leader());
                    assertTrue(now.leaderEpoch() > epochBefore, "broker 3 leads kept-0 at a new epoch: " + now);
                });
                assertEquals(written, readAll(cluster.broker(1), written.size()));
            }
        }
    }

    private static PartitionLeadership leadership(LocalBroker broker) {
        return broker.broker().metadataAuthority().partition("kept", 0).orElseThrow();
    }

    private static List<String> readAll(LocalBroker bootstrap, int count) {
        TopicPartition partition = new TopicPartition("kept", 0);
        List<String> read = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer =
                     bootstrap.consumer(Map.of(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"))) {
            consumer.assign(List.of(partition));
            consumer.seekToBeginning(List.of(partition));
            await().atMost(WAIT).until(() -> {
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(100))) {
                    read.add(new String(record.value(), StandardCharsets.UTF_8));
                }
                return read.size() >= count;
            });
        }
        return read;
    }

    private static Set<Integer> liveIds(LocalBroker broker) {
        return broker.broker().metadataAuthority().liveBrokers().stream().map(ClusterBroker::id)
                .collect(Collectors.toSet());
    }
}
