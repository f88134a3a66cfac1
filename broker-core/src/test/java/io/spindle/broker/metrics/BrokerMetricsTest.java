package io.spindle.broker.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BrokerMetricsTest {

    @Test
    void processCpuTimeIsServedInSecondsOnlyNotAlsoInNanoseconds() {
        try (BrokerMetrics metrics = new BrokerMetrics(10)) {
            metrics.bindJvmMeters();
            Map<String, Double> samples = PrometheusText.parse(metrics.registry().scrape());

            assertTrue(samples.containsKey("process_cpu_seconds_total"), samples.keySet().toString());
            assertTrue(samples.keySet().stream().noneMatch(name -> name.startsWith("process_cpu_time")),
                    samples.keySet().toString());
        }
    }

    @Test
    void residentMemoryIsSplitIntoAnonymousFileBackedAndSharedParts() {
        try (BrokerMetrics metrics = new BrokerMetrics(10)) {
            Map<String, Double> samples = PrometheusText.parse(metrics.registry().scrape());

            double resident = samples.get("process_resident_memory_bytes");
            double parts = samples.get("process_resident_memory_anonymous_bytes")
                    + samples.get("process_resident_memory_file_bytes")
                    + samples.get("process_resident_memory_shared_bytes");
            assertTrue(samples.get("process_resident_memory_anonymous_bytes") > 0, samples.toString());
            // The kernel's VmRSS is the sum of the three; the gauges read the file one after the other.
            assertEquals(resident, parts, resident * 0.05);
        }
    }

    @Test
    void touchingTheMappedPagesOfAFileRaisesFileBackedMemoryNotAnonymous(@TempDir Path dir) throws Exception {
        int size = 128 << 20;
        Path file = dir.resolve("segment.log");
        try (BrokerMetrics metrics = new BrokerMetrics(10);
             FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
                     StandardOpenOption.WRITE)) {
            ByteBuffer chunk = ByteBuffer.allocate(1 << 20);
            for (int at = 0; at < size; at += chunk.capacity()) {
                channel.write(chunk.clear(), at);
            }
            Map<String, Double> before = PrometheusText.parse(metrics.registry().scrape());
            MappedByteBuffer mapped = channel.map(FileChannel.MapMode.READ_ONLY, 0, size);
            long sum = 0;
            for (int at = 0; at < size; at += 4096) {
                sum += mapped.get(at);
            }
            Map<String, Double> after = PrometheusText.parse(metrics.registry().scrape());

            assertEquals(0, sum);
            double fileBacked = after.get("process_resident_memory_file_bytes") - before.get("process_resident_memory_file_bytes");
            double anonymous = after.get("process_resident_memory_anonymous_bytes")
                    - before.get("process_resident_memory_anonymous_bytes");
            assertTrue(fileBacked >= size * 0.9, "file-backed grew by " + fileBacked + " bytes after touching " + size);
            assertTrue(anonymous < size / 4.0, "anonymous grew by " + anonymous + " bytes");
        }
    }
}
