package io.spindle.broker.share;

import static io.spindle.broker.metrics.PrometheusText.scrape;
import static io.spindle.broker.metrics.PrometheusText.value;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.spindle.broker.LocalBroker;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.AcknowledgeType;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaShareConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The share-group meters on /metrics: members, records in flight, acquired, lag, archived, lock timeouts. */
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
            }
        }
    }
}
