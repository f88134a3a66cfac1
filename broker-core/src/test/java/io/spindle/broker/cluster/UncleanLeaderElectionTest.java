package io.spindle.broker.cluster;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.micrometer.core.instrument.FunctionCounter;
import io.spindle.broker.LocalBroker;
import io.spindle.broker.LocalCluster;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Leader election when no in-sync replica is alive (docs/cluster.md, "Leader election"), with five brokers in this
 * process so that two may be down while the metadata quorum keeps its majority. A partition on brokers 1 and 2: 2
 * stops (it leaves the ISR), 1 takes more records alone and stops (the last in-sync replica, which leaves the ISR and
 * stays eligible), and 2 comes back with its stale log. With {@code unclean.leader.election.enable=false} (the default) 2 is not elected: the partition stays
 * without a leader. Set to true on the topic, 2 claims it and the quorum makes it leader and only in-sync replica, which
 * its log, its metric and its log line say; the records only 1 held are lost, as the setting warns.
 */
class UncleanLeaderElectionTest {
    private static final Duration WAIT = Duration.ofSeconds(30);

    @TempDir
    Path root;

    @Test
    void aStaleReplicaLeadsOnlyOnceUncleanElectionIsEnabled() throws Exception {
        try (LocalCluster cluster = LocalCluster.start(root, 5, Map.of("replica.lag.time.max.ms", "2000"))) {
            await().atMost(WAIT).until(cluster::ready);
            cluster.admin(3).createTopics(List.of(new NewTopic("t", Map.of(0, List.of(1, 2))))).all().get();
            MetadataAuthority observer = cluster.broker(3).broker().metadataAuthority();
            await().atMost(WAIT).until(() -> observer.partition("t", 0).map(p -> p.leader() == 1
                    && p.isr().size() == 2).orElse(false));
            produce(cluster.broker(3), "a", 5);

            cluster.broker(2).close();
            await().atMost(WAIT).until(() -> observer.partition("t", 0).orElseThrow().isr().equals(List.of(1)));
            produce(cluster.broker(3), "b", 5);     // acknowledged by broker 1 alone
            cluster.broker(1).close();
            await().atMost(WAIT).until(() -> !observer.partition("t", 0).orElseThrow().hasLeader());

            LocalBroker stale = cluster.broker(2).restart();
            await().atMost(WAIT).until(() -> stale.broker().notReadyReason() == null);
            await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(5)).until(() ->
                    !observer.partition("t", 0).orElseThrow().hasLeader());
            assertEquals(List.of(), observer.partition("t", 0).orElseThrow().isr());
            assertEquals(List.of(1), observer.partition("t", 0).orElseThrow().elr(), "1 left the ISR as its last member");
            assertEquals(0.0, uncleanElections(stale));

            cluster.admin(3).incrementalAlterConfigs(Map.of(new ConfigResource(ConfigResource.Type.TOPIC, "t"),
                    List.of(new AlterConfigOp(new ConfigEntry("unclean.leader.election.enable", "true"),
                            AlterConfigOp.OpType.SET)))).all().get();
            await().atMost(WAIT).until(() -> observer.partition("t", 0).orElseThrow().leader() == 2);
            assertEquals(List.of(2), observer.partition("t", 0).orElseThrow().isr());
            await().atMost(WAIT).until(() -> uncleanElections(stale) == 1.0);
            assertEquals(List.of("a0", "a1", "a2", "a3", "a4"), readAll(stale, "t", 5));
            produce(stale, "c", 1);
            assertEquals(List.of("a0", "a1", "a2", "a3", "a4", "c0"), readAll(stale, "t", 6));
        }
    }

    private static double uncleanElections(LocalBroker broker) {
        FunctionCounter counter = broker.broker().metrics().registry().find("spindle.cluster.unclean.leader.elections")
                .functionCounter();
        return counter == null ? -1 : counter.count();
    }

    private static void produce(LocalBroker broker, String prefix, int count) throws Exception {
        try (KafkaProducer<byte[], byte[]> producer = broker.producer(Map.of(ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 30_000, ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000))) {
            for (int i = 0; i < count; i++) {
                producer.send(new ProducerRecord<>("t", 0, null, (prefix + i).getBytes(StandardCharsets.UTF_8)))
                        .get(30, TimeUnit.SECONDS);
            }
        }
    }

    private static List<String> readAll(LocalBroker broker, String topic, int count) {
        List<String> values = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = broker.consumer(Map.of(
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"))) {
            Collection<TopicPartition> partitions = Set.of(new TopicPartition(topic, 0));
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            await().atMost(WAIT).until(() -> {
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                    values.add(new String(record.value(), StandardCharsets.UTF_8));
                }
                return values.size() >= count;
            });
        }
        return values;
    }
}
