package io.spindle.perf;

import java.util.Locale;
import org.HdrHistogram.Histogram;

/**
 * What one load run measured: how many records and value bytes moved in how long, and a latency histogram in
 * microseconds (what the latency is depends on the workload: send to acknowledgement for produce, scheduled send
 * to receipt for end-to-end, one poll for consume).
 */
public record RunResult(String workload, long records, long bytes, long elapsedNanos, Histogram latencyMicros) {

    public double seconds() {
        return elapsedNanos / 1e9;
    }

    public double recordsPerSecond() {
        return elapsedNanos == 0 ? 0 : records / seconds();
    }

    /** Record value bytes per second, in MB (10^6 bytes). */
    public double megabytesPerSecond() {
        return elapsedNanos == 0 ? 0 : bytes / 1e6 / seconds();
    }

    /** A latency percentile (0-100) in milliseconds; 0 when nothing was recorded. */
    public double latencyMs(double percentile) {
        return latencyMicros.getTotalCount() == 0 ? 0 : latencyMicros.getValueAtPercentile(percentile) / 1000.0;
    }

    public double maxLatencyMs() {
        return latencyMicros.getTotalCount() == 0 ? 0 : latencyMicros.getMaxValue() / 1000.0;
    }

    /** One line for people. */
    public String summary() {
        return String.format(Locale.ROOT,
                "%s: %d records in %.2f s: %.0f records/s, %.1f MB/s; latency ms p50 %.2f, p99 %.2f, p99.9 %.2f, max %.2f",
                workload, records, seconds(), recordsPerSecond(), megabytesPerSecond(), latencyMs(50), latencyMs(99),
                latencyMs(99.9), maxLatencyMs());
    }

    /** The measured fields as JSON; the caller adds the parameters. */
    public Json json() {
        return new Json().put("workload", workload).put("records", records).put("bytes", bytes)
                .put("seconds", seconds()).put("recordsPerSec", recordsPerSecond()).put("mbPerSec", megabytesPerSecond())
                .put("latencySamples", latencyMicros.getTotalCount())
                .put("p50Ms", latencyMs(50)).put("p99Ms", latencyMs(99)).put("p999Ms", latencyMs(99.9))
                .put("maxMs", maxLatencyMs());
    }

    /** A histogram of microseconds up to ten minutes with three significant digits. */
    public static Histogram newHistogram() {
        return new Histogram(600_000_000L, 3);
    }
}
