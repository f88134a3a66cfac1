package io.spindle.config;

import java.util.Locale;

/**
 * Where a share group starts reading a partition it has no state for ({@code share.auto.offset.reset}, Kafka's
 * group config; {@code group.share.auto.offset.reset} is Spindle's broker-wide default of it).
 * <ul>
 *   <li>{@link #LATEST}: at the partition's high watermark when the group first fetches it (Kafka's default);</li>
 *   <li>{@link #EARLIEST}: at the partition's log start offset.</li>
 * </ul>
 */
public enum ShareAutoOffsetReset {
    LATEST, EARLIEST;

    private static final ValueType<ShareAutoOffsetReset> TYPE =
            ValueType.enumeration(ShareAutoOffsetReset.class, ShareAutoOffsetReset::configName, "");

    /** "latest" or "earliest", case-insensitive, surrounding whitespace ignored. */
    public static ShareAutoOffsetReset parse(String text) {
        return ValueType.parseOrThrow(TYPE, text, "share auto offset reset");
    }

    public String configName() {
        return name().toLowerCase(Locale.ROOT);
    }

    static ValueType<ShareAutoOffsetReset> valueType() {
        return TYPE;
    }
}
