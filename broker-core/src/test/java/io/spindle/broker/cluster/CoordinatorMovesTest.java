package io.spindle.broker.cluster;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spindle.broker.LocalBroker;
import io.spindle.broker.LocalCluster;
import io.spindle.fixtures.RawKafkaConnection;
import io.spindle.groups.GroupCoordinator;
import io.spindle.metadata.MetadataClient;
import io.spindle.metadata.MetadataCommand.FenceBroker;
import io.spindle.metadata.MetadataImage;
import io.spindle.share.ShareCoordinator;
import io.spindle.txn.TransactionCoordinator;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.KafkaShareConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.AddOffsetsToTxnRequestData;
import org.apache.kafka.common.message.FindCoordinatorRequestData;
import org.apache.kafka.common.message.InitProducerIdRequestData;
import org.apache.kafka.common.message.ShareGroupHeartbeatRequestData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AddOffsetsToTxnRequest;
import org.apache.kafka.common.requests.AddOffsetsToTxnResponse;
import org.apache.kafka.common.requests.FindCoordinatorRequest;
import org.apache.kafka.common.requests.FindCoordinatorResponse;
import org.apache.kafka.common.requests.InitProducerIdRequest;
import org.apache.kafka.common.requests.InitProducerIdResponse;
import org.apache.kafka.common.requests.ShareGroupHeartbeatRequest;
import org.apache.kafka.common.requests.ShareGroupHeartbeatResponse;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Coordinators follow the leadership of their internal topics' partitions (docs/cluster.md, "Coordinators"): the
 * broker leading {@code __consumer_offsets}-0 loads the groups from it and drops them when it stops leading; the
 * transactional and share-group APIs are answered NOT_COORDINATOR elsewhere.
 */
class CoordinatorMovesTest {
    private static final Duration WAIT = Duration.ofSeconds(30);
    /**
     * The first two tests show a coordinator whose internal topic has one replica: it can only come back with its
     * broker (with replicas it moves to another one: cli's ReplicatedCoordinatorsKillTest).
     */
    private static final Map<String, String> ONE_REPLICA = Map.of("offsets.topic.replication.factor", "1",
            "transaction.state.log.replication.factor", "1", "share.coordinator.state.topic.replication.factor", "1");

    @Test
    void aFencedCoordinatorUnloadsItsGroupsAndLoadsThemBackWhenItLeadsAgain(@TempDir Path root) throws Exception {
        try (LocalCluster cluster = LocalCluster.start(root, 3, ONE_REPLICA)) {
            await().atMost(WAIT).until(cluster::ready);
            cluster.admin(1).createTopics(List.of(new NewTopic("orders", 3, (short) 1))).all().get();
            int coordinatorId = coordinatorOf(cluster, GroupCoordinator.OFFSETS_TOPIC);
            LocalBroker coordinator = cluster.broker(coordinatorId);
            produce(cluster, "orders", 0, 6);
            try (KafkaConsumer<byte[], byte[]> consumer = consumer(cluster, "billing")) {
                assertEquals(6, pollUntil(consumer, 6).size());
                consumer.commitSync();
                List<String> heard = new CopyOnWriteArrayList<>();
                coordinator.broker().metadataAuthority().addLeadershipListener(recorder(heard));

                fence(cluster, coordinatorId);

                await().atMost(WAIT).until(() -> heard.contains("lost " + GroupCoordinator.OFFSETS_TOPIC + "-0")
                        && heard.contains("became " + GroupCoordinator.OFFSETS_TOPIC + "-0"));
                assertTrue(heard.indexOf("lost " + GroupCoordinator.OFFSETS_TOPIC + "-0")
                        < heard.indexOf("became " + GroupCoordinator.OFFSETS_TOPIC + "-0"), heard.toString());
                await().atMost(WAIT).until(() -> coordinator.broker().groupCoordinator().isLoaded());
                assertEquals(6, committedTotal(cluster, "billing"));

                produce(cluster, "orders", 6, 3);
                List<ConsumerRecord<byte[], byte[]>> after = pollUntil(consumer, 3);
                assertEquals(Set.of("record-6", "record-7", "record-8"), values(after));
                consumer.commitSync();
            }
            assertEquals(9, committedTotal(cluster, "billing"));
        }
    }

    /** Stopped and started again, the coordinator broker leads its partition again and serves the group's offsets. */
    @Test
    void aConsumerGroupContinuesWithItsOffsetsWhenItsCoordinatorRestarts(@TempDir Path root) throws Exception {
        try (LocalCluster cluster = LocalCluster.start(root, 3, ONE_REPLICA)) {
            await().atMost(WAIT).until(cluster::ready);
            int coordinatorId = coordinatorOf(cluster, GroupCoordinator.OFFSETS_TOPIC);
            int dataBroker = coordinatorId % 3 + 1;     // the data stays available while the coordinator is away
            cluster.admin(dataBroker).createTopics(List.of(new NewTopic("payments",
                    Map.of(0, List.of(dataBroker))))).all().get();
            produce(cluster, "payments", 0, 5);
            try (KafkaConsumer<byte[], byte[]> consumer = consumer(cluster, "ledger")) {
                assertEquals(5, pollUntil(consumer, 5).size());
                consumer.commitSync();

                cluster.broker(coordinatorId).restartOnSamePort();
                await().atMost(WAIT).until(cluster::ready);

                produce(cluster, "payments", 5, 2);
                assertEquals(Set.of("record-5", "record-6"), values(pollUntil(consumer, 2)));
                consumer.commitSync();
            }
            assertEquals(7, committedTotal(cluster, "ledger"));
        }
    }

    @Test
    void transactionAndShareApisOnABrokerThatDoesNotCoordinateAnswerNotCoordinator(@TempDir Path root)
            throws Exception {
        try (LocalCluster cluster = LocalCluster.start(root, 3, Map.of())) {
            await().atMost(WAIT).until(cluster::ready);
            int transactions = coordinatorOf(cluster, TransactionCoordinator.STATE_TOPIC);
            int shares = coordinatorOf(cluster, ShareCoordinator.STATE_TOPIC);
            LocalBroker notTransactions = cluster.broker(transactions % 3 + 1);
            LocalBroker notShares = cluster.broker(shares % 3 + 1);
            try (var client = new RawKafkaConnection(notTransactions.host(), notTransactions.port())) {
                InitProducerIdResponse init = client.roundTrip(new InitProducerIdRequest.Builder(
                        new InitProducerIdRequestData().setTransactionalId("tx").setTransactionTimeoutMs(10_000))
                        .build((short) 5));
                assertEquals(Errors.NOT_COORDINATOR, init.error());
                InitProducerIdResponse idempotent = client.roundTrip(new InitProducerIdRequest.Builder(
                        new InitProducerIdRequestData().setTransactionalId(null).setTransactionTimeoutMs(10_000))
                        .build((short) 5));
                assertEquals(Errors.NONE, idempotent.error());
                AddOffsetsToTxnResponse add = client.roundTrip(new AddOffsetsToTxnRequest.Builder(
                        new AddOffsetsToTxnRequestData().setTransactionalId("tx").setProducerId(1).setProducerEpoch(
                                (short) 0).setGroupId("g")).build((short) 4));
                assertEquals(Errors.NOT_COORDINATOR.code(), add.data().errorCode());
                FindCoordinatorResponse found = client.roundTrip(new FindCoordinatorRequest.Builder(
                        new FindCoordinatorRequestData().setKeyType((byte) 2).setCoordinatorKeys(List.of("g:x:0")))
                        .build((short) 6));
                assertEquals(shares, found.data().coordinators().get(0).nodeId());
            }
            try (var client = new RawKafkaConnection(notShares.host(), notShares.port())) {
                ShareGroupHeartbeatResponse heartbeat = client.roundTrip(new ShareGroupHeartbeatRequest.Builder(
                        new ShareGroupHeartbeatRequestData().setGroupId("s").setMemberId("m").setMemberEpoch(0)
                                .setSubscribedTopicNames(List.of("t"))).build((short) 1));
                assertEquals(Errors.NOT_COORDINATOR.code(), heartbeat.data().errorCode());
            }

            // Share state is placed with the offsets topic, so the share group's coordinator (found with its group
            // key) keeps its state: a share consumer of a partition on that broker gets its records.
            assertEquals(coordinatorOf(cluster, GroupCoordinator.OFFSETS_TOPIC), shares);
            cluster.admin(shares).createTopics(List.of(new NewTopic("queue", Map.of(0, List.of(shares))))).all().get();
            try (KafkaShareConsumer<byte[], byte[]> consumer = cluster.broker(shares).shareConsumer("workers",
                    Map.of())) {
                consumer.subscribe(List.of("queue"));
                List<String> got = new ArrayList<>();
                await().atMost(WAIT).until(() -> {
                    consumer.poll(Duration.ofMillis(200)).forEach(record ->
                            got.add(new String(record.value(), StandardCharsets.UTF_8)));
                    if (got.isEmpty()) {
                        produce(cluster, "queue", 0, 1);     // the share group starts at the latest offset
                    }
                    return !got.isEmpty();
                });
                assertTrue(got.stream().allMatch("record-0"::equals), got.toString());
            }
        }
    }

    private static int coordinatorOf(LocalCluster cluster, String internalTopic) {
        MetadataAuthority authority = cluster.broker(1).broker().metadataAuthority();
        await().atMost(WAIT).until(() -> authority.coordinatorFor(internalTopic).isPresent());
        return authority.coordinatorFor(internalTopic).get().id();
    }

    private static LeadershipListener recorder(List<String> heard) {
        return new LeadershipListener() {
            @Override
            public void becameLeader(String topic, int partition, int leaderEpoch) {
                heard.add("became " + topic + "-" + partition);
            }

            @Override
            public void lostLeadership(String topic, int partition) {
                heard.add("lost " + topic + "-" + partition);
            }
        };
    }

    /** Fences a live broker through the quorum, as its leader does when its session runs out. */
    private static void fence(LocalCluster cluster, int brokerId) throws Exception {
        try (MetadataClient client = new MetadataClient(
                cluster.broker(1).config().cluster().orElseThrow().voters())) {
            MetadataImage image = client.readImage().get();
            client.submit(new FenceBroker(brokerId, image.broker(brokerId).orElseThrow().epoch())).get();
        }
    }

    private static void produce(LocalCluster cluster, String topic, int first, int count)
            throws ExecutionException, InterruptedException {
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(cluster.clientProperties(),
                new ByteArraySerializer(),
                new ByteArraySerializer())) {
            for (int i = first; i < first + count; i++) {
                producer.send(new ProducerRecord<>(topic, ("record-" + i).getBytes(StandardCharsets.UTF_8))).get();
            }
        }
    }

    private static KafkaConsumer<byte[], byte[]> consumer(LocalCluster cluster, String group) {
        Map<String, Object> settings = new HashMap<>();
        cluster.clientProperties().forEach((key, value) -> settings.put((String) key, value));
        settings.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        settings.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        settings.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(settings,
                new ByteArrayDeserializer(),
                new ByteArrayDeserializer());
        consumer.subscribe(List.of(group.equals("billing") ? "orders" : "payments"));
        return consumer;
    }

    private static List<ConsumerRecord<byte[], byte[]>> pollUntil(KafkaConsumer<byte[], byte[]> consumer, int count) {
        List<ConsumerRecord<byte[], byte[]>> received = new ArrayList<>();
        await().atMost(WAIT).until(() -> {
            consumer.poll(Duration.ofMillis(200)).forEach(received::add);
            return received.size() >= count;
        });
        return received;
    }

    private static Set<String> values(List<ConsumerRecord<byte[], byte[]>> records) {
        Set<String> values = new HashSet<>();
        records.forEach(record -> values.add(new String(record.value(), StandardCharsets.UTF_8)));
        return values;
    }

    private static long committedTotal(LocalCluster cluster, String group) throws Exception {
        Map<TopicPartition, OffsetAndMetadata> committed = cluster.admin(1).listConsumerGroupOffsets(group)
                .partitionsToOffsetAndMetadata().get();
        return committed.values().stream().mapToLong(OffsetAndMetadata::offset).sum();
    }
}
