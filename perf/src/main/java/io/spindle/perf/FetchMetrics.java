package io.spindle.perf;

import java.util.Locale;
import java.util.Map;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;

/**
 * How a kafka-clients consumer fetched during a run, from its own metrics (group
 * {@code consumer-fetch-manager-metrics}, the consumer-wide ones, not per topic): {@code fetch-latency-avg} (ms, a
 * Fetch request's round trip), {@code fetch-size-avg} (bytes per Fetch response), {@code records-per-request-avg},
 * and fetches per second over the run. The averages are the client's sampled ones, so they cover the run only when
 * its metric window does ({@link #WINDOW_CONFIG}); the rate is {@code fetch-total} over the run's seconds, since the
 * client's own {@code fetch-rate} divides by at least one whole window and so understates a short run.
 */
record FetchMetrics(double latencyAvgMs, double sizeAvgBytes, double recordsPerRequestAvg, double fetchesPerSecond) {
    static final String GROUP = "consumer-fetch-manager-metrics";
    /** The consumer setting of its metrics' sample window ({@code metrics.sample.window.ms}). */
    static final String WINDOW_CONFIG = "metrics.sample.window.ms";

    /** Reads the consumer's metrics at the end of a run that took {@code seconds}. */
    static FetchMetrics of(KafkaConsumer<?, ?> consumer, double seconds) {
        Map<MetricName, ? extends Metric> metrics = consumer.metrics();
        double fetches = value(metrics, "fetch-total");
        return new FetchMetrics(value(metrics, "fetch-latency-avg"), value(metrics, "fetch-size-avg"),
                value(metrics, "records-per-request-avg"), seconds > 0 ? fetches / seconds : 0);
    }

    private static double value(Map<MetricName, ? extends Metric> metrics, String name) {
        for (Map.Entry<MetricName, ? extends Metric> e : metrics.entrySet()) {
            MetricName id = e.getKey();
            if (id.group().equals(GROUP) && id.name().equals(name) && !id.tags().containsKey("topic")
                    && e.getValue().metricValue() instanceof Number number) {
                return number.doubleValue();
            }
        }
        throw new PerfException("The consumer reports no metric " + name + " in group " + GROUP);
    }

    /** "fetches 132.9/s, latency avg 7.21 ms, 1048576 bytes and 1021.3 records per fetch". */
    String summary() {
        return String.format(Locale.ROOT, "fetches %.1f/s, latency avg %.2f ms, %.0f bytes and %.1f records per fetch",
                fetchesPerSecond, latencyAvgMs, sizeAvgBytes, recordsPerRequestAvg);
    }

    Json json() {
        return new Json().put("fetchRate", fetchesPerSecond).put("fetchLatencyAvgMs", latencyAvgMs)
                .put("fetchSizeAvg", sizeAvgBytes).put("recordsPerRequestAvg", recordsPerRequestAvg);
    }
}
