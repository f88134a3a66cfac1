package io.spindle.perf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The figures read out of Kafka 4.4's perf tools. The inputs are the tools' complete output, captured from one run
 * of each against a Spindle broker (src/test/resources/kafka-tools), progress lines and warnings included.
 */
class KafkaToolOutputTest {
    private static List<String> captured(String name) throws IOException {
        try (InputStream in = KafkaToolOutputTest.class.getResourceAsStream("/kafka-tools/" + name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().toList();
        }
    }

    @Test
    void producerFiguresComeFromTheFinalLineNotFromAProgressLine() throws IOException {
        KafkaToolOutput.Producer p = KafkaToolOutput.producer(captured("producer-performance.out"));

        assertEquals(50_000, p.records());
        assertEquals(8790.436006, p.recordsPerSec(), 1e-9);
        assertEquals(8.58, p.mbPerSec(), 1e-9);
        assertEquals(2337.96, p.avgMs(), 1e-9);
        assertEquals(3187.0, p.maxMs(), 1e-9);
        assertEquals(2317, p.p50Ms(), 1e-9);
        assertEquals(3119, p.p95Ms(), 1e-9);
        assertEquals(3169, p.p99Ms(), 1e-9);
        assertEquals(3186, p.p999Ms(), 1e-9);
    }

    @Test
    void consumerColumnsAreFoundByTheirNamesInTheHeader() throws IOException {
        KafkaToolOutput.Consumer c = KafkaToolOutput.consumer(captured("consumer-performance.out"));

        assertEquals(50_000, c.records());
        assertEquals(48.8281, c.mb(), 1e-9);
        assertEquals(28901.7341, c.recordsPerSec(), 1e-9);
        assertEquals(903, c.rebalanceMs(), 1e-9);
        assertEquals(827, c.fetchMs(), 1e-9);
        assertEquals(59.0425, c.fetchMbPerSec(), 1e-9);
        assertEquals(60459.4921, c.fetchRecordsPerSec(), 1e-9);
    }

    @Test
    void endToEndReadsTheAverageAndThePercentiles() throws IOException {
        KafkaToolOutput.EndToEnd e = KafkaToolOutput.endToEnd(captured("end-to-end-latency.out"));

        assertEquals(6.0685, e.avgMs(), 1e-9);
        assertEquals(4, e.p50Ms(), 1e-9);
        assertEquals(39, e.p99Ms(), 1e-9);
        assertEquals(121, e.p999Ms(), 1e-9);
    }

    @Test
    void aProducerRunThatStoppedBeforeItsFinalLineIsAnErrorQuotingTheOutput() throws IOException {
        List<String> progressOnly = captured("producer-performance.out").subList(0, 3);

        PerfException e = assertThrows(PerfException.class, () -> KafkaToolOutput.producer(progressOnly));

        assertTrue(e.getMessage().startsWith("ProducerPerformance's output has no final line"), e.getMessage());
        assertTrue(e.getMessage().contains("40276 records sent"), e.getMessage());
    }

    @Test
    void aConsumerRowWithMissingColumnsIsAnError() {
        List<String> lines = List.of("start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg",
                "2026-12-06 21:51:43:969, 2026-12-06 21:51:45:699, 48.8281");

        PerfException e = assertThrows(PerfException.class, () -> KafkaToolOutput.consumer(lines));

        assertTrue(e.getMessage().contains("3 values under its 5-column header"), e.getMessage());
    }

    @Test
    void anEndToEndRunWithoutPercentilesIsAnError() {
        PerfException e = assertThrows(PerfException.class,
                () -> KafkaToolOutput.endToEnd(List.of("0\t106.06", "Avg latency: 6.0685 ms")));

        assertTrue(e.getMessage().startsWith("EndToEndLatency's output has no"), e.getMessage());
    }
}
