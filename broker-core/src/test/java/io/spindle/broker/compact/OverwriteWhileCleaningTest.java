package io.spindle.broker.compact;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spindle.broker.LocalBroker;
import io.spindle.config.BrokerConfig;
import io.spindle.config.TopicConfig;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The pattern that once made a kafka-clients producer time out after 120 s in a variant of perf's DumpLogSegmentsTest:
 * on a compacted topic whose cleaner runs all the time (tiny segments, backoff 20 ms), an idempotent lz4 producer
 * sends three keys without waiting, flushes, overwrites the middle key and waits for it, then sends one record at a
 * time. Every send must be acknowledged within a few seconds (a produce request never answered, or an acks=all waiter
 * never completed, would fail it with the producer's short delivery timeout), at consecutive offsets.
 */
class OverwriteWhileCleaningTest {
    private static final String TOPIC = "table";

    @TempDir
    Path dataDir;

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void everySendIsAcknowledgedWhileTheCleanerCompactsBesideIt(boolean overwriteAfterTheRounds) throws Exception {
        try (LocalBroker broker = LocalBroker.start(dataDir, Map.of(BrokerConfig.LOG_CLEANER_BACKOFF_MS, "20"))) {
            broker.createTopic(TOPIC, 1, Map.of(TopicConfig.CLEANUP_POLICY, "compact",
                    TopicConfig.SEGMENT_BYTES, "2048", TopicConfig.MIN_CLEANABLE_DIRTY_RATIO, "0.01"));
            List<Future<RecordMetadata>> sent = new ArrayList<>();
            try (KafkaProducer<byte[], byte[]> producer = broker.producer(Map.of(
                    ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4", ProducerConfig.LINGER_MS_CONFIG, "5",
                    ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, "5000", ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "15000"))) {
                if (overwriteAfterTheRounds) {
                    rounds(producer, sent);
                }
                for (int h = 0; h < 3; h++) {
                    sent.add(producer.send(new ProducerRecord<>(TOPIC, 0, bytes("h" + h), bytes("first"))));
                }
                producer.flush();
                sent.add(producer.send(new ProducerRecord<>(TOPIC, 0, bytes("h1"), bytes("second"))));
                sent.get(sent.size() - 1).get(20, TimeUnit.SECONDS);
                if (!overwriteAfterTheRounds) {
                    rounds(producer, sent);
                }
                for (int i = 0; i < 60; i++) {
                    Future<RecordMetadata> tail = producer.send(new ProducerRecord<>(TOPIC, 0, bytes("tail" + i),
                            bytes("t" + i)));
                    tail.get(20, TimeUnit.SECONDS);
                    sent.add(tail);
                }
            }
            for (int i = 0; i < sent.size(); i++) {
                assertTrue(sent.get(i).isDone(), "send " + i + " answered");
                assertEquals(i, sent.get(i).get().offset(), "send " + i + "'s offset");
            }
        }
    }

    /** Twenty rounds of updates to twelve keys, sent without waiting, so that the producer batches several a request. */
    private static void rounds(KafkaProducer<byte[], byte[]> producer, List<Future<RecordMetadata>> sent) {
        for (int round = 0; round < 20; round++) {
            for (int k = 0; k < 12; k++) {
                sent.add(producer.send(new ProducerRecord<>(TOPIC, 0, bytes("k" + k), bytes("v" + round + "-" + k))));
            }
        }
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
