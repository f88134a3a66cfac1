package io.spindle.broker.data;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.spindle.broker.LocalBroker;
import io.spindle.config.BrokerConfig;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.protocol.ApiKeys;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** An idempotent producer whose produce response is lost retries, and the log keeps one copy. */
class LostProduceResponseTest {
    private static final String TOPIC = "retried";

    @TempDir
    Path dataDir;

    @Test
    void aBatchRetriedAfterItsResponseWasLostIsStoredOnceAndAcknowledgedWithItsOriginalOffset() throws Exception {
        try (ResponseDroppingProxy proxy = new ResponseDroppingProxy(ApiKeys.PRODUCE, 1);
             LocalBroker broker = LocalBroker.start(dataDir,
                     Map.of(BrokerConfig.FLUSH_MODE, "fsync", BrokerConfig.ADVERTISED_PORT, String.valueOf(proxy.port())))) {
            proxy.forwardTo(broker.port());
            broker.createTopic(TOPIC, 1);

            List<Long> offsets = new ArrayList<>();
            try (KafkaProducer<byte[], byte[]> producer = broker.producer(Map.of(
                    ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:" + proxy.port(),
                    ProducerConfig.RETRY_BACKOFF_MS_CONFIG, 10))) {
                for (int i = 0; i < 5; i++) {
                    byte[] value = ("v" + i).getBytes(StandardCharsets.UTF_8);
                    offsets.add(producer.send(new ProducerRecord<>(TOPIC, 0, null, value)).get(60, TimeUnit.SECONDS).offset());
                }
            }

            assertEquals(1, proxy.dropped(), "produce responses lost");
            assertEquals(List.of(0L, 1L, 2L, 3L, 4L), offsets);
            assertEquals(List.of("v0", "v1", "v2", "v3", "v4"), values(broker));
        }
    }

    private static List<String> values(LocalBroker broker) {
        TopicPartition partition = new TopicPartition(TOPIC, 0);
        List<String> values = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = broker.consumer(Map.of())) {
            consumer.assign(List.of(partition));
            consumer.seekToBeginning(List.of(partition));
            long end = consumer.endOffsets(List.of(partition)).get(partition);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (values.size() < end && System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                    values.add(new String(record.value(), StandardCharsets.UTF_8));
                }
            }
        }
        return values;
    }
}
