package io.spindle.cli;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What the Kafka admin APIs do not say about a share-partition (records in flight, acquired, available, archived,
 * dead-lettered), read from the broker's {@code /metrics} (Prometheus text; the meters of docs/metrics.md). Only
 * Spindle brokers export them: without them (another broker, or metrics off) every count is unknown.
 */
final class ShareStats {
    /** One share-partition's counts; -1 where the broker did not say. */
    record Counts(long inFlight, long acquired, long available, long archived, long deadLettered) {
        static final Counts UNKNOWN = new Counts(-1, -1, -1, -1, -1);
    }

    private static final Pattern SAMPLE = Pattern.compile("^(spindle_share_partition_[a-z_]+)\\{([^}]*)} (\\S+)");
    private static final Pattern LABEL = Pattern.compile("(\\w+)=\"((?:[^\"\\\\]|\\\\.)*)\"");

    private final Map<String, Map<String, Long>> values;
    private final String problem;

    private ShareStats(Map<String, Map<String, Long>> values, String problem) {
        this.values = values;
        this.problem = problem;
    }

    /** The share meters at {@code url}; never fails: {@link #problem()} says why there are none. */
    static ShareStats fetch(URI url, Duration timeout) {
        try {
            HttpClient client = HttpClient.newBuilder().connectTimeout(timeout).build();
            HttpResponse<String> response = client.send(HttpRequest.newBuilder(url).timeout(timeout).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                return new ShareStats(Map.of(), url + " answered HTTP " + response.statusCode());
            }
            return new ShareStats(parse(response.body()), null);
        } catch (IOException e) {
            return new ShareStats(Map.of(), "cannot read " + url + ": " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new ShareStats(Map.of(), "interrupted while reading " + url);
        }
    }

    /** The default metrics address: the bootstrap broker's host, port 9404 (Spindle's metrics.port default). */
    static URI defaultUrl(String bootstrapServer) {
        String first = bootstrapServer.split(",")[0].strip();
        String host = first.substring(0, first.lastIndexOf(':'));
        return URI.create("http://" + host + ":9404/metrics");
    }

    static Map<String, Map<String, Long>> parse(String text) {
        Map<String, Map<String, Long>> parsed = new HashMap<>();
        for (String line : text.split("\n")) {
            Matcher sample = SAMPLE.matcher(line);
            if (!sample.find()) {
                continue;
            }
            Map<String, String> labels = new HashMap<>();
            Matcher label = LABEL.matcher(sample.group(2));
            while (label.find()) {
                labels.put(label.group(1), label.group(2));
            }
            String key = key(labels.get("group"), labels.get("topic"), labels.get("partition"));
            parsed.computeIfAbsent(key, k -> new HashMap<>()).put(sample.group(1),
                    (long) Double.parseDouble(sample.group(3)));
        }
        return parsed;
    }

    private static String key(String group, String topic, String partition) {
        return group + "\u0000" + topic + "\u0000" + partition;
    }

    /** Why there are no counts (null when the meters were read). */
    String problem() {
        return problem;
    }

    Counts of(String group, String topic, int partition) {
        Map<String, Long> meters = values.get(key(group, topic, Integer.toString(partition)));
        if (meters == null) {
            return Counts.UNKNOWN;
        }
        return new Counts(meters.getOrDefault("spindle_share_partition_in_flight", -1L),
                meters.getOrDefault("spindle_share_partition_acquired", -1L),
                meters.getOrDefault("spindle_share_partition_available", -1L),
                meters.getOrDefault("spindle_share_partition_archived_total", -1L),
                meters.getOrDefault("spindle_share_partition_dead_letters_total", -1L));
    }
}
