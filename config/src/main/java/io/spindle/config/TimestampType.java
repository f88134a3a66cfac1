package io.spindle.config;

/**
 * Which timestamp a topic's records carry ({@code message.timestamp.type}), spelled as Kafka spells it.
 * <ul>
 *   <li>{@link #CREATE_TIME}: the producer's timestamp is stored as sent.</li>
 *   <li>{@link #LOG_APPEND_TIME}: the broker stamps each batch with its append time.</li>
 * </ul>
 */
public enum TimestampType {
    CREATE_TIME("CreateTime"), LOG_APPEND_TIME("LogAppendTime");

    private static final ValueType<TimestampType> TYPE =
            ValueType.enumeration(TimestampType.class, TimestampType::configName, "");

    private final String configName;

    TimestampType(String configName) {
        this.configName = configName;
    }

    /** "CreateTime" or "LogAppendTime", case-insensitive, surrounding whitespace ignored. */
    public static TimestampType parse(String text) {
        return ValueType.parseOrThrow(TYPE, text, "timestamp type");
    }

    /** The Kafka spelling: "CreateTime" or "LogAppendTime". */
    public String configName() {
        return configName;
    }

    static ValueType<TimestampType> valueType() {
        return TYPE;
    }
}
