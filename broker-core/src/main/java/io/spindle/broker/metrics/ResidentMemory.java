package io.spindle.broker.metrics;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The broker's resident memory split as Linux counts it in {@code /proc/self/status}: the whole resident set
 * ({@code VmRSS}) and its three parts, anonymous ({@code RssAnon}: heap, thread stacks, direct buffers, the JVM's own
 * allocations), file-backed ({@code RssFile}: mapped pages of the segment and index files, and of the JVM's jars and
 * libraries) and shared memory ({@code RssShmem}).
 *
 * <p>Why the split: Spindle reads its segments through memory maps, so the page cache of the log it just wrote or
 * served shows up in VmRSS as file-backed pages. Those pages belong to the kernel's cache, are dropped under memory
 * pressure without swapping, and a broker that reads with read(2) (Kafka) has the same pages in the cache without
 * counting them. Anonymous memory is what the process itself needs; docs/metrics.md says how to read them.
 *
 * <p>Each gauge reads the status file when scraped (a few microseconds); off Linux the meters are not registered.
 */
final class ResidentMemory {
    private static final Path STATUS = Path.of("/proc/self/status");

    private ResidentMemory() {
    }

    /** Registers the four gauges when {@code /proc/self/status} exists. */
    static void bindTo(MeterRegistry registry) {
        if (!Files.isReadable(STATUS)) {
            return;
        }
        gauge(registry, "process.resident.memory", "VmRSS", "Resident set size of the broker process");
        gauge(registry, "process.resident.memory.anonymous", "RssAnon",
                "Resident anonymous memory: heap, stacks, direct buffers and the JVM's own allocations");
        gauge(registry, "process.resident.memory.file", "RssFile",
                "Resident file-backed memory: mapped pages of segments, indexes, jars and libraries (page cache)");
        gauge(registry, "process.resident.memory.shared", "RssShmem", "Resident shared memory (shmem, tmpfs)");
    }

    private static void gauge(MeterRegistry registry, String name, String field, String description) {
        Gauge.builder(name, () -> bytes(field)).baseUnit("bytes").description(description).register(registry);
    }

    /** The status file's {@code field} in bytes; NaN when it cannot be read (a kernel without that line). */
    static double bytes(String field) {
        try {
            return parseKiB(Files.readString(STATUS, StandardCharsets.ISO_8859_1), field) * 1024;
        } catch (IOException e) {
            return Double.NaN;
        }
    }

    /** The "{@code field}: n kB" line of a status text in KiB, or NaN when there is none. */
    static double parseKiB(String status, String field) {
        for (String line : status.split("\n")) {
            if (line.startsWith(field + ":")) {
                String[] parts = line.substring(field.length() + 1).trim().split("\\s+");
                if (parts.length == 2 && parts[1].equals("kB")) {
                    try {
                        return Long.parseLong(parts[0]);
                    } catch (NumberFormatException e) {
                        return Double.NaN;
                    }
                }
            }
        }
        return Double.NaN;
    }
}
