package io.spindle.client;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spindle.test.EmbeddedBroker;
import io.spindle.test.EmbeddedSpindle;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@EmbeddedBroker({"num.partitions=2"})
@ExtendWith(ConnectedSpindle.class)
class SpindleProducerTest {

    @Test
    void sendsReturnPartitionAndConsecutiveOffsets(Spindle spindle) throws Exception {
        SpindleProducer<String, String> producer = spindle.producer();
        List<Sent> sent = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            sent.add(producer.send("sends", "same-key", "value-" + i).get(10, TimeUnit.SECONDS));
        }

        assertEquals(sent.get(0).partition(), sent.get(2).partition(), "one key, one partition: " + sent);
        assertEquals(List.of(0L, 1L, 2L), sent.stream().map(Sent::offset).toList());
        assertEquals("sends", sent.get(0).topic());
    }

    @Test
    void headersKeysAndValuesComeBackAsSent(Spindle spindle) {
        spindle.producer().send("headers", 1, "k", "v", Map.of("trace", "abc", "origin", "test")).join();

        List<SpindleRecord<String, String>> records = new ArrayList<>();
        spindle.replay("headers").partitions(List.of(1)).forEach(records::add);

        assertEquals(1, records.size());
        SpindleRecord<String, String> record = records.get(0);
        assertEquals(1, record.partition());
        assertEquals("k", record.key());
        assertEquals("v", record.value());
        assertEquals(Map.of("trace", "abc", "origin", "test"), record.headers());
    }

    @Test
    void bytesAndUserSerdesCarryTheirTypes(Spindle spindle) {
        Serde<Long> longs = Serde.of(v -> ByteBuffer.allocate(8).putLong(v).array(), b -> ByteBuffer.wrap(b).getLong());
        spindle.producer(longs, Serde.bytes()).build().send("typed", 0, 42L, new byte[] {1, 2, 3}, Map.of()).join();

        List<SpindleRecord<Long, byte[]>> records = new ArrayList<>();
        spindle.replay("typed", longs, Serde.bytes()).fromOffset(0, 0).forEach(records::add);

        assertEquals(42L, records.get(0).key());
        assertArrayEquals(new byte[] {1, 2, 3}, records.get(0).value());
    }

    @Test
    void nullKeyIsSentAsARecordWithoutKey(Spindle spindle) {
        Sent sent = spindle.producer().send("nokey", 0, null, "v", Map.of()).join();

        SpindleRecord<String, String> record = spindle.replay("nokey").fromOffset(0, sent.offset()).stream()
                .findFirst().orElseThrow();
        assertEquals(null, record.key());
    }

    @Test
    void sendToAPartitionThatDoesNotExistFailsNamingTheTopic(EmbeddedSpindle broker) {
        try (Spindle spindle = Spindle.builder(broker.bootstrapServers()).timeout(Duration.ofSeconds(2)).connect()) {
            spindle.admin().createTopic("two-partitions", 2, Map.of());

            CompletionException failed = assertThrows(CompletionException.class,
                    () -> spindle.producer().send("two-partitions", 7, "k", "v", Map.of()).join());

            SpindleException error = assertInstanceOf(SpindleException.class, failed.getCause());
            assertTrue(error.getMessage().contains("'two-partitions'"), error.getMessage());
        }
    }
}
