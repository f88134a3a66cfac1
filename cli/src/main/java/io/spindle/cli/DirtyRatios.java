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
 * The dirty ratio of each compacted partition of a topic, read where Kafka and Spindle publish it: as a meter on the
 * broker's metrics listener ({@code spindle_log_cleaner_dirty_ratio{topic,partition}} on {@code /metrics}, the
 * Prometheus text format). The Kafka protocol carries no dirty ratio, so this is the one real source; a broker
 * whose metrics listener is off or elsewhere gives a {@link MetricsUnavailableException} naming the address.
 */
final class DirtyRatios {
    static final String METER = "spindle_log_cleaner_dirty_ratio";
    /** One sample line: name{labels} value [timestamp]. */
    private static final Pattern SAMPLE = Pattern.compile("^" + METER + "\\{([^}]*)} (\\S+)(?: \\S+)?$");
    private static final Pattern LABEL = Pattern.compile("(\\w+)=\"((?:[^\"\\\\]|\\\\.)*)\"");

    private DirtyRatios() {
    }

    /** Thrown when the metrics listener cannot be read. */
    static final class MetricsUnavailableException extends RuntimeException {
        MetricsUnavailableException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** GETs {@code url} and returns partition → dirty ratio for {@code topic} (partitions without a sample absent). */
    static Map<Integer, Double> read(URI url, String topic, Duration timeout) {
        HttpResponse<String> response;
        try {
            HttpClient http = HttpClient.newBuilder().connectTimeout(timeout).build();
            response = http.send(HttpRequest.newBuilder(url).timeout(timeout).build(),
                    HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new MetricsUnavailableException("cannot read the broker's metrics at " + url + ": "
                    + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new MetricsUnavailableException("interrupted while reading the broker's metrics at " + url, e);
        }
        if (response.statusCode() != 200) {
            throw new MetricsUnavailableException("the broker's metrics at " + url + " answered HTTP "
                    + response.statusCode(), null);
        }
        return parse(response.body(), topic);
    }

    /** partition → dirty ratio of {@code topic}'s samples in a Prometheus text body. */
    static Map<Integer, Double> parse(String body, String topic) {
        Map<Integer, Double> ratios = new HashMap<>();
        for (String line : body.split("\n")) {
            Matcher sample = SAMPLE.matcher(line);
            if (!sample.matches()) {
                continue;
            }
            Map<String, String> labels = new HashMap<>();
            Matcher label = LABEL.matcher(sample.group(1));
            while (label.find()) {
                labels.put(label.group(1), label.group(2).replace("\\\"", "\"").replace("\\\\", "\\"));
            }
            if (topic.equals(labels.get("topic")) && labels.containsKey("partition")) {
                ratios.put(Integer.parseInt(labels.get("partition")), Double.parseDouble(sample.group(2)));
            }
        }
        return ratios;
    }
}
