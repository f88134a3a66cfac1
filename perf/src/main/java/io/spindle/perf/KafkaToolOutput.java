package io.spindle.perf;

import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads the figures out of what Apache Kafka 4.4's perf tools print, so that {@code spindle perf kafka-tools} reports
 * the tools' own numbers, not numbers of ours. Each parser takes every line the tool wrote (stdout and stderr
 * together) and throws {@link PerfException} naming the tool and quoting its last lines when the line it needs is
 * missing. The formats, as the tools print them (KafkaToolOutputTest holds lines captured from a run):
 * <ul>
 *   <li>{@code ProducerPerformance}: progress lines, then one final line ending in percentiles:
 *       {@code 50000 records sent, 8790.436006 records/sec (8.58 MB/sec), 2337.96 ms avg latency, 3187.00 ms max
 *       latency, 2317 ms 50th, 3119 ms 95th, 3169 ms 99th, 3186 ms 99.9th.}</li>
 *   <li>{@code ConsumerPerformance}: a CSV header ({@code start.time, end.time, data.consumed.in.MB, ...}) and one
 *       row under it; the columns are looked up by name.</li>
 *   <li>{@code EndToEndLatency}: {@code Avg latency: 6.0685 ms} and
 *       {@code Percentiles: 50th = 4, 99th = 39, 99.9th = 121} (whole milliseconds).</li>
 * </ul>
 */
final class KafkaToolOutput {
    private static final String NUMBER = "([0-9]+(?:\\.[0-9]+)?)";
    private static final Pattern PRODUCER_FINAL = Pattern.compile("^([0-9]+) records sent, " + NUMBER
            + " records/sec \\(" + NUMBER + " MB/sec\\), " + NUMBER + " ms avg latency, " + NUMBER + " ms max latency, "
            + NUMBER + " ms 50th, " + NUMBER + " ms 95th, " + NUMBER + " ms 99th, " + NUMBER + " ms 99\\.9th\\.$");
    private static final Pattern E2E_AVERAGE = Pattern.compile("^Avg latency: " + NUMBER + " ms$");
    private static final Pattern E2E_PERCENTILES = Pattern.compile("^Percentiles: 50th = " + NUMBER + ", 99th = "
            + NUMBER + ", 99\\.9th = " + NUMBER + "$");
    private static final String CONSUMER_HEADER_START = "start.time, end.time,";

    private KafkaToolOutput() {
    }

    /** ProducerPerformance's final line: throughput and send-to-acknowledgement latency in ms. */
    record Producer(long records, double recordsPerSec, double mbPerSec, double avgMs, double maxMs, double p50Ms,
                    double p95Ms, double p99Ms, double p999Ms) {
    }

    /**
     * ConsumerPerformance's row. {@code recordsPerSec} is over the whole run, the consumer group's join
     * ({@code rebalanceMs}) included; {@code fetchRecordsPerSec} over the fetching alone, the catch-up rate.
     */
    record Consumer(long records, double mb, double recordsPerSec, double rebalanceMs, double fetchMs,
                    double fetchMbPerSec, double fetchRecordsPerSec) {
    }

    /** EndToEndLatency's summary, in ms: the average, and the percentiles it prints (whole ms). */
    record EndToEnd(double avgMs, double p50Ms, double p99Ms, double p999Ms) {
    }

    static Producer producer(List<String> lines) {
        for (int i = lines.size() - 1; i >= 0; i--) {
            Matcher m = PRODUCER_FINAL.matcher(lines.get(i).strip());
            if (m.matches()) {
                return new Producer(Long.parseLong(m.group(1)), number(m, 2), number(m, 3), number(m, 4), number(m, 5),
                        number(m, 6), number(m, 7), number(m, 8), number(m, 9));
            }
        }
        throw missing("ProducerPerformance", "final line (\"N records sent, ... ms 99.9th.\")", lines);
    }

    static Consumer consumer(List<String> lines) {
        for (int i = 0; i < lines.size() - 1; i++) {
            if (!lines.get(i).strip().startsWith(CONSUMER_HEADER_START)) {
                continue;
            }
            List<String> names = List.of(lines.get(i).strip().split("\\s*,\\s*"));
            String[] values = lines.get(i + 1).strip().split("\\s*,\\s*");
            if (values.length != names.size()) {
                throw new PerfException("ConsumerPerformance printed " + values.length + " values under its "
                        + names.size() + "-column header: " + lines.get(i + 1));
            }
            return new Consumer((long) column(names, values, "data.consumed.in.nMsg"),
                    column(names, values, "data.consumed.in.MB"), column(names, values, "nMsg.sec"),
                    column(names, values, "rebalance.time.ms"), column(names, values, "fetch.time.ms"),
                    column(names, values, "fetch.MB.sec"), column(names, values, "fetch.nMsg.sec"));
        }
        throw missing("ConsumerPerformance", "header (\"" + CONSUMER_HEADER_START + " ...\") and a row under it",
                lines);
    }

    static EndToEnd endToEnd(List<String> lines) {
        Double average = null;
        Matcher percentiles = null;
        for (String line : lines) {
            Matcher a = E2E_AVERAGE.matcher(line.strip());
            if (a.matches()) {
                average = Double.parseDouble(a.group(1));
            }
            Matcher p = E2E_PERCENTILES.matcher(line.strip());
            if (p.matches()) {
                percentiles = p;
            }
        }
        if (average == null || percentiles == null) {
            throw missing("EndToEndLatency", "\"Avg latency: X ms\" and \"Percentiles: 50th = ..., 99th = ..., 99.9th = ...\"",
                    lines);
        }
        return new EndToEnd(average, number(percentiles, 1), number(percentiles, 2), number(percentiles, 3));
    }

    private static double number(Matcher m, int group) {
        return Double.parseDouble(m.group(group));
    }

    private static double column(List<String> names, String[] values, String name) {
        int index = names.indexOf(name);
        if (index < 0) {
            throw new PerfException("ConsumerPerformance's header has no column " + name + ": " + String.join(", ", names));
        }
        try {
            return Double.parseDouble(values[index]);
        } catch (NumberFormatException e) {
            throw new PerfException("ConsumerPerformance's column " + name + " is not a number: '" + values[index] + "'", e);
        }
    }

    private static PerfException missing(String tool, String what, List<String> lines) {
        List<String> tail = lines.subList(Math.max(0, lines.size() - 20), lines.size());
        return new PerfException(String.format(Locale.ROOT, "%s's output has no %s; it ends:%n%s", tool, what,
                String.join("\n", tail)));
    }
}
