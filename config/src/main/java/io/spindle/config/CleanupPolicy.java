package io.spindle.config;

import java.util.Locale;

/**
 * What happens to old segments of a topic ({@code cleanup.policy}), spelled as Kafka spells it.
 * <ul>
 *   <li>{@link #DELETE}: whole segments are deleted once past {@code retention.ms} or {@code retention.bytes}.</li>
 *   <li>{@link #COMPACT}: the log is compacted, keeping the latest record per key.</li>
 * </ul>
 * Kafka also accepts the list "compact,delete"; Spindle refuses it (with a message saying so) rather than
 * silently keeping only one of the two behaviours. It can become a third constant when compaction lands.
 */
public enum CleanupPolicy {
    DELETE, COMPACT;

    private static final ValueType<CleanupPolicy> TYPE = ValueType.enumeration(CleanupPolicy.class,
            CleanupPolicy::configName, "a single policy; the combination 'compact,delete' is not supported");

    /** "delete" or "compact", case-insensitive, surrounding whitespace ignored. */
    public static CleanupPolicy parse(String text) {
        return ValueType.parseOrThrow(TYPE, text, "cleanup policy");
    }

    /** The Kafka spelling: "delete" or "compact". */
    public String configName() {
        return name().toLowerCase(Locale.ROOT);
    }

    static ValueType<CleanupPolicy> valueType() {
        return TYPE;
    }
}
