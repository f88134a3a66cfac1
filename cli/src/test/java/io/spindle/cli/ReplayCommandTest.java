package io.spindle.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.spindle.client.Spindle;
import io.spindle.client.SpindleRecord;
import io.spindle.test.BootstrapServers;
import io.spindle.test.EmbeddedBroker;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.Test;

@EmbeddedBroker
class ReplayCommandTest {
    private static final Instant BASE = Instant.parse("2026-03-01T12:00:00Z");

    @Test
    void offsetRangeIsPrintedWithoutAnythingOnStderr(@BootstrapServers String bootstrap) throws Exception {
        produceMinutely(bootstrap, "ledger", 10);

        Cli.Result result = Cli.on(bootstrap, "replay", "ledger", "--from-offset", "3", "--to-offset", "6");

        assertEquals(0, result.status(), result::toString);
        assertEquals(List.of("entry-3", "entry-4", "entry-5"), result.outLines());
        assertEquals("", result.err(), "no progress bar without a terminal");
    }

    @Test
    void timeRangeIsPrintedAsKeyValue(@BootstrapServers String bootstrap) throws Exception {
        produceMinutely(bootstrap, "journal", 10);

        Cli.Result result = Cli.on(bootstrap, "replay", "journal", "--from-time", BASE.plusSeconds(120).toString(),
                "--to-time", BASE.plusSeconds(240).toString(), "--format", "key-value");

        assertEquals(0, result.status(), result::toString);
        assertEquals(List.of("k2\tentry-2", "k3\tentry-3", "k4\tentry-4"), result.outLines());
    }

    @Test
    void wholeTopicCopiedIntoAnotherKeepsKeysHeadersAndTimestamps(@BootstrapServers String bootstrap) throws Exception {
        produceMinutely(bootstrap, "source", 5);

        Cli.Result result = Cli.on(bootstrap, "replay", "source", "--to-topic", "copy");

        assertEquals(0, result.status(), result::toString);
        assertEquals(List.of("Replayed 5 record(s) from source to copy"), result.outLines());
        try (Spindle spindle = Spindle.connect(bootstrap)) {
            List<SpindleRecord<String, String>> copied = spindle.replay("copy").stream().toList();
            assertEquals(5, copied.size());
            SpindleRecord<String, String> last = copied.get(4);
            assertEquals("k4", last.key());
            assertEquals("entry-4", last.value());
            assertEquals(Map.of("n", "4"), last.headers());
            assertEquals(BASE.plusSeconds(240), last.timestamp());
        }
    }

    @Test
    void copyingIntoTheSameTopicIsRefused(@BootstrapServers String bootstrap) {
        Cli.Result result = Cli.on(bootstrap, "replay", "loop", "--to-topic", "loop");

        assertEquals(2, result.status());
        assertEquals(1, result.errLines().size(), result::toString);
    }

    /** Records entry-0.. with keys k0.., header n, one minute apart from {@link #BASE}, in partition 0. */
    private static void produceMinutely(String bootstrap, String topic, int count) throws Exception {
        try (Spindle spindle = Spindle.connect(bootstrap);
             KafkaProducer<byte[], byte[]> producer = spindle.newKafkaProducer(Map.of())) {
            for (int i = 0; i < count; i++) {
                RecordHeaders headers = new RecordHeaders();
                headers.add("n", Integer.toString(i).getBytes(StandardCharsets.UTF_8));
                producer.send(new ProducerRecord<>(topic, 0, BASE.plusSeconds(60L * i).toEpochMilli(),
                        ("k" + i).getBytes(StandardCharsets.UTF_8), ("entry-" + i).getBytes(StandardCharsets.UTF_8),
                        headers)).get(10, TimeUnit.SECONDS);
            }
        }
    }
}
