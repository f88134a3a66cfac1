package io.spindle.perf;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A broker {@code spindle perf kafka-tools} can start, by the name {@code --brokers} gives it: each broker in its
 * default configuration, plus the two variants issue 18 compares against them.
 *
 * <ul>
 *   <li>{@code spindle}: Spindle's defaults ({@code flush.mode=fsync}: acks=all is answered after an fsync).</li>
 *   <li>{@code kafka}: Kafka 4.4.0's defaults (it never fsyncs: acks=all means "in the page cache").</li>
 *   <li>{@code kafka-fsync}: Kafka made as durable as Spindle, {@code log.flush.interval.messages=1} (the broker
 *       default of the topic config {@code flush.messages}): every append is flushed before it is answered
 *       (target 2 of issue 18: Spindle at least 5 times this).</li>
 *   <li>{@code spindle-nofsync}: Spindle with {@code flush.mode=none}, as little durable as Kafka's default
 *       (target 3: at least 1.5 times Kafka's default).</li>
 * </ul>
 */
enum ToolBroker {
    SPINDLE(SpindleLauncher.NAME, true, Map.of()),
    KAFKA(KafkaLauncher.NAME, false, Map.of()),
    KAFKA_FSYNC("kafka-fsync", false, Map.of("log.flush.interval.messages", "1")),
    SPINDLE_NOFSYNC("spindle-nofsync", true, Map.of("flush.mode", "none"));

    /**
     * The ratios the summary prints when both brokers of a pair ran, numerator first: Spindle against Kafka as each
     * comes (target 1), against Kafka fsyncing every message (target 2), and Spindle without fsync against Kafka's
     * default (target 3).
     */
    static final List<List<ToolBroker>> RATIOS = List.of(List.of(SPINDLE, KAFKA), List.of(SPINDLE, KAFKA_FSYNC),
            List.of(SPINDLE_NOFSYNC, KAFKA));

    final String label;
    final boolean spindle;
    /** Set over the broker's defaults: {@code --set} for Spindle, server.properties for Kafka. */
    final Map<String, String> settings;

    ToolBroker(String label, boolean spindle, Map<String, String> settings) {
        this.label = label;
        this.spindle = spindle;
        this.settings = settings;
    }

    static Optional<ToolBroker> named(String label) {
        return Arrays.stream(values()).filter(b -> b.label.equals(label)).findFirst();
    }

    /** The names {@code --brokers} takes, for error messages and help. */
    static String names() {
        return String.join(", ", Arrays.stream(values()).map(b -> b.label).toList());
    }
}
