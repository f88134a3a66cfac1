package io.spindle.broker.metrics;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spindle.broker.LocalBroker;
import io.spindle.config.BrokerConfig;
import io.spindle.config.TopicConfig;
import io.spindle.fixtures.ManualClock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.config.ConfigResource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The log cleaner's meters as a scraper reads them from a real broker's /metrics: a dirty ratio and a time since the
 * last clean for each compacted partition (and for no other), the bytes the cleaner moved, and its failures. The
 * broker runs on a clock that moves only when the test moves it, so times are exact.
 */
class CleanerMetricsTest {
    private static final String RATIO = "spindle_log_cleaner_dirty_ratio";
    private static final String SINCE_CLEAN = "spindle_log_cleaner_time_since_last_clean_seconds";

    @TempDir
    Path dataDir;

    /** An hour ahead of the producers' record timestamps, which are then never too young to clean. */
    private final ManualClock clock = new ManualClock(System.currentTimeMillis() + 3_600_000);
    private LocalBroker broker;

    @AfterEach
    void stop() {
        if (broker != null) {
            broker.close();
        }
    }

    private LocalBroker start(int cleanerThreads) {
        return LocalBroker.start(dataDir, Map.of(BrokerConfig.LOG_CLEANER_THREADS, Integer.toString(cleanerThreads),
                BrokerConfig.LOG_CLEANER_BACKOFF_MS, "20", BrokerConfig.METRICS_PORT, "0"), clock);
    }

    private static String labels(String topic) {
        return "partition=\"0\",topic=\"" + topic + "\"";
    }

    private Map<String, Double> scrape() throws Exception {
        return PrometheusText.scrape(broker.broker().metricsPort());
    }

    /** Ten updates of each of ten keys, then a filler key until the updates lie in sealed segments. */
    private void produceUpdates(String topic) throws Exception {
        try (KafkaProducer<byte[], byte[]> producer = broker.producer(Map.of(ProducerConfig.LINGER_MS_CONFIG, "0"))) {
            for (int round = 0; round < 10; round++) {
                for (int k = 0; k < 10; k++) {
                    producer.send(new ProducerRecord<>(topic, bytes("k" + k), bytes("v" + round))).get();
                }
            }
            for (int i = 0; i < 40; i++) {
                producer.send(new ProducerRecord<>(topic, bytes("filler"), bytes("f" + i))).get();
            }
        }
    }

    private void setPolicy(String topic, String policy) throws Exception {
        try (Admin admin = broker.admin()) {
            admin.incrementalAlterConfigs(Map.of(new ConfigResource(ConfigResource.Type.TOPIC, topic),
                    List.of(new AlterConfigOp(new ConfigEntry(TopicConfig.CLEANUP_POLICY, policy),
                            AlterConfigOp.OpType.SET)))).all().get();
        }
    }

    @Test
    void onlyCompactedPartitionsHaveADirtyRatioAndItFollowsAChangeOfPolicy() throws Exception {
        broker = start(0);                     // no cleaner thread: nothing is cleaned, everything sealed is dirty
        broker.createTopic("table", 1, Map.of(TopicConfig.CLEANUP_POLICY, "compact", TopicConfig.SEGMENT_BYTES, "1024"));
        broker.createTopic("events", 1, Map.of(TopicConfig.SEGMENT_BYTES, "1024"));
        produceUpdates("table");
        produceUpdates("events");
        clock.advance(Duration.ofSeconds(90));

        Map<String, Double> before = scrape();
        assertEquals(1.0, PrometheusText.value(before, RATIO, labels("table")), "never cleaned: all dirty");
        assertEquals(90.0, PrometheusText.value(before, SINCE_CLEAN, labels("table")),
                "not cleaned since the broker started 90 s ago");
        assertFalse(before.containsKey(RATIO + "{" + labels("events") + "}"), "a delete-only topic has no dirty ratio");
        assertFalse(before.containsKey(SINCE_CLEAN + "{" + labels("events") + "}"));
        assertEquals(0.0, before.get("spindle_log_cleaner_failures_total"));

        setPolicy("events", "compact,delete");
        setPolicy("table", "delete");

        Map<String, Double> after = scrape();
        assertEquals(1.0, PrometheusText.value(after, RATIO, labels("events")));
        assertFalse(after.containsKey(RATIO + "{" + labels("table") + "}"), "no longer compacted: its series goes");
        assertFalse(after.containsKey(SINCE_CLEAN + "{" + labels("table") + "}"));
    }

    @Test
    void aCleanTakesTheDirtyRatioToZeroAndRestartsTheTimeSinceLastClean() throws Exception {
        broker = start(1);
        broker.createTopic("table", 1, Map.of(TopicConfig.CLEANUP_POLICY, "compact", TopicConfig.SEGMENT_BYTES, "1024",
                TopicConfig.MIN_CLEANABLE_DIRTY_RATIO, "0.01"));

        produceUpdates("table");

        await().atMost(Duration.ofSeconds(20)).until(() -> {
            Map<String, Double> samples = scrape();
            return PrometheusText.value(samples, RATIO, labels("table")) == 0.0
                    && PrometheusText.value(samples, SINCE_CLEAN, labels("table")) == 0.0;
        });
        clock.advance(Duration.ofSeconds(7));
        Map<String, Double> samples = scrape();
        assertEquals(7.0, PrometheusText.value(samples, SINCE_CLEAN, labels("table")));
        assertTrue(samples.get("spindle_log_cleaner_read_bytes_total") > 0);
        assertTrue(samples.get("spindle_log_cleaner_written_bytes_total") > 0);
        assertTrue(samples.get("spindle_log_cleaner_written_bytes_total")
                < samples.get("spindle_log_cleaner_read_bytes_total"), "the clean dropped the overwritten values");
        assertTrue(samples.get("spindle_log_cleaner_time_since_last_run_seconds") <= 7.0);
        assertEquals(0.0, samples.get("spindle_log_cleaner_failures_total"));
    }

    @Test
    void aFailedCleanIsCountedAndItsPartitionIsUncleanable() throws Exception {
        broker = start(1);
        broker.createTopic("table", 1, Map.of(TopicConfig.SEGMENT_BYTES, "1024",
                TopicConfig.MIN_CLEANABLE_DIRTY_RATIO, "0.01"));
        produceUpdates("table");
        Path firstSegment = dataDir.resolve("table-0").resolve(String.format("%020d.log", 0));
        Files.delete(firstSegment);          // the log keeps its mapping; the cleaner cannot open the file
        Files.createDirectory(firstSegment);

        setPolicy("table", "compact");

        await().atMost(Duration.ofSeconds(20))
                .until(() -> scrape().get("spindle_log_cleaner_failures_total") == 1.0);
        Map<String, Double> samples = scrape();
        assertEquals(1.0, samples.get("spindle_log_cleaner_uncleanable_partitions"));
        assertEquals(1.0, PrometheusText.value(samples, RATIO, labels("table")), "still all dirty");
        Files.delete(firstSegment);
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
