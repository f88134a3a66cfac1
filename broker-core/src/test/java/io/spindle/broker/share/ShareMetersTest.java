package io.spindle.broker.share;

import static io.spindle.broker.metrics.PrometheusText.scrape;
import static io.spindle.broker.metrics.PrometheusText.value;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spindle.broker.LocalBroker;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.consumer.AcknowledgeType;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaShareConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The share-group meters on /metrics: members, records in flight, acquired, available, dead-lettering, lag, archived,
 * deliveries by delivery count, lock timeouts and dead letters; and that the dashboard's share panels query them.
 */
class ShareMetersTest {
    @TempDir
    Path dataDir;

    @Test
    void metersShowWhatTheShareGroupHoldsAndHasArchived() throws Exception {
        try (LocalBroker broker = LocalBroker.start(dataDir, Map.of("metrics.port", "0",
                "group.share.auto.offset.reset", "earliest"))) {
            broker.createTopic("work", 1);
            try (KafkaProducer<byte[], byte[]> producer = broker.producer(Map.of())) {
                for (int i = 0; i < 6; i++) {
                    producer.send(new ProducerRecord<>("work", 0, null, new byte[] {(byte) i}));
                }
            }
            try (KafkaShareConsumer<byte[], byte[]> consumer = broker.shareConsumer("metered",
                    Map.of("share.acknowledgement.mode", "explicit"))) {
                consumer.subscribe(List.of("work"));
                List<ConsumerRecord<byte[], byte[]>> got = new ArrayList<>();
                await().atMost(Duration.ofSeconds(60)).until(() -> {
                    consumer.poll(Duration.ofMillis(200)).forEach(got::add);
                    return got.size() == 6;
                });
                consumer.acknowledge(got.get(0), AcknowledgeType.ACCEPT);
                consumer.acknowledge(got.get(1), AcknowledgeType.REJECT);
                consumer.commitSync();

                Map<String, Double> samples = scrape(broker.broker().metricsPort());
                String labels = "group=\"metered\",partition=\"0\",topic=\"work\"";
                assertEquals(1.0, value(samples, "spindle_share_group_members", "group=\"metered\""));
                assertEquals(4.0, value(samples, "spindle_share_partition_in_flight", labels));
                assertEquals(4.0, value(samples, "spindle_share_partition_acquired", labels));
                assertEquals(4.0, value(samples, "spindle_share_partition_lag", labels));
                assertEquals(1.0, value(samples, "spindle_share_partition_archived_total", labels));
                assertEquals(0.0, samples.get("spindle_share_lock_timeouts_total"));
                assertEquals(0.0, value(samples, "spindle_share_partition_available", labels));
                assertEquals(0.0, value(samples, "spindle_share_partition_dead_lettering", labels));
                assertEquals(6.0, value(samples, "spindle_share_group_deliveries_total",
                        "delivery_count=\"1\",group=\"metered\""));
                assertEquals(0.0, value(samples, "spindle_share_group_lock_timeouts_total", "group=\"metered\""));
                assertEquals(0.0, value(samples, "spindle_share_group_dead_letters_total", "group=\"metered\""));

                // Every share meter the Grafana dashboard queries exists.
                String dashboard = Files.readString(Path.of("..", "docs", "grafana-dashboard.json"));
                Matcher names = Pattern.compile("spindle_share_[a-z_]+").matcher(dashboard);
                int checked = 0;
                while (names.find()) {
                    String name = names.group();
                    assertTrue(samples.keySet().stream().anyMatch(sample -> sample.startsWith(name)),
                            "the dashboard queries " + name + ", which the broker does not export");
                    checked++;
                }
                assertTrue(checked >= 9);
            }
        }
    }
}
