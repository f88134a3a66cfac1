package io.spindle.broker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.CreateTopicsOptions;
import org.apache.kafka.clients.admin.CreateTopicsResult;
import org.apache.kafka.clients.admin.ListTopicsOptions;
import org.apache.kafka.clients.admin.NewPartitions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.TopicCollection;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.InvalidPartitionsException;
import org.apache.kafka.common.errors.InvalidReplicaAssignmentException;
import org.apache.kafka.common.errors.InvalidReplicationFactorException;
import org.apache.kafka.common.errors.InvalidTopicException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicIdException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Topic administration through kafka-clients' Admin against a real broker. */
class AdminTopicsTest {
    @TempDir
    Path dataDir;

    private LocalBroker broker;
    private Admin admin;

    @BeforeEach
    void startBroker() {
        broker = LocalBroker.start(dataDir, Map.of("num.partitions", "3"));
        admin = broker.admin();
    }

    @AfterEach
    void stopBroker() {
        broker.close();
    }

    /** kafka-clients sends replica assignments in its map's order, which need not be the partitions' order. */
    @Test
    void replicaAssignmentsInAnyOrderCreateEveryPartitionButAGapIsRefused() throws Exception {
        Map<Integer, List<Integer>> reversed = new LinkedHashMap<>();
        reversed.put(2, List.of(0));
        reversed.put(0, List.of(0));
        reversed.put(1, List.of(0));
        admin.createTopics(List.of(new NewTopic("assigned", reversed))).all().get();
        assertEquals(3, admin.describeTopics(List.of("assigned")).allTopicNames().get().get("assigned")
                .partitions().size());

        Map<Integer, List<Integer>> gap = new LinkedHashMap<>();
        gap.put(0, List.of(0));
        gap.put(2, List.of(0));
        ExecutionException refused = assertThrows(ExecutionException.class,
                () -> admin.createTopics(List.of(new NewTopic("gapped", gap))).all().get());
        assertInstanceOf(InvalidReplicaAssignmentException.class, refused.getCause());
    }

    @Test
    void createdTopicIsListedAndDescribedWithEveryPartitionLedByThisBroker() throws Exception {
        CreateTopicsResult created = admin.createTopics(List.of(new NewTopic("orders", 4, (short) 1)));
        created.all().get();
        Uuid id = created.topicId("orders").get();

        assertTrue(admin.listTopics().names().get().contains("orders"));
        TopicDescription description = admin.describeTopics(List.of("orders")).allTopicNames().get().get("orders");
        assertEquals(id, description.topicId());
        assertEquals(4, description.partitions().size());
        assertFalse(description.isInternal());
        for (TopicPartitionInfo partition : description.partitions()) {
            assertEquals(0, partition.leader().id());
            assertEquals(List.of(0), partition.replicas().stream().map(node -> node.id()).toList());
            assertEquals(List.of(0), partition.isr().stream().map(node -> node.id()).toList());
        }
        assertEquals(4, created.numPartitions("orders").get());
        assertEquals(1, created.replicationFactor("orders").get());
        for (int partition = 0; partition < 4; partition++) {
            assertTrue(broker.broker().partitions().get("orders", partition).isPresent(), "log of partition " + partition);
        }
    }

    @Test
    void topicCreatedWithoutPartitionCountOrReplicationFactorGetsTheBrokerDefaults() throws Exception {
        CreateTopicsResult created = admin.createTopics(List.of(new NewTopic("defaults", Optional.empty(), Optional.empty())));
        assertEquals(3, created.numPartitions("defaults").get());
        assertEquals(1, created.replicationFactor("defaults").get());
        assertEquals(3, describe("defaults").partitions().size());
    }

    @Test
    void creatingAnExistingTopicFailsWithTopicExists() throws Exception {
        admin.createTopics(List.of(new NewTopic("twice", 1, (short) 1))).all().get();
        ExecutionException failure = assertThrows(ExecutionException.class,
                () -> admin.createTopics(List.of(new NewTopic("twice", 1, (short) 1))).all().get());
        assertInstanceOf(TopicExistsException.class, failure.getCause());
    }

    @Test
    void invalidTopicNamesAreRefusedAsKafkaRefusesThem() {
        for (String name : List.of("has space", "slash/topic", "..", "x".repeat(250))) {
            ExecutionException failure = assertThrows(ExecutionException.class,
                    () -> admin.createTopics(List.of(new NewTopic(name, 1, (short) 1))).all().get(), name);
            assertInstanceOf(InvalidTopicException.class, failure.getCause(), name);
        }
    }

    @Test
    void replicationFactorAboveOneIsRefusedOnASingleBroker() {
        ExecutionException failure = assertThrows(ExecutionException.class,
                () -> admin.createTopics(List.of(new NewTopic("replicated", 1, (short) 3))).all().get());
        assertInstanceOf(InvalidReplicationFactorException.class, failure.getCause());
    }

    @Test
    void nonPositivePartitionCountIsRefused() {
        ExecutionException failure = assertThrows(ExecutionException.class,
                () -> admin.createTopics(List.of(new NewTopic("empty", 0, (short) 1))).all().get());
        assertInstanceOf(InvalidPartitionsException.class, failure.getCause());
    }

    @Test
    void validateOnlyCreationChecksButCreatesNothing() throws Exception {
        CreateTopicsResult result = admin.createTopics(List.of(new NewTopic("dry-run", 2, (short) 1)),
                new CreateTopicsOptions().validateOnly(true));
        result.all().get();
        assertEquals(2, result.numPartitions("dry-run").get());
        assertFalse(admin.listTopics().names().get().contains("dry-run"));
        assertTrue(broker.broker().partitions().get("dry-run", 0).isEmpty());
    }

    @Test
    void deletedTopicIsGoneWithItsLogs() throws Exception {
        admin.createTopics(List.of(new NewTopic("doomed", 2, (short) 1))).all().get();
        admin.deleteTopics(List.of("doomed")).all().get();

        assertFalse(admin.listTopics().names().get().contains("doomed"));
        assertTrue(broker.broker().topics().topic("doomed").isEmpty());
        assertTrue(broker.broker().partitions().get("doomed", 0).isEmpty());
        assertFalse(dataDir.resolve("doomed-0").toFile().exists(), "partition directory removed");
    }

    @Test
    void topicCanBeDeletedByItsId() throws Exception {
        Uuid id = admin.createTopics(List.of(new NewTopic("by-id", 1, (short) 1))).topicId("by-id").get();
        admin.deleteTopics(TopicCollection.ofTopicIds(List.of(id))).all().get();
        assertFalse(admin.listTopics().names().get().contains("by-id"));
    }

    @Test
    void deletingAnUnknownTopicFailsWithUnknownTopic() {
        ExecutionException byName = assertThrows(ExecutionException.class,
                () -> admin.deleteTopics(List.of("never-was")).all().get());
        assertInstanceOf(UnknownTopicOrPartitionException.class, byName.getCause());
        ExecutionException byId = assertThrows(ExecutionException.class,
                () -> admin.deleteTopics(TopicCollection.ofTopicIds(List.of(Uuid.randomUuid()))).all().get());
        assertInstanceOf(UnknownTopicIdException.class, byId.getCause());
    }

    @Test
    void deletedTopicCanBeCreatedAgainEmptyWithANewId() throws Exception {
        Uuid first = admin.createTopics(List.of(new NewTopic("phoenix", 1, (short) 1))).topicId("phoenix").get();
        admin.deleteTopics(List.of("phoenix")).all().get();
        Uuid second = admin.createTopics(List.of(new NewTopic("phoenix", 2, (short) 1))).topicId("phoenix").get();
        assertNotEquals(first, second);
        assertEquals(2, describe("phoenix").partitions().size());
        assertEquals(0, broker.broker().partitions().get("phoenix", 0).orElseThrow().logEndOffset());
    }

    @Test
    void createPartitionsRaisesThePartitionCount() throws Exception {
        admin.createTopics(List.of(new NewTopic("growing", 1, (short) 1))).all().get();
        admin.createPartitions(Map.of("growing", NewPartitions.increaseTo(5))).all().get();
        assertEquals(5, describe("growing").partitions().size());
        assertTrue(broker.broker().partitions().get("growing", 4).isPresent());
    }

    @Test
    void createPartitionsCannotKeepOrLowerTheCount() throws Exception {
        admin.createTopics(List.of(new NewTopic("fixed", 3, (short) 1))).all().get();
        for (int count : new int[] {3, 2}) {
            ExecutionException failure = assertThrows(ExecutionException.class,
                    () -> admin.createPartitions(Map.of("fixed", NewPartitions.increaseTo(count))).all().get());
            assertInstanceOf(InvalidPartitionsException.class, failure.getCause());
        }
        assertEquals(3, describe("fixed").partitions().size());
    }

    @Test
    void createPartitionsOfAnUnknownTopicFailsWithUnknownTopic() {
        ExecutionException failure = assertThrows(ExecutionException.class,
                () -> admin.createPartitions(Map.of("absent", NewPartitions.increaseTo(2))).all().get());
        assertInstanceOf(UnknownTopicOrPartitionException.class, failure.getCause());
    }

    @Test
    void internalTopicsAreListedOnlyWhenAskedAndFlaggedInternal() throws Exception {
        broker.broker().topics().getOrAutoCreate("__spindle_internal");
        admin.createTopics(List.of(new NewTopic("visible", 1, (short) 1))).all().get();
        Set<String> listed = admin.listTopics().names().get();
        assertTrue(listed.contains("visible"));
        assertFalse(listed.contains("__spindle_internal"));
        assertTrue(admin.listTopics(new ListTopicsOptions().listInternal(true)).names().get().contains("__spindle_internal"));
        assertTrue(describe("__spindle_internal").isInternal());
    }

    @Test
    void describeClusterNamesThisBrokerAsTheControllerOfAStableCluster() throws Exception {
        var cluster = admin.describeCluster();
        assertEquals(1, cluster.nodes().get().size());
        assertEquals(0, cluster.controller().get().id());
        assertEquals(broker.port(), cluster.nodes().get().iterator().next().port());
        String clusterId = cluster.clusterId().get();
        assertEquals(clusterId, broker.broker().clusterId());
        assertEquals(clusterId, admin.describeCluster().clusterId().get());
    }

    private TopicDescription describe(String topic) throws Exception {
        KafkaFuture<Map<String, TopicDescription>> described = admin.describeTopics(List.of(topic)).allTopicNames();
        return described.get().get(topic);
    }
}
