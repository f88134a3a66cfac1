package io.spindle.config;

import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Set;

/**
 * What happens to old segments of a topic ({@code cleanup.policy}), spelled as Kafka spells it. Kafka's value is
 * a list, so it is parsed as one: the items "delete" and "compact", comma-separated, in any order, repeats ignored.
 * <ul>
 *   <li>{@link #DELETE}: whole segments are deleted once past {@code retention.ms} or {@code retention.bytes}.</li>
 *   <li>{@link #COMPACT}: the log cleaner keeps the latest record per key; segments are never deleted by age or
 *       size.</li>
 *   <li>{@link #COMPACT_DELETE} ("compact,delete"): both — compacted, and segments past retention deleted.</li>
 * </ul>
 * An empty list is refused (Kafka 4 allows it to mean "keep everything"; Spindle has {@code retention.ms=-1}).
 */
public enum CleanupPolicy {
    DELETE, COMPACT, COMPACT_DELETE;

    private static final ValueType<CleanupPolicy> TYPE = new ValueType<>() {
        @Override public Class<CleanupPolicy> javaType() { return CleanupPolicy.class; }
        @Override public CleanupPolicy parse(String text) { return fromList(text); }
        @Override public String format(CleanupPolicy value) { return value.configName(); }
        @Override public String expected() {
            return "a list of delete and compact: delete, compact or compact,delete";
        }
    };

    /** "delete", "compact", "compact,delete" or "delete,compact", case-insensitive, whitespace ignored. */
    public static CleanupPolicy parse(String text) {
        return ValueType.parseOrThrow(TYPE, text, "cleanup policy");
    }

    /** The Kafka spelling: "delete", "compact" or "compact,delete". */
    public String configName() {
        return this == COMPACT_DELETE ? "compact,delete" : name().toLowerCase(Locale.ROOT);
    }

    /** True when the log cleaner compacts the topic. */
    public boolean compacts() {
        return this != DELETE;
    }

    /** True when retention deletes the topic's old segments by age and size. */
    public boolean deletes() {
        return this != COMPACT;
    }

    static ValueType<CleanupPolicy> valueType() {
        return TYPE;
    }

    private static CleanupPolicy fromList(String text) {
        Set<String> items = new LinkedHashSet<>();
        for (String item : text.split(",", -1)) {
            String name = item.trim().toLowerCase(Locale.ROOT);
            if (!name.equals("delete") && !name.equals("compact")) {
                return null;            // also an empty item: "", "compact,", ",delete"
            }
            items.add(name);
        }
        boolean compact = items.contains("compact");
        boolean delete = items.contains("delete");
        return compact && delete ? COMPACT_DELETE : compact ? COMPACT : DELETE;
    }
}
