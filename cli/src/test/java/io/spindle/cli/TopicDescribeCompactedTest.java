package io.spindle.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spindle.broker.LocalBroker;
import io.spindle.config.BrokerConfig;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code spindle topic describe} of a compacted topic: the cleanup policy, and each partition's dirty ratio as the
 * broker's /metrics publishes it. The broker runs no cleaner thread, so every sealed segment stays dirty (ratio 1)
 * and the active one does not count.
 */
class TopicDescribeCompactedTest {
    @TempDir
    Path dataDir;

    private LocalBroker broker;

    @AfterEach
    void stop() {
        if (broker != null) {
            broker.close();
        }
    }

    private void startWithCompactedTopic() throws Exception {
        broker = LocalBroker.start(dataDir, Map.of(BrokerConfig.METRICS_PORT, "0", BrokerConfig.LOG_CLEANER_THREADS, "0"));
        Cli.Result created = Cli.on(broker.bootstrapServers(), "topic", "create", "table", "--partitions", "2",
                "--config", "cleanup.policy=compact", "--config", "segment.bytes=1024");
        assertEquals(0, created.status(), created::toString);
        try (KafkaProducer<byte[], byte[]> producer = broker.producer(Map.of(ProducerConfig.LINGER_MS_CONFIG, "0"))) {
            for (int i = 0; i < 100; i++) {       // partition 0 only: partition 1 stays empty, with nothing to clean
                producer.send(new ProducerRecord<>("table", 0, bytes("k" + i % 10), bytes("value " + i))).get();
            }
        }
    }

    private String metricsUrl() {
        return "http://127.0.0.1:" + broker.broker().metricsPort() + "/metrics";
    }

    @Test
    void aCompactedTopicShowsItsPolicyAndTheDirtyRatioOfEachPartition() throws Exception {
        startWithCompactedTopic();

        Cli.Result described = Cli.on(broker.bootstrapServers(), "topic", "describe", "table",
                "--metrics-url", metricsUrl());

        assertEquals(0, described.status(), described::toString);
        assertEquals(List.of(
                "Topic table: 2 partition(s), cleanup.policy=compact, segment.bytes=1024",
                "PARTITION  START  END  RECORDS  DIRTY RATIO",
                "0          0      100  100      1.00",
                "1          0      0    0        0.00"), described.outLines());
        assertEquals("", described.err());
    }

    @Test
    void withoutAReachableMetricsListenerTheRatioIsUnknownAndStderrSaysWhere() throws Exception {
        startWithCompactedTopic();
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        String url = "http://127.0.0.1:" + closedPort + "/metrics";

        Cli.Result described = Cli.on(broker.bootstrapServers(), "topic", "describe", "table", "--metrics-url", url);

        assertEquals(0, described.status(), described::toString);
        assertEquals("0          0      100  100      ?", described.outLines().get(2));
        assertEquals(1, described.errLines().size(), described::toString);
        assertTrue(described.err().startsWith("spindle topic describe: no dirty ratio (?): cannot read the broker's"
                + " metrics at " + url), described::toString);
        assertTrue(described.err().contains("--metrics-url"), described::toString);
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
