package io.spindle.broker.cluster;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spindle.broker.LocalBroker;
import io.spindle.broker.LocalCluster;
import io.spindle.fixtures.Batches;
import io.spindle.fixtures.RawKafkaConnection;
import io.spindle.metadata.MetadataQuorum;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.InvalidReplicationFactorException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.message.ListOffsetsRequestData;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.message.ProduceResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.requests.FetchRequest;
import org.apache.kafka.common.requests.FetchResponse;
import org.apache.kafka.common.requests.ListOffsetsRequest;
import org.apache.kafka.common.requests.ListOffsetsResponse;
import org.apache.kafka.common.requests.ProduceRequest;
import org.apache.kafka.common.requests.ProduceResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three brokers in this process, each with its own quorum member, spoken to with kafka-clients as users would. One
 * cluster serves every test (each test its own topics): starting a cluster takes about a second.
 */
class ClusterTest {
    private static final Duration WAIT = Duration.ofSeconds(30);

    @TempDir
    static Path root;
    static LocalCluster cluster;

    @BeforeAll
    static void startCluster() {
        cluster = LocalCluster.start(root, 3, Map.of());
        await().atMost(WAIT).until(cluster::ready);
    }

    @AfterAll
    static void stopCluster() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void everyBrokerKeepsItsQuorumStorageInItsDataDirectory() {
        for (LocalBroker broker : cluster.brokers()) {
            assertTrue(Files.isDirectory(broker.dataDir().resolve(MetadataQuorum.DIRECTORY)), broker.toString());
        }
    }

    @Test
    void aTopicCreatedThroughOneBrokerIsVisibleOnEveryBrokerWithItsPartitionsSpreadOverThem() throws Exception {
        Admin viaTwo = cluster.admin(2);
        viaTwo.createTopics(List.of(new NewTopic("spread", 6, (short) 1))).all().get();

        for (int id : List.of(1, 3)) {
            Admin admin = cluster.admin(id);
            await().atMost(WAIT).untilAsserted(() -> {
                TopicDescription described = admin.describeTopics(List.of("spread")).allTopicNames().get().get("spread");
                assertEquals(6, described.partitions().size());
                assertTrue(described.partitions().stream().allMatch(p -> p.leader() != null), described.toString());
            });
        }
        TopicDescription described = viaTwo.describeTopics(List.of("spread")).allTopicNames().get().get("spread");
        Map<Integer, Integer> ledBy = new HashMap<>();
        for (TopicPartitionInfo partition : described.partitions()) {
            int leader = partition.leader().id();
            ledBy.merge(leader, 1, Integer::sum);
            assertEquals(List.of(leader), partition.replicas().stream().map(n -> n.id()).toList());
            // The partition's log lives on its leader only (made there once the metadata is served).
            for (LocalBroker broker : cluster.brokers()) {
                boolean owner = broker.broker().config().nodeId() == leader;
                await().atMost(WAIT).untilAsserted(() -> assertEquals(owner,
                        broker.broker().partitions().get("spread", partition.partition()).isPresent(),
                        "spread-" + partition.partition() + " on broker " + broker.broker().config().nodeId()));
            }
        }
        // Spread over every broker; not exactly two each, since placement balances the leaderships of every topic the
        // tests sharing this cluster created (and deleted) before, in whatever order JUnit ran them.
        assertEquals(Set.of(1, 2, 3), ledBy.keySet(), ledBy.toString());
        assertTrue(ledBy.values().stream().allMatch(n -> n <= 3), ledBy.toString());
        assertEquals(3, viaTwo.describeCluster().nodes().get().size());
    }

    @Test
    void producersAndConsumersBootstrappedOnOneBrokerFollowTheLeaders() throws Exception {
        cluster.admin(1).createTopics(List.of(new NewTopic("follow", 6, (short) 1))).all().get();
        LocalBroker one = cluster.broker(1);
        try (KafkaProducer<byte[], byte[]> producer = one.producer(Map.of(ProducerConfig.ACKS_CONFIG, "all"))) {
            for (int i = 0; i < 60; i++) {
                producer.send(new ProducerRecord<>("follow", i % 6, null, ("r" + i).getBytes(StandardCharsets.UTF_8)))
                        .get();
            }
        }
        List<TopicPartition> partitions = new ArrayList<>();
        for (int p = 0; p < 6; p++) {
            partitions.add(new TopicPartition("follow", p));
        }
        Set<String> read = new HashSet<>();
        try (KafkaConsumer<byte[], byte[]> consumer = cluster.broker(3).consumer(
                Map.of(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"))) {
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            await().atMost(WAIT).until(() -> {
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(100))) {
                    read.add(new String(record.value(), StandardCharsets.UTF_8));
                }
                return read.size() == 60;
            });
        }
        assertEquals(60, read.size());
    }

    /**
     * CreateTopics returns once every broker serves the new topic's metadata; each broker makes its logs right after.
     * A producer sending the moment the call returns (its first batch may reach a leader still making the log, which
     * answers NOT_LEADER_OR_FOLLOWER) has every record acknowledged, and sees no error.
     */
    @Test
    void recordsSentTheMomentCreateTopicsReturnsAreAcknowledgedWithoutAnError() throws Exception {
        int partitions = 60;
        try (KafkaProducer<byte[], byte[]> producer = cluster.broker(2).producer(Map.of(ProducerConfig.ACKS_CONFIG,
                "all"))) {
            cluster.admin(1).createTopics(List.of(new NewTopic("eager", partitions, (short) 1))).all().get();
            List<Future<RecordMetadata>> sent = new ArrayList<>();
            for (int p = 0; p < partitions; p++) {
                sent.add(producer.send(new ProducerRecord<>("eager", p, null, ("r" + p).getBytes(StandardCharsets.UTF_8))));
            }
            for (int p = 0; p < partitions; p++) {
                assertEquals(0, sent.get(p).get().offset(), "eager-" + p);
            }
            double errors = producer.metrics().entrySet().stream()
                    .filter(e -> e.getKey().name().equals("record-error-total")
                            && e.getKey().group().equals("producer-metrics"))
                    .mapToDouble(e -> (Double) e.getValue().metricValue()).sum();
            assertEquals(0.0, errors, "records the producer gave up on");
        }
    }

    @Test
    void deletingATopicRemovesItsLogsOnTheBrokersHoldingThem() throws Exception {
        Admin admin = cluster.admin(3);
        admin.createTopics(List.of(new NewTopic("doomed", 3, (short) 1))).all().get();
        await().atMost(WAIT).until(() -> cluster.brokers().stream()
                .mapToLong(b -> b.broker().partitions().all().stream().filter(p -> p.topic().equals("doomed")).count())
                .sum() == 3);

        admin.deleteTopics(List.of("doomed")).all().get();

        await().atMost(WAIT).untilAsserted(() -> {
            for (LocalBroker broker : cluster.brokers()) {
                assertTrue(broker.broker().topics().topic("doomed").isEmpty(), broker.toString());
                try (var files = Files.list(broker.dataDir())) {
                    List<String> left = files.map(f -> f.getFileName().toString())
                            .filter(name -> name.startsWith("doomed-") && !name.endsWith(".delete")).toList();
                    assertEquals(List.of(), left, broker.toString());
                }
            }
        });
    }

    @Test
    void aTopicThatExistsIsRefusedFromAnyBroker() throws Exception {
        cluster.admin(1).createTopics(List.of(new NewTopic("twice", 1, (short) 1))).all().get();
        ExecutionException refused = assertThrows(ExecutionException.class,
                () -> cluster.admin(2).createTopics(List.of(new NewTopic("twice", 1, (short) 1))).all().get());
        assertInstanceOf(TopicExistsException.class, refused.getCause());
    }

    @Test
    void aReplicationFactorAboveTheLiveBrokersIsRefused() {
        ExecutionException refused = assertThrows(ExecutionException.class,
                () -> cluster.admin(1).createTopics(List.of(new NewTopic("too-many", 3, (short) 4))).all().get());
        assertInstanceOf(InvalidReplicationFactorException.class, refused.getCause());
        assertTrue(refused.getCause().getMessage().contains("replication factor 4 is larger than the 3 live broker(s)"),
                refused.getCause().getMessage());
    }

    @Test
    void producerIdsFromDifferentBrokersNeverCollide() {
        Set<Long> ids = new HashSet<>();
        int handedOut = 0;
        for (int round = 0; round < 3; round++) {
            for (LocalBroker broker : cluster.brokers()) {
                for (int i = 0; i < 700; i++) {        // more than one block per broker over the rounds
                    ids.add(broker.broker().metadataAuthority().producerIds().allocate());
                    handedOut++;
                }
            }
        }
        assertEquals(handedOut, ids.size());
    }

    @Test
    void aConsumerGroupOverEveryBrokerIsCoordinatedByTheLeaderOfTheOffsetsTopic() throws Exception {
        cluster.admin(2).createTopics(List.of(new NewTopic("grouped", 3, (short) 1))).all().get();
        try (KafkaProducer<byte[], byte[]> producer = cluster.broker(2).producer(Map.of())) {
            for (int i = 0; i < 30; i++) {
                producer.send(new ProducerRecord<>("grouped", i % 3, null, new byte[] {(byte) i})).get();
            }
        }
        Map<String, Object> settings = new HashMap<>();
        settings.put("bootstrap.servers", cluster.bootstrapServers());
        settings.put(ConsumerConfig.GROUP_ID_CONFIG, "spread-group");
        settings.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        int[] read = {0};
        try (KafkaConsumer<byte[], byte[]> consumer = cluster.broker(3).consumer(settings)) {
            consumer.subscribe(List.of("grouped"));
            await().atMost(WAIT).until(() -> {
                read[0] += consumer.poll(Duration.ofMillis(100)).count();
                return read[0] == 30;
            });
            consumer.commitSync();
        }
        int coordinator = cluster.admin(1).describeTopics(List.of("__consumer_offsets")).allTopicNames().get()
                .get("__consumer_offsets").partitions().get(0).leader().id();
        for (LocalBroker broker : cluster.brokers()) {
            int id = broker.broker().config().nodeId();
            long committed = cluster.admin(id).listConsumerGroupOffsets("spread-group").partitionsToOffsetAndMetadata()
                    .get().values().stream().mapToLong(offset -> offset.offset()).sum();
            assertEquals(30, committed, "committed offsets seen through broker " + id);
            // Only the coordinator keeps the group: the others never saw it.
            assertEquals(id == coordinator, broker.broker().groupCoordinator().groupIds().get().contains("spread-group"),
                    "broker " + id + ", coordinator " + coordinator);
        }
    }

    @Test
    void aBrokerNotLeadingAPartitionAnswersNotLeaderOrFollowerNamingTheLeader() throws Exception {
        createWithEveryLogPlaced("strays", 3);
        LocalBroker leader = leaderOf("strays", 0);
        int leaderId = leader.broker().config().nodeId();
        LocalBroker other = cluster.brokers().stream().filter(b -> b != leader).findFirst().orElseThrow();

        ProduceRequestData produce = new ProduceRequestData().setAcks((short) 1).setTimeoutMs(5_000);
        produce.topicData().add(new ProduceRequestData.TopicProduceData().setName("strays").setPartitionData(List.of(
                new ProduceRequestData.PartitionProduceData().setIndex(0).setRecords(
                        MemoryRecords.readableRecords(Batches.batch("stray", 1, 1_000L))))));
        ListOffsetsRequestData.ListOffsetsTopic listed = new ListOffsetsRequestData.ListOffsetsTopic().setName("strays")
                .setPartitions(List.of(new ListOffsetsRequestData.ListOffsetsPartition().setPartitionIndex(0)
                        .setTimestamp(-1L)));
        try (RawKafkaConnection raw = RawKafkaConnection.to(other.bootstrapServers())) {
            ProduceResponse produced = raw.roundTrip(new ProduceRequest.Builder((short) 12, (short) 12, produce)
                    .build((short) 12));
            ProduceResponseData.PartitionProduceResponse answer = produced.data().responses().iterator().next()
                    .partitionResponses().get(0);
            assertEquals(Errors.NOT_LEADER_OR_FOLLOWER.code(), answer.errorCode());
            assertEquals(leaderId, answer.currentLeader().leaderId());
            ProduceResponseData.NodeEndpoint endpoint = produced.data().nodeEndpoints().find(leaderId);
            assertEquals(leader.port(), endpoint.port());

            ListOffsetsResponse offsets = raw.roundTrip(ListOffsetsRequest.Builder.forConsumer(false,
                    IsolationLevel.READ_UNCOMMITTED).setTargetTimes(List.of(listed)).build((short) 7));
            assertEquals(Errors.NOT_LEADER_OR_FOLLOWER.code(),
                    offsets.data().topics().get(0).partitions().get(0).errorCode());
        }
        try (RawKafkaConnection raw = RawKafkaConnection.to(leader.bootstrapServers())) {
            ProduceResponse produced = raw.roundTrip(new ProduceRequest.Builder((short) 12, (short) 12, produce)
                    .build((short) 12));
            assertEquals(Errors.NONE.code(), produced.data().responses().iterator().next().partitionResponses().get(0)
                    .errorCode());
        }
    }

    @Test
    void aFetchFromVersion16ForPartitionsLedElsewhereNamesEachLeaderAndItsEndpointOnce() throws Exception {
        createWithEveryLogPlaced("strays-fetched", 6);
        Uuid topicId = cluster.admin(1).describeTopics(List.of("strays-fetched")).allTopicNames().get()
                .get("strays-fetched").topicId();
        LocalBroker asked = cluster.broker(1);
        try (RawKafkaConnection raw = RawKafkaConnection.to(asked.bootstrapServers())) {
            for (short version = 16; version <= 18; version++) {
                FetchResponseData fetched = raw.<FetchResponse>roundTrip(fetchAll(version, topicId, 6)).data();
                Set<Integer> named = new HashSet<>();
                for (FetchResponseData.PartitionData answer : fetched.responses().get(0).partitions()) {
                    LocalBroker leader = leaderOf("strays-fetched", answer.partitionIndex());
                    String what = "v" + version + " partition " + answer.partitionIndex();
                    if (leader == asked) {
                        assertEquals(Errors.NONE.code(), answer.errorCode(), what);
                        assertEquals(-1, answer.currentLeader().leaderId(), what);
                        continue;
                    }
                    assertEquals(Errors.NOT_LEADER_OR_FOLLOWER.code(), answer.errorCode(), what);
                    assertEquals(leader.broker().config().nodeId(), answer.currentLeader().leaderId(), what);
                    assertEquals(leader.broker().partitions().get("strays-fetched", answer.partitionIndex()).orElseThrow()
                            .leaderEpoch(), answer.currentLeader().leaderEpoch(), what);
                    named.add(leader.broker().config().nodeId());
                }
                assertFalse(named.isEmpty(), "broker 1 leads every partition of strays-fetched");
                // Each leader once, however many of the partitions it leads.
                assertEquals(named.size(), fetched.nodeEndpoints().size(), fetched.nodeEndpoints().toString());
                for (int id : named) {
                    FetchResponseData.NodeEndpoint endpoint = fetched.nodeEndpoints().find(id);
                    assertEquals(cluster.broker(id).host(), endpoint.host(), "endpoint of broker " + id);
                    assertEquals(cluster.broker(id).port(), endpoint.port(), "endpoint of broker " + id);
                }
            }
            // Version 15 has room for CurrentLeader (a tagged field since 12) but Kafka names it from 16 only.
            FetchResponseData older = raw.<FetchResponse>roundTrip(fetchAll((short) 15, topicId, 6)).data();
            for (FetchResponseData.PartitionData answer : older.responses().get(0).partitions()) {
                if (leaderOf("strays-fetched", answer.partitionIndex()) != asked) {
                    assertEquals(Errors.NOT_LEADER_OR_FOLLOWER.code(), answer.errorCode());
                    assertEquals(-1, answer.currentLeader().leaderId(), "v15 partition " + answer.partitionIndex());
                }
            }
            assertTrue(older.nodeEndpoints().isEmpty(), older.nodeEndpoints().toString());
        }
    }

    /** A consumer's Fetch of every partition of a topic (by id) from offset 0, answered at once. */
    private static FetchRequest fetchAll(short version, Uuid topicId, int partitions) {
        List<FetchRequestData.FetchPartition> wanted = new ArrayList<>();
        for (int p = 0; p < partitions; p++) {
            wanted.add(new FetchRequestData.FetchPartition().setPartition(p).setFetchOffset(0)
                    .setPartitionMaxBytes(1 << 16));
        }
        return new FetchRequest(new FetchRequestData().setMaxWaitMs(0).setMinBytes(0).setMaxBytes(1 << 20)
                .setTopics(List.of(new FetchRequestData.FetchTopic().setTopicId(topicId).setPartitions(wanted))),
                version);
    }

    private static void createWithEveryLogPlaced(String topic, int partitions) throws Exception {
        cluster.admin(1).createTopics(List.of(new NewTopic(topic, partitions, (short) 1))).all().get();
        await().atMost(WAIT).until(() -> cluster.brokers().stream().mapToLong(b -> b.broker().partitions().all().stream()
                .filter(p -> p.topic().equals(topic)).count()).sum() == partitions);
        // And every broker has learnt every leader, so none answers from an older image.
        await().atMost(WAIT).until(() -> cluster.brokers().stream().allMatch(b -> IntStream
                .range(0, partitions).allMatch(p -> b.broker().metadataAuthority().partition(topic, p)
                        .filter(PartitionLeadership::hasLeader).isPresent())));
    }

    /** The broker holding the partition's log (its leader, at replication factor 1). */
    private static LocalBroker leaderOf(String topic, int partition) {
        return cluster.brokers().stream().filter(b -> b.broker().partitions().get(topic, partition).isPresent())
                .findFirst().orElseThrow();
    }

    @Test
    void describeClusterNamesTheQuorumLeaderAsController() throws Exception {
        Set<Integer> controllers = new HashSet<>();
        for (LocalBroker broker : cluster.brokers()) {
            controllers.add(cluster.admin(broker.broker().config().nodeId()).describeCluster().controller().get().id());
        }
        assertEquals(1, controllers.size(), controllers.toString());
        int controller = controllers.iterator().next();
        assertTrue(cluster.broker(controller).broker().metadataAuthority() instanceof QuorumAuthority);
        assertFalse(controllers.contains(-1));
        assertEquals(Set.of(1, 2, 3), cluster.admin(1).describeCluster().nodes().get().stream().map(n -> n.id())
                .collect(Collectors.toSet()));
    }
}
