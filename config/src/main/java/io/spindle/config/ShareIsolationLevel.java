package io.spindle.config;

import java.util.Locale;

/**
 * Which records of transactional producers a share group delivers ({@code share.isolation.level}, Kafka's group
 * config; {@code group.share.isolation.level} is Spindle's broker-wide default of it).
 * <ul>
 *   <li>{@link #READ_UNCOMMITTED}: every record below the high watermark, aborted ones and those of open transactions
 *       included (Kafka's default);</li>
 *   <li>{@link #READ_COMMITTED}: records below the last stable offset only, and never those of aborted transactions;
 *       those and the transactions' control records are archived without being delivered.</li>
 * </ul>
 * Records of producers that are not transactional are delivered alike under both.
 */
public enum ShareIsolationLevel {
    READ_UNCOMMITTED, READ_COMMITTED;

    private static final ValueType<ShareIsolationLevel> TYPE =
            ValueType.enumeration(ShareIsolationLevel.class, ShareIsolationLevel::configName, "");

    /** "read_uncommitted" or "read_committed", case-insensitive, surrounding whitespace ignored. */
    public static ShareIsolationLevel parse(String text) {
        return ValueType.parseOrThrow(TYPE, text, "share isolation level");
    }

    public String configName() {
        return name().toLowerCase(Locale.ROOT);
    }

    static ValueType<ShareIsolationLevel> valueType() {
        return TYPE;
    }
}
