package io.spindle.broker.share;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spindle.broker.LocalBroker;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.ListShareGroupOffsetsSpec;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.SharePartitionOffsetInfo;
import org.apache.kafka.clients.consumer.AcknowledgeType;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaShareConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.GroupIdNotFoundException;
import org.apache.kafka.common.errors.GroupNotEmptyException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * AlterShareGroupOffsets and DeleteShareGroupOffsets through kafka-clients' Admin, as kafka-share-groups.sh
 * --reset-offsets (which resolves earliest/latest with ListOffsets and sends the offsets) and --delete-offsets use them.
 */
class ShareGroupOffsetsAdminTest {
    private static final String TOPIC = "jobs";
    private static final TopicPartition TP = new TopicPartition(TOPIC, 0);

    @TempDir
    Path dataDir;
    private LocalBroker broker;
    private Admin admin;

    @BeforeEach
    void start() {
        broker = LocalBroker.start(dataDir); // group.share.auto.offset.reset stays latest
        broker.createTopic(TOPIC, 1);
        admin = broker.admin();
    }

    @AfterEach
    void stop() {
        broker.close();
    }

    private void produce(int count) {
        try (KafkaProducer<byte[], byte[]> producer = broker.producer(Map.of())) {
            for (int i = 0; i < count; i++) {
                producer.send(new ProducerRecord<>(TOPIC, 0, null, new byte[] {(byte) i}));
            }
        }
    }

    /** Accepts what one new consumer of {@code group} receives until it has {@code expected} records. */
    private List<Long> consume(String group, int expected) {
        List<Long> offsets = new ArrayList<>();
        try (KafkaShareConsumer<byte[], byte[]> consumer = broker.shareConsumer(group,
                Map.of("share.acknowledgement.mode", "explicit"))) {
            consumer.subscribe(List.of(TOPIC));
            await().atMost(Duration.ofSeconds(60)).until(() -> {
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                    offsets.add(record.offset());
                    consumer.acknowledge(record, AcknowledgeType.ACCEPT);
                }
                consumer.commitSync();
                return offsets.size() >= expected;
            });
        }
        return offsets;
    }

    private long offset(OffsetSpec spec) throws Exception {
        return admin.listOffsets(Map.of(TP, spec)).partitionResult(TP).get().offset();
    }

    private void alter(String group, long offset) throws Exception {
        admin.alterShareGroupOffsets(group, Map.of(TP, offset)).all().get();
    }

    private long startOffset(String group) throws Exception {
        Map<TopicPartition, SharePartitionOffsetInfo> offsets = admin.listShareGroupOffsets(
                Map.of(group, new ListShareGroupOffsetsSpec().topicPartitions(List.of(TP)))).partitionsToOffsetInfo(group).get();
        return offsets.get(TP) == null ? -1 : offsets.get(TP).startOffset();
    }

    private void awaitNoMembers(String group) {
        await().atMost(Duration.ofSeconds(30)).until(() ->
                admin.describeShareGroups(List.of(group)).all().get().get(group).members().isEmpty());
    }

    @Test
    void resetToEarliestDeliversEverythingAgainToANewConsumer() throws Exception {
        produce(4);
        alter("workers", offset(OffsetSpec.earliest()));
        assertEquals(List.of(0L, 1L, 2L, 3L), consume("workers", 4));
        awaitNoMembers("workers");

        alter("workers", offset(OffsetSpec.earliest()));
        assertEquals(0, startOffset("workers"));
        assertEquals(List.of(0L, 1L, 2L, 3L), consume("workers", 4));
    }

    @Test
    void resetToLatestSkipsTheBacklog() throws Exception {
        produce(5);
        alter("skipper", offset(OffsetSpec.latest()));
        assertEquals(5, startOffset("skipper"));
        produce(2);
        assertEquals(List.of(5L, 6L), consume("skipper", 2));
    }

    @Test
    void resetToASpecificOffsetIsDurableAcrossARestart() throws Exception {
        produce(6);
        alter("specific", 2);
        broker.restart();
        admin = broker.admin();
        assertEquals(2, startOffset("specific"));
        assertEquals(List.of(2L, 3L, 4L, 5L), consume("specific", 4));
    }

    @Test
    void deleteOffsetsMakesTheGroupStartPerShareAutoOffsetReset() throws Exception {
        admin.incrementalAlterConfigs(Map.of(new ConfigResource(ConfigResource.Type.GROUP, "restart"),
                List.of(new AlterConfigOp(new ConfigEntry("share.auto.offset.reset", "earliest"),
                        AlterConfigOp.OpType.SET)))).all().get();
        produce(3);
        alter("restart", 3);
        assertEquals(3, startOffset("restart"));

        admin.deleteShareGroupOffsets("restart", Set.of(TOPIC)).all().get();
        assertEquals(-1, startOffset("restart"));
        broker.restart(); // the tombstone is durable: the deleted start offset does not come back
        admin = broker.admin();
        assertEquals(List.of(0L, 1L, 2L), consume("restart", 3));
    }

    @Test
    void deletingOffsetsOfAGroupThatDoesNotExistIsRefusedWithGroupIdNotFound() {
        ExecutionException e = assertThrows(ExecutionException.class,
                () -> admin.deleteShareGroupOffsets("ghost", Set.of(TOPIC)).all().get());
        assertInstanceOf(GroupIdNotFoundException.class, e.getCause());
    }

    @Test
    void deletingOffsetsInATopicTheGroupHasNoStateInIsRefusedWithUnknownTopicOrPartition() throws Exception {
        broker.createTopic("other", 1);
        alter("partial", 0);
        ExecutionException e = assertThrows(ExecutionException.class,
                () -> admin.deleteShareGroupOffsets("partial", Set.of("other")).all().get());
        assertInstanceOf(UnknownTopicOrPartitionException.class, e.getCause());
        assertEquals(0, startOffset("partial"));
    }

    @Test
    void alteringOffsetsOfAPartitionThatDoesNotExistFailsThatPartition() {
        ExecutionException e = assertThrows(ExecutionException.class,
                () -> admin.alterShareGroupOffsets("g", Map.of(new TopicPartition(TOPIC, 7), 0L)).all().get());
        assertInstanceOf(UnknownTopicOrPartitionException.class, e.getCause());
    }

    @Test
    void alteringOrDeletingOffsetsOfAGroupWithMembersIsRefusedWithNonEmptyGroup() throws Exception {
        produce(2);
        alter("busy", 0);
        try (KafkaShareConsumer<byte[], byte[]> consumer = broker.shareConsumer("busy", Map.of())) {
            consumer.subscribe(List.of(TOPIC));
            await().atMost(Duration.ofSeconds(30)).until(() -> {
                consumer.poll(Duration.ofMillis(100));
                return !admin.describeShareGroups(List.of("busy")).all().get().get("busy").members().isEmpty();
            });
            ExecutionException altered = assertThrows(ExecutionException.class, () -> alter("busy", 1));
            assertInstanceOf(GroupNotEmptyException.class, altered.getCause());
            assertTrue(altered.getCause().getMessage().contains("busy"), altered.getCause().getMessage());
            ExecutionException deleted = assertThrows(ExecutionException.class,
                    () -> admin.deleteShareGroupOffsets("busy", Set.of(TOPIC)).all().get());
            assertInstanceOf(GroupNotEmptyException.class, deleted.getCause());
        }
    }
}
