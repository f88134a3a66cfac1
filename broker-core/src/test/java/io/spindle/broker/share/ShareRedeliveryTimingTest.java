package io.spindle.broker.share;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spindle.broker.LocalBroker;
import io.spindle.config.BrokerConfig;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.AcknowledgeType;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.KafkaShareConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * When share groups deliver, with kafka-clients' {@link KafkaShareConsumer}: a released or timed-out record comes back
 * only after the group's redelivery backoff, which doubles per delivery up to its cap; a record whose
 * {@code spindle.deliver.at} header names a later time is not delivered to share groups before it, while a consumer
 * reading the partition sees it at once.
 */
class ShareRedeliveryTimingTest {
    private static final String TOPIC = "jobs";
    private static final Duration WAIT = Duration.ofSeconds(30);

    @TempDir
    Path dataDir;
    private LocalBroker broker;

    private void start(Map<String, String> settings) {
        Map<String, String> all = new HashMap<>(settings);
        all.put(BrokerConfig.GROUP_SHARE_AUTO_OFFSET_RESET, "earliest");
        broker = LocalBroker.start(dataDir, all);
        broker.createTopic(TOPIC, 1);
    }

    @AfterEach
    void stop() {
        if (broker != null) {
            broker.close();
        }
    }

    private KafkaShareConsumer<byte[], byte[]> consumer(Map<String, Object> overrides) {
        Map<String, Object> config = new HashMap<>(overrides);
        config.put("share.acknowledgement.mode", "explicit");
        KafkaShareConsumer<byte[], byte[]> consumer = broker.closeWithBroker(broker.shareConsumer("workers", config));
        consumer.subscribe(List.of(TOPIC));
        return consumer;
    }

    private void produce(String value, List<Header> headers) throws Exception {
        try (KafkaProducer<byte[], byte[]> producer = broker.producer(Map.of("linger.ms", 0))) {
            producer.send(new ProducerRecord<byte[], byte[]>(TOPIC, 0, (byte[]) null, value.getBytes(StandardCharsets.UTF_8),
                    headers)).get();
        }
    }

    private static Header deliverAt(String value) {
        return new RecordHeader("spindle.deliver.at", value.getBytes(StandardCharsets.UTF_8));
    }

    /** Polls until a record comes; returns it. */
    private static ConsumerRecord<byte[], byte[]> next(KafkaShareConsumer<byte[], byte[]> consumer) {
        List<ConsumerRecord<byte[], byte[]>> got = new ArrayList<>();
        await().atMost(WAIT).until(() -> {
            consumer.poll(Duration.ofMillis(50)).forEach(got::add);
            return !got.isEmpty();
        });
        assertEquals(1, got.size());
        return got.get(0);
    }

    @Test
    void releasedRecordComesBackAfterABackoffThatDoublesUpToTheCap() throws Exception {
        start(Map.of(BrokerConfig.GROUP_SHARE_REDELIVERY_BACKOFF_MS, "400",
                BrokerConfig.GROUP_SHARE_REDELIVERY_BACKOFF_MAX_MS, "800",
                BrokerConfig.GROUP_SHARE_DELIVERY_COUNT_LIMIT, "5"));
        produce("poison", List.of());
        KafkaShareConsumer<byte[], byte[]> consumer = consumer(Map.of());
        ConsumerRecord<byte[], byte[]> record = next(consumer);
        long[] expectedWaits = {400, 800, 800};
        for (long expected : expectedWaits) {
            consumer.acknowledge(record, AcknowledgeType.RELEASE);
            long releasedBefore = System.nanoTime();
            consumer.commitSync();
            record = next(consumer);
            long waitedMs = (System.nanoTime() - releasedBefore) / 1_000_000;
            assertTrue(waitedMs >= expected, "delivered again after " + waitedMs + " ms, before its " + expected
                    + " ms backoff");
            assertTrue(waitedMs < expected + 5_000, "delivered again only after " + waitedMs + " ms");
        }
        assertEquals(4, (int) record.deliveryCount().orElseThrow());
    }

    @Test
    void timedOutRecordWaitsItsBackoffTooAndOthersAreNotHeldUp() throws Exception {
        start(Map.of(BrokerConfig.GROUP_SHARE_REDELIVERY_BACKOFF_MS, "1000",
                BrokerConfig.GROUP_SHARE_RECORD_LOCK_DURATION_MS, "300",
                BrokerConfig.GROUP_SHARE_MIN_RECORD_LOCK_DURATION_MS, "300"));
        produce("slow", List.of());
        KafkaShareConsumer<byte[], byte[]> stuck = consumer(Map.of("max.poll.records", 1));
        next(stuck);   // then it stops polling: the lock times out after 300 ms, the backoff adds 1000 ms
        long acquiredBefore = System.nanoTime();
        produce("fresh", List.of());
        KafkaShareConsumer<byte[], byte[]> other = consumer(Map.of());
        ConsumerRecord<byte[], byte[]> first = next(other);
        assertEquals("fresh", new String(first.value(), StandardCharsets.UTF_8), "the waiting record holds up nothing");
        other.acknowledge(first, AcknowledgeType.ACCEPT);
        ConsumerRecord<byte[], byte[]> again = next(other);
        long waitedMs = (System.nanoTime() - acquiredBefore) / 1_000_000;
        assertEquals("slow", new String(again.value(), StandardCharsets.UTF_8));
        assertTrue(waitedMs >= 1_300, "delivered again after " + waitedMs + " ms: lock (300) plus backoff (1000)");
    }

    @Test
    void recordWithADeliveryTimeReachesShareGroupsThenButConsumersAtOnce() throws Exception {
        start(Map.of());
        long at = System.currentTimeMillis() + 1_500;
        produce("later", List.of(deliverAt(Long.toString(at))));
        produce("now", List.of());
        produce("malformed", List.of(deliverAt("tomorrow")));

        List<String> plain = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> reader = broker.consumer(Map.of())) {
            reader.assign(List.of(new TopicPartition(TOPIC, 0)));
            reader.seekToBeginning(reader.assignment());
            await().atMost(WAIT).until(() -> {
                reader.poll(Duration.ofMillis(50)).forEach(r -> plain.add(new String(r.value(), StandardCharsets.UTF_8)));
                return plain.size() >= 3;
            });
        }
        assertTrue(System.currentTimeMillis() < at, "the plain consumer read everything before the delivery time");
        assertEquals(List.of("later", "now", "malformed"), plain);

        KafkaShareConsumer<byte[], byte[]> consumer = consumer(Map.of());
        List<String> shared = new ArrayList<>();
        List<Long> receivedAt = new ArrayList<>();
        await().atMost(WAIT).until(() -> {
            for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(50))) {
                shared.add(new String(record.value(), StandardCharsets.UTF_8));
                receivedAt.add(System.currentTimeMillis());
                consumer.acknowledge(record, AcknowledgeType.ACCEPT);
            }
            return shared.size() >= 3;
        });
        assertEquals(List.of("now", "malformed", "later"), shared);
        assertTrue(receivedAt.get(1) < at, "records without a (valid) delivery time are not held back");
        assertTrue(receivedAt.get(2) >= at, "delivered " + (at - receivedAt.get(2)) + " ms before its time");
    }
}
