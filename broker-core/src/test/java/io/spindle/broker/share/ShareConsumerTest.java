package io.spindle.broker.share;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spindle.broker.LocalBroker;
import io.spindle.config.BrokerConfig;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.GroupListing;
import org.apache.kafka.clients.admin.ListGroupsOptions;
import org.apache.kafka.clients.admin.ListShareGroupOffsetsSpec;
import org.apache.kafka.clients.admin.ShareGroupDescription;
import org.apache.kafka.clients.admin.SharePartitionOffsetInfo;
import org.apache.kafka.clients.consumer.AcknowledgeType;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaShareConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.GroupType;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Share groups (KIP-932) with kafka-clients' {@link KafkaShareConsumer}: records of one partition shared between
 * consumers, each record to one of them; release, reject, the delivery count limit, the acquisition lock timeout,
 * and acknowledged state surviving a restart.
 */
class ShareConsumerTest {
    private static final String TOPIC = "jobs";
    private static final Duration WAIT = Duration.ofSeconds(60);

    @TempDir
    Path dataDir;
    private LocalBroker broker;
    private final List<KafkaShareConsumer<byte[], byte[]>> consumers = new ArrayList<>();

    private void startBroker(Map<String, String> settings) {
        Map<String, String> all = new HashMap<>(settings);
        all.put(BrokerConfig.GROUP_SHARE_AUTO_OFFSET_RESET, "earliest");
        broker = LocalBroker.start(dataDir, all);
        broker.createTopic(TOPIC, 1);
    }

    @AfterEach
    void stop() {
        for (KafkaShareConsumer<byte[], byte[]> consumer : consumers) {
            consumer.close(Duration.ofSeconds(5));
        }
        if (broker != null) {
            broker.close();
        }
    }

    private KafkaShareConsumer<byte[], byte[]> consumer(String group, int maxPollRecords) {
        KafkaShareConsumer<byte[], byte[]> consumer = broker.shareConsumer(group, Map.of(
                "share.acknowledgement.mode", "explicit", "max.poll.records", maxPollRecords));
        consumer.subscribe(List.of(TOPIC));
        consumers.add(consumer);
        return consumer;
    }

    private void produce(int from, int count) throws Exception {
        try (KafkaProducer<byte[], byte[]> producer = broker.producer(Map.of("linger.ms", 0))) {
            for (int i = from; i < from + count; i++) {
                producer.send(new ProducerRecord<>(TOPIC, 0, null, ("job-" + i).getBytes(StandardCharsets.UTF_8)));
            }
            producer.flush();
        }
    }

    private static short deliveryCount(ConsumerRecord<byte[], byte[]> record) {
        return record.deliveryCount().orElseThrow();
    }

    @Test
    void twoConsumersOfOnePartitionEachGetRecordsAndEachRecordGoesToExactlyOne() throws Exception {
        startBroker(Map.of());
        int total = 300;
        KafkaShareConsumer<byte[], byte[]> first = consumer("workers", 10);
        KafkaShareConsumer<byte[], byte[]> second = consumer("workers", 10);
        // Both join before there is anything to take, so that neither can finish the work before the other starts.
        await().atMost(WAIT).until(() -> {
            first.poll(Duration.ofMillis(50));
            second.poll(Duration.ofMillis(50));
            return broker.broker().shareCoordinator().membership().describe(List.of("workers")).get().get(0).members().size() == 2;
        });
        produce(0, total);
        Map<Long, String> acceptedBy = new TreeMap<>();
        Set<Long> duplicates = new HashSet<>();
        int[] counts = new int[2];
        await().atMost(WAIT).until(() -> {
            for (int c = 0; c < 2; c++) {
                KafkaShareConsumer<byte[], byte[]> consumer = c == 0 ? first : second;
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(100))) {
                    if (acceptedBy.put(record.offset(), "consumer-" + c) != null) {
                        duplicates.add(record.offset());
                    }
                    counts[c]++;
                    consumer.acknowledge(record, AcknowledgeType.ACCEPT);
                }
                consumer.commitSync();
            }
            return acceptedBy.size() == total;
        });
        assertEquals(Set.of(), duplicates, "records accepted by both consumers");
        assertTrue(counts[0] > 0 && counts[1] > 0, "each consumer got records: " + counts[0] + " and " + counts[1]);
    }

    @Test
    void releasedRecordComesBackToAnotherConsumerWithDeliveryCountTwo() throws Exception {
        startBroker(Map.of());
        produce(0, 1);
        KafkaShareConsumer<byte[], byte[]> first = consumer("release", 10);
        List<ConsumerRecord<byte[], byte[]>> got = new ArrayList<>();
        await().atMost(WAIT).until(() -> {
            first.poll(Duration.ofMillis(200)).forEach(got::add);
            return !got.isEmpty();
        });
        assertEquals(1, deliveryCount(got.get(0)));
        first.acknowledge(got.get(0), AcknowledgeType.RELEASE);
        // Closing sends the release; a consumer left open would fetch the record again itself (delivery 2) and hold it.
        first.close(Duration.ofSeconds(5));
        consumers.remove(first);

        KafkaShareConsumer<byte[], byte[]> second = consumer("release", 10);
        List<ConsumerRecord<byte[], byte[]>> again = new ArrayList<>();
        await().atMost(WAIT).until(() -> {
            second.poll(Duration.ofMillis(200)).forEach(again::add);
            return !again.isEmpty();
        });
        assertEquals(0, again.get(0).offset());
        assertEquals(2, deliveryCount(again.get(0)));
        second.acknowledge(again.get(0), AcknowledgeType.ACCEPT);
        second.commitSync();
    }

    @Test
    void rejectedRecordAndRecordReleasedUpToTheDeliveryLimitAreNeverDeliveredAgain() throws Exception {
        startBroker(Map.of(BrokerConfig.GROUP_SHARE_DELIVERY_COUNT_LIMIT, "3"));
        produce(0, 2); // offset 0 is rejected, offset 1 released at every delivery
        KafkaShareConsumer<byte[], byte[]> consumer = consumer("poison", 10);
        Map<Long, List<Short>> deliveries = new TreeMap<>();
        boolean[] markerSent = {false};
        await().atMost(WAIT).until(() -> {
            for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(100))) {
                deliveries.computeIfAbsent(record.offset(), o -> new ArrayList<>()).add(deliveryCount(record));
                consumer.acknowledge(record, record.offset() == 0 ? AcknowledgeType.REJECT
                        : record.offset() == 1 ? AcknowledgeType.RELEASE : AcknowledgeType.ACCEPT);
            }
            consumer.commitSync();
            if (!markerSent[0] && deliveries.getOrDefault(1L, List.of()).size() == 3) {
                produce(2, 1); // delivered after offset 1 would have been, were it still available
                markerSent[0] = true;
            }
            return deliveries.containsKey(2L);
        });
        assertEquals(List.of((short) 1), deliveries.get(0L));
        assertEquals(List.of((short) 1, (short) 2, (short) 3), deliveries.get(1L));
        for (int i = 0; i < 5; i++) {
            assertTrue(consumer.poll(Duration.ofMillis(100)).isEmpty(), "nothing is delivered again");
        }
    }

    @Test
    void recordsOfAConsumerThatStopsPollingAreRedeliveredWhenTheirLockTimesOut() throws Exception {
        startBroker(Map.of(BrokerConfig.GROUP_SHARE_RECORD_LOCK_DURATION_MS, "1000",
                BrokerConfig.GROUP_SHARE_MIN_RECORD_LOCK_DURATION_MS, "1000"));
        produce(0, 3);
        KafkaShareConsumer<byte[], byte[]> stuck = consumer("locks", 10);
        Set<Long> held = new HashSet<>();
        await().atMost(WAIT).until(() -> {
            stuck.poll(Duration.ofMillis(200)).forEach(record -> held.add(record.offset()));
            return held.size() == 3;
        });
        long heldAt = System.nanoTime();
        // The stuck consumer never polls or acknowledges again; another one gets its records once the locks expire.
        KafkaShareConsumer<byte[], byte[]> other = consumer("locks", 10);
        Map<Long, Short> redelivered = new TreeMap<>();
        await().atMost(WAIT).until(() -> {
            for (ConsumerRecord<byte[], byte[]> record : other.poll(Duration.ofMillis(200))) {
                redelivered.put(record.offset(), deliveryCount(record));
                other.acknowledge(record, AcknowledgeType.ACCEPT);
            }
            other.commitSync();
            return redelivered.size() == 3;
        });
        assertTrue(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - heldAt) >= 900, "redelivered before the lock expired");
        assertEquals(Map.of(0L, (short) 2, 1L, (short) 2, 2L, (short) 2), redelivered);
    }

    @Test
    void acceptedRecordsStayAcceptedAcrossARestartAndHeldOnesComeBackWithTheirDeliveryCount() throws Exception {
        startBroker(Map.of());
        produce(0, 10);
        KafkaShareConsumer<byte[], byte[]> before = broker.shareConsumer("durable", Map.of(
                "share.acknowledgement.mode", "explicit", "max.poll.records", 10));
        before.subscribe(List.of(TOPIC));
        List<ConsumerRecord<byte[], byte[]>> got = new ArrayList<>();
        await().atMost(WAIT).until(() -> {
            before.poll(Duration.ofMillis(200)).forEach(got::add);
            return got.size() == 10;
        });
        for (ConsumerRecord<byte[], byte[]> record : got.subList(0, 5)) {
            before.acknowledge(record, AcknowledgeType.ACCEPT);
        }
        assertTrue(before.commitSync().values().stream().allMatch(result -> result.isEmpty()),
                "the accepts were acknowledged");

        broker.restart(); // offsets 5-9 were acquired, never acknowledged
        before.close(Duration.ofMillis(500)); // its broker is gone: nothing it says reaches the new one

        KafkaShareConsumer<byte[], byte[]> after = consumer("durable", 10);
        Map<Long, Short> redelivered = new TreeMap<>();
        await().atMost(WAIT).until(() -> {
            for (ConsumerRecord<byte[], byte[]> record : after.poll(Duration.ofMillis(200))) {
                redelivered.put(record.offset(), deliveryCount(record));
                after.acknowledge(record, AcknowledgeType.ACCEPT);
            }
            after.commitSync();
            return redelivered.size() >= 5;
        });
        assertEquals(Map.of(5L, (short) 2, 6L, (short) 2, 7L, (short) 2, 8L, (short) 2, 9L, (short) 2), redelivered);
    }

    @Test
    void implicitAcknowledgementAcceptsWhatTheNextPollFollows() throws Exception {
        startBroker(Map.of());
        produce(0, 5);
        KafkaShareConsumer<byte[], byte[]> first = broker.shareConsumer("implicit", Map.of("max.poll.records", 10));
        consumers.add(first);
        first.subscribe(List.of(TOPIC));
        Set<Long> seen = new HashSet<>();
        await().atMost(WAIT).until(() -> {
            first.poll(Duration.ofMillis(200)).forEach(record -> seen.add(record.offset()));
            return seen.size() == 5;
        });
        first.poll(Duration.ofMillis(200)); // accepts the five
        first.close(Duration.ofSeconds(5));
        consumers.remove(first);

        produce(5, 1);
        KafkaShareConsumer<byte[], byte[]> second = consumer("implicit", 10);
        List<ConsumerRecord<byte[], byte[]>> next = new ArrayList<>();
        await().atMost(WAIT).until(() -> {
            second.poll(Duration.ofMillis(200)).forEach(next::add);
            return !next.isEmpty();
        });
        assertEquals(5, next.get(0).offset(), "the accepted records are not delivered again");
        assertEquals(1, deliveryCount(next.get(0)));
    }

    @Test
    void aConsumerGroupAndAShareGroupOfTheSameTopicEachReadEveryRecord() throws Exception {
        startBroker(Map.of());
        produce(0, 20);
        KafkaShareConsumer<byte[], byte[]> share = consumer("queue", 50);
        Set<Long> shared = new HashSet<>();
        await().atMost(WAIT).until(() -> {
            for (ConsumerRecord<byte[], byte[]> record : share.poll(Duration.ofMillis(200))) {
                shared.add(record.offset());
                share.acknowledge(record, AcknowledgeType.ACCEPT);
            }
            share.commitSync();
            return shared.size() == 20;
        });
        try (var consumer = broker.consumer(Map.of("group.id", "log-readers", "auto.offset.reset", "earliest"))) {
            consumer.subscribe(List.of(TOPIC));
            Set<Long> read = new HashSet<>();
            await().atMost(WAIT).until(() -> {
                consumer.poll(Duration.ofMillis(200)).forEach(record -> read.add(record.offset()));
                return read.size() == 20;
            });
        }
    }

    @Test
    void listShareGroupOffsetsShowsTheWindowStartAndTheLag() throws Exception {
        startBroker(Map.of());
        produce(0, 10);
        KafkaShareConsumer<byte[], byte[]> consumer = consumer("offsets", 10);
        List<ConsumerRecord<byte[], byte[]>> got = new ArrayList<>();
        await().atMost(WAIT).until(() -> {
            consumer.poll(Duration.ofMillis(200)).forEach(got::add);
            return got.size() == 10;
        });
        for (ConsumerRecord<byte[], byte[]> record : got.subList(0, 4)) {
            consumer.acknowledge(record, AcknowledgeType.ACCEPT);
        }
        consumer.acknowledge(got.get(6), AcknowledgeType.REJECT);
        consumer.commitSync();
        SharePartitionOffsetInfo info = broker.admin().listShareGroupOffsets(Map.of("offsets", new ListShareGroupOffsetsSpec()))
                .partitionsToOffsetInfo("offsets").get().get(new TopicPartition(TOPIC, 0));
        assertEquals(4, info.startOffset(), "offsets 0-3 are done");
        assertEquals(Optional.of(5L), info.lag(), "offsets 4, 5 and 7-9 are still to finish");
    }

    @Test
    void shareGroupIsListedDescribedAndDeletedByAdmin() throws Exception {
        startBroker(Map.of());
        produce(0, 1);
        KafkaShareConsumer<byte[], byte[]> consumer = consumer("admin-view", 10);
        await().atMost(WAIT).until(() -> {
            consumer.poll(Duration.ofMillis(200)).forEach(record -> consumer.acknowledge(record, AcknowledgeType.ACCEPT));
            consumer.commitSync();
            return broker.broker().shareCoordinator().existing("admin-view",
                    broker.broker().topics().topic(TOPIC).orElseThrow().id(), 0) != null;
        });
        Admin admin = broker.admin();
        await().atMost(WAIT).until(() -> admin.listGroups(ListGroupsOptions.forShareGroups()).all().get().stream()
                .map(GroupListing::groupId).toList().contains("admin-view"));
        GroupListing listing = admin.listGroups(ListGroupsOptions.forShareGroups()).all().get().stream()
                .filter(g -> g.groupId().equals("admin-view")).findFirst().orElseThrow();
        assertEquals(GroupType.SHARE, listing.type().orElseThrow());
        ShareGroupDescription description = admin.describeShareGroups(List.of("admin-view")).all().get().get("admin-view");
        assertEquals(1, description.members().size());
        assertEquals(Set.of(new TopicPartition(TOPIC, 0)),
                description.members().iterator().next().assignment().topicPartitions());

        consumer.close(Duration.ofSeconds(5));
        consumers.remove(consumer);
        await().atMost(WAIT).untilAsserted(() -> admin.deleteShareGroups(List.of("admin-view")).all().get());
        assertFalse(admin.listGroups(ListGroupsOptions.forShareGroups()).all().get().stream()
                .anyMatch(g -> g.groupId().equals("admin-view")));
    }
}
