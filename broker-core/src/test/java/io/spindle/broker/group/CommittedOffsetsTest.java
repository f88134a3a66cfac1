package io.spindle.broker.group;

import static io.spindle.broker.group.GroupTestSupport.consumerProperties;
import static io.spindle.broker.group.GroupTestSupport.createTopic;
import static io.spindle.broker.group.GroupTestSupport.produce;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spindle.broker.LocalBroker;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.admin.GroupListing;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.GroupProtocol;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Committed offsets: every way a KafkaConsumer commits, what Admin reads back, and survival across a restart. */
class CommittedOffsetsTest {
    private static final Duration WITHIN = Duration.ofSeconds(30);

    @TempDir
    Path dataDir;
    private LocalBroker broker;

    @BeforeEach
    void start() {
        broker = GroupTestSupport.startBroker(dataDir);
    }

    @AfterEach
    void stop() {
        broker.close();
    }

    private Map<TopicPartition, Long> committed(String group) throws Exception {
        Map<TopicPartition, Long> offsets = new HashMap<>();
        broker.admin().listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get()
                .forEach((tp, om) -> offsets.put(tp, om == null ? -1 : om.offset()));
        return offsets;
    }

    private static Map<TopicPartition, Long> each(String topic, int partitions, long offset) {
        Map<TopicPartition, Long> expected = new HashMap<>();
        for (int p = 0; p < partitions; p++) {
            expected.put(new TopicPartition(topic, p), offset);
        }
        return expected;
    }

    @ParameterizedTest
    @EnumSource(GroupProtocol.class)
    void committedOffsetsSurviveABrokerRestartAndTheGroupResumesAfterThem(GroupProtocol protocol) throws Exception {
        createTopic(broker, "invoices", 2);
        produce(broker, "invoices", "old", 100);
        try (PollingConsumer first = new PollingConsumer("first", consumerProperties(broker, protocol, "accounts", Map.of()),
                "invoices", true)) {
            await().atMost(WITHIN).until(() -> first.values().size() >= 100);
            await().atMost(WITHIN).until(() -> committed("accounts").equals(each("invoices", 2, 50)));
        }

        broker.restart();
        assertEquals(each("invoices", 2, 50), committed("accounts"), "offsets read back after the restart");
        List<String> fresh = produce(broker, "invoices", "new", 20);
        try (PollingConsumer second = new PollingConsumer("second", consumerProperties(broker, protocol, "accounts", Map.of()),
                "invoices", true)) {
            await().atMost(WITHIN).until(() -> second.values().size() >= fresh.size());
            assertEquals(new TreeSet<>(fresh), new TreeSet<>(second.values()), "only records after the committed offsets");
        }
    }

    @ParameterizedTest
    @EnumSource(GroupProtocol.class)
    void autoCommitStoresTheOffsetsOfConsumedRecords(GroupProtocol protocol) throws Exception {
        createTopic(broker, "clicks", 3);
        produce(broker, "clicks", "click", 90);
        try (PollingConsumer c = new PollingConsumer("auto", consumerProperties(broker, protocol, "analytics", Map.of(
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "true", ConsumerConfig.AUTO_COMMIT_INTERVAL_MS_CONFIG, "200")),
                "clicks", false)) {
            await().atMost(WITHIN).until(() -> committed("analytics").equals(each("clicks", 3, 30)));
            assertNull(c.failure());
        }
    }

    @ParameterizedTest
    @EnumSource(GroupProtocol.class)
    void commitSyncAndCommitAsyncStoreExactlyTheOffsetsGiven(GroupProtocol protocol) throws Exception {
        createTopic(broker, "ledger", 1);
        produce(broker, "ledger", "entry", 40);
        TopicPartition partition = new TopicPartition("ledger", 0);
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(consumerProperties(broker, protocol, "auditors", Map.of()))) {
            consumer.subscribe(List.of("ledger"));
            List<ConsumerRecord<String, String>> records = new ArrayList<>();
            await().atMost(WITHIN).until(() -> {
                consumer.poll(Duration.ofMillis(100)).forEach(records::add);
                return records.size() >= 40;
            });
            consumer.commitSync(Map.of(partition, new OffsetAndMetadata(10, "sync")));
            assertEquals(10, consumer.committed(Set.of(partition)).get(partition).offset());
            assertEquals("sync", consumer.committed(Set.of(partition)).get(partition).metadata());

            AtomicReference<Exception> callback = new AtomicReference<>();
            AtomicReference<Boolean> called = new AtomicReference<>(false);
            consumer.commitAsync(Map.of(partition, new OffsetAndMetadata(25, "async")), (offsets, exception) -> {
                callback.set(exception);
                called.set(true);
            });
            await().atMost(WITHIN).until(() -> {
                consumer.poll(Duration.ofMillis(50));
                return called.get();
            });
            assertNull(callback.get());
            assertEquals(Map.of(partition, 25L), committed("auditors"));
        }
    }

    @Test
    void groupsAreListedDescribedAndDeletedThroughAdmin() throws Exception {
        createTopic(broker, "events", 2);
        produce(broker, "events", "e", 10);
        try (PollingConsumer classic = new PollingConsumer("classic", consumerProperties(broker, GroupProtocol.CLASSIC, "old-style", Map.of()), "events", true);
             PollingConsumer modern = new PollingConsumer("modern", consumerProperties(broker, GroupProtocol.CONSUMER, "new-style", Map.of()), "events", true)) {
            await().atMost(WITHIN).until(() -> classic.values().size() >= 10 && modern.values().size() >= 10);
            Map<String, String> types = new HashMap<>();
            for (GroupListing listing : broker.admin().listGroups().all().get()) {
                types.put(listing.groupId(), listing.type().map(Object::toString).orElse("?"));
            }
            assertEquals("Classic", types.get("old-style"));
            assertEquals("Consumer", types.get("new-style"));
            var described = broker.admin().describeConsumerGroups(List.of("old-style", "new-style")).all().get();
            assertEquals(1, described.get("old-style").members().size());
            assertEquals(2, described.get("old-style").members().iterator().next().assignment().topicPartitions().size());
            assertEquals(1, described.get("new-style").members().size());
            assertEquals(2, described.get("new-style").members().iterator().next().assignment().topicPartitions().size());
            assertTrue(broker.admin().listTopics().names().get().stream().noneMatch(name -> name.startsWith("__")),
                    "__consumer_offsets is internal, hidden from listings");
        }
        broker.admin().deleteConsumerGroups(List.of("old-style", "new-style")).all().get();
        assertFalse(broker.admin().listGroups().all().get().stream().anyMatch(g -> g.groupId().endsWith("-style")));
    }
}
