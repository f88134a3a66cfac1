package io.spindle.cli;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.AcknowledgeType;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaShareConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Share groups in a cluster of three brokers, each a child process (docs/share-groups.md, "In a cluster"): the leader
 * of each topic partition serves its share-partitions and keeps their state at the share coordinator (the leader of
 * {@code __share_group_state}), so KafkaShareConsumers read a topic spread over every broker, and a partition's new
 * leader after a kill -9 of the old one continues from the state the old one stored.
 */
class ShareGroupClusterTest {
    private static final Duration WAIT = Duration.ofSeconds(60);
    static final int PARTITIONS = 6;
    private static final Map<String, String> SETTINGS = Map.of("broker.session.timeout.ms", "3000",
            "broker.heartbeat.interval.ms", "300", "replica.lag.time.max.ms", "3000");

    @TempDir
    Path tempDir;

    /** A record as a consumer saw it. */
    private record Seen(String value, int partition, int deliveryCount) {
    }

    @Test
    void shareConsumersGetEveryRecordOfPartitionsLedByEveryBrokerFromTheGroupsStartOnceReleasedOnesAgainRejectedNever()
            throws Exception {
        try (ClusterProcesses cluster = ClusterProcesses.start(3, tempDir, SETTINGS);
             Admin admin = ClusterUpCommandTest.admin(cluster.bootstrapServers())) {
            admin.createTopics(List.of(new NewTopic("work", PARTITIONS, (short) 1))).all().get();
            // The group's own config, taken by whichever broker the admin picks and kept in the cluster's metadata:
            // the leaders on every broker apply it (a consumer would otherwise miss the records produced before).
            admin.incrementalAlterConfigs(Map.of(new ConfigResource(ConfigResource.Type.GROUP, "workers"),
                    List.of(new AlterConfigOp(new ConfigEntry("share.auto.offset.reset", "earliest"),
                            AlterConfigOp.OpType.SET)))).all().get();
            assertEquals(Set.of(1, 2, 3), Set.copyOf(leaders(admin, "work").values()),
                    "the topic's partitions are led by every broker");
            produce(cluster.bootstrapServers(), "work", 10, "r");

            List<Seen> seen = new ArrayList<>();
            try (KafkaShareConsumer<String, String> first = consumer(cluster.bootstrapServers(), "workers");
                 KafkaShareConsumer<String, String> second = consumer(cluster.bootstrapServers(), "workers")) {
                first.subscribe(List.of("work"));
                second.subscribe(List.of("work"));
                // r-P-3 is released at its first delivery and accepted at its second; r-P-7 is rejected; others accepted.
                Function<ConsumerRecord<String, String>, AcknowledgeType> verdict = record ->
                        record.value().endsWith("-7") ? AcknowledgeType.REJECT
                                : record.value().endsWith("-3") && record.deliveryCount().orElse((short) 1) == 1
                                ? AcknowledgeType.RELEASE : AcknowledgeType.ACCEPT;
                pollUntil(List.of(first, second), seen, verdict, () -> accepted(seen).size() == PARTITIONS * 9,
                        cluster);
                // Nothing more comes: a last record per partition is the next (and only) thing each consumer gets.
                produce(cluster.bootstrapServers(), "work", 1, "last");
                pollUntil(List.of(first, second), seen, verdict, () -> count(seen, "last-") == PARTITIONS, cluster);
            }

            Map<String, List<Integer>> deliveries = new TreeMap<>();
            seen.forEach(s -> deliveries.computeIfAbsent(s.value(), v -> new ArrayList<>()).add(s.deliveryCount()));
            for (int p = 0; p < PARTITIONS; p++) {
                for (int n = 0; n < 10; n++) {
                    String value = "r-" + p + "-" + n;
                    List<Integer> expected = n == 3 ? List.of(1, 2) : List.of(1);
                    assertEquals(expected, deliveries.get(value), value + " (released: again once; rejected or "
                            + "accepted: never again) in " + deliveries);
                }
                assertEquals(List.of(1), deliveries.get("last-" + p + "-0"));
            }
        }
    }

    @Test
    void aPartitionsNewLeaderAfterAKillContinuesFromTheStoredState() throws Exception {
        Map<String, String> settings = new HashMap<>(SETTINGS);
        settings.put("group.share.auto.offset.reset", "earliest");
        try (ClusterProcesses cluster = ClusterProcesses.start(3, tempDir, settings);
             Admin admin = ClusterUpCommandTest.admin(cluster.bootstrapServers())) {
            admin.createTopics(List.of(new NewTopic("work", PARTITIONS, (short) 3))).all().get();
            await().atMost(WAIT).until(() -> admin.describeTopics(List.of("work", "__share_group_state")).allTopicNames()
                    .get().values().stream().allMatch(topic -> topic.partitions().stream()
                            .allMatch(p -> p.isr().size() == 3)));
            produce(cluster.bootstrapServers(), "work", 5, "before");

            List<Seen> seen = new ArrayList<>();
            try (KafkaShareConsumer<String, String> first = consumer(cluster.bootstrapServers(), "queue")) {
                first.subscribe(List.of("work"));
                pollUntil(List.of(first), seen, record -> AcknowledgeType.ACCEPT,
                        () -> count(seen, "before-") == PARTITIONS * 5, cluster);
            }

            // New records only in the partitions that the share coordinator's broker does not lead. Alone in the
            // group, a member takes some and holds them; the leader of one of their partitions is then killed.
            int coordinator = admin.describeShareGroups(List.of("queue")).all().get().get("queue").coordinator().id();
            Map<Integer, Integer> leaders = leaders(admin, "work");
            List<Integer> ledElsewhere = new ArrayList<>();
            leaders.forEach((partition, leader) -> {
                if (leader != coordinator) {
                    ledElsewhere.add(partition);
                }
            });
            assertFalse(ledElsewhere.isEmpty(), "partitions led by other brokers than " + coordinator + ": " + leaders);
            produce(cluster.bootstrapServers(), "work", ledElsewhere, 5, "after");
            List<Seen> held = new ArrayList<>();
            KafkaShareConsumer<String, String> holder = consumer(cluster.bootstrapServers(), "queue");
            holder.subscribe(List.of("work"));
            await().atMost(WAIT).until(() -> {
                holder.poll(Duration.ofMillis(200)).forEach(record -> held.add(new Seen(record.value(),
                        record.partition(), record.deliveryCount().orElse((short) 0))));
                return !held.isEmpty();
            });
            Seen victim = held.get(0);
            int killed = leaders.get(victim.partition());
            Set<String> heldOnVictim = new HashSet<>();
            held.stream().filter(s -> s.partition() == victim.partition()).forEach(s -> heldOnVictim.add(s.value()));

            cluster.kill(killed);
            await().atMost(WAIT).until(() -> {
                Integer leader = leaders(admin, "work").get(victim.partition());
                return leader != null && leader != killed;
            });
            holder.close(Duration.ofSeconds(2));

            try (KafkaShareConsumer<String, String> successor = consumer(cluster.bootstrapServers(), "queue")) {
                successor.subscribe(List.of("work"));
                pollUntil(List.of(successor), seen, record -> AcknowledgeType.ACCEPT,
                        () -> count(seen, "after-") >= ledElsewhere.size() * 5L, cluster);
            }
            Map<String, Integer> after = new HashMap<>();
            seen.stream().filter(s -> s.value().startsWith("after-")).forEach(s -> after.merge(s.value(), 1,
                    Integer::sum));
            assertEquals(ledElsewhere.size() * 5, after.size(), "every record produced after the first ones: " + after);
            assertTrue(after.values().stream().allMatch(n -> n == 1), "each once: " + after);
            assertFalse(heldOnVictim.isEmpty());
            for (Seen s : seen) {
                if (heldOnVictim.contains(s.value())) {
                    assertEquals(2, s.deliveryCount(), s + " was held on partition " + victim.partition()
                            + " when its leader " + killed + " was killed; its new leader delivers it again as "
                            + "stored, with its delivery count");
                }
            }
            assertEquals(PARTITIONS * 5, count(seen, "before-"), "records accepted before the kill are not "
                    + "delivered again: " + seen);
            assertNotEquals(coordinator, killed);
        }
    }

    private static List<String> accepted(List<Seen> seen) {
        List<String> values = new ArrayList<>();
        for (Seen s : seen) {
            if (!s.value().endsWith("-7") && !(s.value().endsWith("-3") && s.deliveryCount() == 1)) {
                values.add(s.value());
            }
        }
        return values;
    }

    private static long count(List<Seen> seen, String prefix) {
        return seen.stream().filter(s -> s.value().startsWith(prefix)).count();
    }

    /** Polls the consumers in turn, acknowledging each record as {@code verdict} says, until {@code done}. */
    private static void pollUntil(List<KafkaShareConsumer<String, String>> consumers, List<Seen> seen,
                                  Function<ConsumerRecord<String, String>, AcknowledgeType> verdict,
                                  java.util.concurrent.Callable<Boolean> done, ClusterProcesses cluster) {
        await().atMost(WAIT).until(() -> {
            for (KafkaShareConsumer<String, String> consumer : consumers) {
                for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(200))) {
                    seen.add(new Seen(record.value(), record.partition(), record.deliveryCount().orElse((short) 0)));
                    consumer.acknowledge(record, verdict.apply(record));
                }
                consumer.commitSync();
            }
            return done.call();
        });
    }

    /** {@code perPartition} records in each of the topic's {@value #PARTITIONS} partitions: prefix-P-N. */
    static void produce(String bootstrap, String topic, int perPartition, String prefix) throws Exception {
        List<Integer> all = new ArrayList<>();
        for (int p = 0; p < PARTITIONS; p++) {
            all.add(p);
        }
        produce(bootstrap, topic, all, perPartition, prefix);
    }

    /** {@code perPartition} records in each of {@code partitions}: prefix-P-N. */
    private static void produce(String bootstrap, String topic, List<Integer> partitions, int perPartition,
                                String prefix) throws Exception {
        Properties config = new Properties();
        config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(config, new StringSerializer(),
                new StringSerializer())) {
            for (int p : partitions) {
                for (int n = 0; n < perPartition; n++) {
                    producer.send(new ProducerRecord<>(topic, p, null, prefix + "-" + p + "-" + n)).get();
                }
            }
        }
    }

    /** Each partition of {@code topic} that has a leader, with its leader's id. */
    static Map<Integer, Integer> leaders(Admin admin, String topic) throws Exception {
        TopicDescription description = admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic);
        Map<Integer, Integer> leaders = new TreeMap<>();
        for (TopicPartitionInfo partition : description.partitions()) {
            if (partition.leader() != null) {
                leaders.put(partition.partition(), partition.leader().id());
            }
        }
        return leaders;
    }

    /** A share consumer of {@code group} acknowledging explicitly. */
    static KafkaShareConsumer<String, String> consumer(String bootstrap, String group) {
        Map<String, Object> config = new HashMap<>();
        config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        config.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        config.put("share.acknowledgement.mode", "explicit");
        return new KafkaShareConsumer<>(config, new StringDeserializer(), new StringDeserializer());
    }
}
