package io.spindle.broker.cluster;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spindle.broker.LocalCluster;
import io.spindle.broker.partition.Partition;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewPartitionReassignment;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.PartitionReassignment;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.ElectionType;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.ElectionNotNeededException;
import org.apache.kafka.common.errors.InvalidReplicaAssignmentException;
import org.apache.kafka.common.errors.NoReassignmentInProgressException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Partition reassignment over three brokers in this process, driven with kafka-clients' Admin
 * (alterPartitionReassignments, listPartitionReassignments): a partition moves to other brokers while a producer
 * writes to it, and the records are then read from the new replicas byte for byte; a move that cannot complete is
 * listed and cancelled; bad requests are refused naming what is wrong.
 */
class ReassignmentTest {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final TopicPartition MOVING = new TopicPartition("moving", 0);

    @TempDir
    Path root;

    private LocalCluster start() {
        LocalCluster cluster = LocalCluster.start(root, 3, Map.of("replica.lag.time.max.ms", "2000"));
        await().atMost(WAIT).until(cluster::ready);
        return cluster;
    }

    /** A producer sending to {@link #MOVING} until stopped, keeping what was acknowledged. */
    private static final class Writer implements AutoCloseable {
        private final List<RecordMetadata> acked = Collections.synchronizedList(new ArrayList<>());
        private final List<String> ackedValues = Collections.synchronizedList(new ArrayList<>());
        private final List<Exception> failures = Collections.synchronizedList(new ArrayList<>());
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final Thread thread;

        Writer(LocalCluster cluster) {
            KafkaProducer<byte[], byte[]> producer = cluster.broker(1).producer(Map.of(
                    ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers(),
                    ProducerConfig.ACKS_CONFIG, "all", ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true,
                    ProducerConfig.LINGER_MS_CONFIG, 2));
            thread = new Thread(() -> {
                try (producer) {
                    for (int i = 0; running.get(); i++) {
                        String value = "during-" + i;
                        producer.send(new ProducerRecord<>(MOVING.topic(), 0, null,
                                value.getBytes(StandardCharsets.UTF_8)), (metadata, error) -> {
                                    if (error == null) {
                                        synchronized (acked) {
                                            acked.add(metadata);
                                            ackedValues.add(value);
                                        }
                                    } else {
                                        failures.add(error);
                                    }
                                });
                        if (i % 50 == 49) {
                            producer.flush();
                        }
                    }
                    producer.flush();
                }
            }, "reassignment-test-writer");
            thread.start();
        }

        int ackedCount() {
            return acked.size();
        }

        @Override
        public void close() throws InterruptedException {
            running.set(false);
            thread.join(WAIT.toMillis());
        }
    }

    @Test
    void aPartitionMovedWhileWrittenServesEveryAcknowledgedRecordFromItsNewReplicasByteForByte() throws Exception {
        try (LocalCluster cluster = start()) {
            Admin admin = cluster.admin(2);
            admin.createTopics(List.of(new NewTopic("moving", Map.of(0, List.of(1))))).all().get();
            await().atMost(WAIT).until(() -> cluster.broker(1).broker().metadataAuthority().partition("moving", 0)
                    .map(PartitionLeadership::hasLeader).orElse(false));
            Writer writer = new Writer(cluster);
            try {
                await().atMost(WAIT).until(() -> writer.ackedCount() >= 300);
                admin.alterPartitionReassignments(Map.of(MOVING,
                        Optional.of(new NewPartitionReassignment(List.of(2, 3))))).all().get();

                await().atMost(WAIT).untilAsserted(() -> {
                    TopicDescription moved = admin.describeTopics(List.of("moving")).allTopicNames().get()
                            .get("moving");
                    assertEquals(List.of(2, 3), ids(moved.partitions().get(0).replicas()), moved.toString());
                    assertEquals(Set.of(2, 3), Set.copyOf(ids(moved.partitions().get(0).isr())), moved.toString());
                    Node leader = moved.partitions().get(0).leader();    // none for a moment while it moves
                    assertEquals(2, leader == null ? -1 : leader.id(), moved.toString());
                });
                assertEquals(Map.of(), admin.listPartitionReassignments().reassignments().get());
                int ackedAtMove = writer.ackedCount();
                await().atMost(WAIT).until(() -> writer.ackedCount() >= ackedAtMove + 300);
            } finally {
                writer.close();
            }
            assertEquals(List.of(), writer.failures, "acks=all sends that failed");

            await().atMost(WAIT).until(() -> cluster.broker(1).broker().partitions().get("moving", 0).isEmpty());
            try (var dirs = Files.list(cluster.broker(1).dataDir())) {
                assertFalse(dirs.anyMatch(dir -> dir.getFileName().toString().equals("moving-0")),
                        "broker 1 deleted its replica's directory");
            }
            Partition onTwo = cluster.broker(2).broker().partitions().get("moving", 0).orElseThrow();
            Partition onThree = cluster.broker(3).broker().partitions().get("moving", 0).orElseThrow();
            await().atMost(WAIT).until(() -> onThree.logEndOffset() == onTwo.logEndOffset());
            assertEquals(ReplicaReads.allBytes(onTwo), ReplicaReads.allBytes(onThree), "the new replicas hold the same bytes");

            List<RecordMetadata> acked = List.copyOf(writer.acked);
            List<ConsumerRecord<byte[], byte[]>> read = ReplicaReads.readAll(cluster.broker(3), MOVING, onTwo.logEndOffset(), WAIT);
            assertEquals(onTwo.logEndOffset(), read.size(), "one record per offset");
            for (int i = 0; i < acked.size(); i++) {
                ConsumerRecord<byte[], byte[]> atOffset = read.get((int) acked.get(i).offset());
                assertEquals(writer.ackedValues.get(i), new String(atOffset.value(), StandardCharsets.UTF_8),
                        "the record acknowledged at offset " + acked.get(i).offset());
            }
        }
    }

    @Test
    void aMoveThatCannotCompleteIsListedAndCancelledBackToItsOriginalReplicas() throws Exception {
        try (LocalCluster cluster = start()) {
            Admin admin = cluster.admin(1);
            admin.createTopics(List.of(new NewTopic("moving", Map.of(0, List.of(1))))).all().get();
            cluster.broker(3).close();       // registered but fenced: it never catches up
            await().atMost(WAIT).until(() -> cluster.broker(1).broker().metadataAuthority().liveBrokers().size() == 2);

            admin.alterPartitionReassignments(Map.of(MOVING, Optional.of(new NewPartitionReassignment(List.of(3, 1)))))
                    .all().get();
            PartitionReassignment listed = admin.listPartitionReassignments().reassignments().get().get(MOVING);
            assertEquals(List.of(3, 1), listed.replicas());
            assertEquals(List.of(3), listed.addingReplicas());
            assertEquals(List.of(), listed.removingReplicas());
            PartitionReassignment elsewhere = cluster.admin(2).listPartitionReassignments(Set.of(MOVING))
                    .reassignments().get().get(MOVING);
            assertEquals(listed.toString(), String.valueOf(elsewhere), "every broker lists it");

            admin.alterPartitionReassignments(Map.of(MOVING, Optional.empty())).all().get();
            assertEquals(Map.of(), admin.listPartitionReassignments().reassignments().get());
            TopicDescription back = admin.describeTopics(List.of("moving")).allTopicNames().get().get("moving");
            assertEquals(List.of(1), ids(back.partitions().get(0).replicas()));
            assertEquals(1, back.partitions().get(0).leader().id());
        }
    }

    @Test
    void badReassignmentsAreRefusedNamingWhatIsWrong() throws Exception {
        try (LocalCluster cluster = start()) {
            Admin admin = cluster.admin(1);
            admin.createTopics(List.of(new NewTopic("moving", Map.of(0, List.of(1))))).all().get();

            Throwable unknownBroker = refusal(admin, MOVING, Optional.of(new NewPartitionReassignment(List.of(2, 7))));
            assertInstanceOf(InvalidReplicaAssignmentException.class, unknownBroker);
            assertTrue(unknownBroker.getMessage().contains("name broker 7, which is not registered"),
                    unknownBroker.getMessage());
            assertInstanceOf(InvalidReplicaAssignmentException.class,
                    refusal(admin, MOVING, Optional.of(new NewPartitionReassignment(List.of(2, 2)))));
            assertInstanceOf(UnknownTopicOrPartitionException.class, refusal(admin, new TopicPartition("moving", 4),
                    Optional.of(new NewPartitionReassignment(List.of(2)))));
            assertInstanceOf(UnknownTopicOrPartitionException.class, refusal(admin, new TopicPartition("nope", 0),
                    Optional.of(new NewPartitionReassignment(List.of(2)))));
            assertInstanceOf(NoReassignmentInProgressException.class, refusal(admin, MOVING, Optional.empty()));
        }
    }

    @Test
    void aPreferredLeaderElectionAfterAMoveMakesTheTargetsFirstBrokerLead() throws Exception {
        try (LocalCluster cluster = start()) {
            Admin admin = cluster.admin(3);
            admin.createTopics(List.of(new NewTopic("moving", Map.of(0, List.of(1, 2))))).all().get();
            await().atMost(WAIT).until(() -> leaderOf(admin) == 1);
            admin.alterPartitionReassignments(Map.of(MOVING, Optional.of(new NewPartitionReassignment(List.of(2, 1)))))
                    .all().get();
            assertEquals(1, leaderOf(admin), "a leader among the target keeps leading");

            Map<TopicPartition, Optional<Throwable>> elected = admin.electLeaders(ElectionType.PREFERRED,
                    Set.of(MOVING)).partitions().get();
            assertEquals(Optional.empty(), elected.get(MOVING));
            assertEquals(2, leaderOf(admin));
            assertEquals(1, cluster.broker(2).broker().partitions().get("moving", 0).orElseThrow().leaderEpoch());

            Optional<Throwable> again = admin.electLeaders(ElectionType.PREFERRED, Set.of(MOVING)).partitions().get()
                    .get(MOVING);
            assertInstanceOf(ElectionNotNeededException.class, again.orElseThrow());
        }
    }

    private static int leaderOf(Admin admin) throws Exception {
        Node leader = admin.describeTopics(List.of("moving")).allTopicNames().get().get("moving").partitions().get(0)
                .leader();
        return leader == null ? -1 : leader.id();
    }

    private static Throwable refusal(Admin admin, TopicPartition partition,
                                     Optional<NewPartitionReassignment> target) {
        ExecutionException e = assertThrows(ExecutionException.class,
                () -> admin.alterPartitionReassignments(Map.of(partition, target)).all().get());
        return e.getCause();
    }

    private static List<Integer> ids(List<Node> nodes) {
        return nodes.stream().map(Node::id).toList();
    }
}
