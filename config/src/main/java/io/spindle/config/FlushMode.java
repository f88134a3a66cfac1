package io.spindle.config;

import java.util.Locale;

/**
 * When appended bytes are forced to disk ({@code flush.mode}).
 * <ul>
 *   <li>{@link #FSYNC}: an acks=all produce completes only after an fsync covering its batch; appends
 *       arriving during an fsync share the next one (group commit). Survives power loss.</li>
 *   <li>{@link #INTERVAL}: fsync every {@code flush.interval.ms} or {@code flush.interval.messages},
 *       whichever comes first; acknowledged writes since the last fsync may be lost on power loss.</li>
 *   <li>{@link #NONE}: never fsync explicitly; the OS writes back the page cache when it chooses.</li>
 * </ul>
 */
public enum FlushMode {
    FSYNC, INTERVAL, NONE;

    private static final ValueType<FlushMode> TYPE =
            ValueType.enumeration(FlushMode.class, FlushMode::configName, "");

    /** "fsync", "interval" or "none", case-insensitive, surrounding whitespace ignored. */
    public static FlushMode parse(String text) {
        return ValueType.parseOrThrow(TYPE, text, "flush mode");
    }

    /** The configuration spelling: "fsync", "interval" or "none". */
    public String configName() {
        return name().toLowerCase(Locale.ROOT);
    }

    static ValueType<FlushMode> valueType() {
        return TYPE;
    }
}
