package io.spindle.config;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.Objects;

/**
 * Where a share group starts reading a partition it has no state for ({@code share.auto.offset.reset}, Kafka's
 * group config; {@code group.share.auto.offset.reset} is Spindle's broker-wide default of it).
 * <ul>
 *   <li>{@link #LATEST}: at the partition's high watermark (a read_committed group: its last stable offset) when the
 *       group first fetches it (Kafka's default);</li>
 *   <li>{@link #EARLIEST}: at the partition's log start offset;</li>
 *   <li>{@code by_duration:<ISO-8601 duration>} (Kafka 4.4's, e.g. {@code by_duration:PT1H}): at the first record
 *       whose timestamp is at or after that long before the group first fetches the partition, or as latest when no
 *       record is that recent. A negative duration is refused.</li>
 * </ul>
 *
 * @param strategy which of the three
 * @param duration how far back a {@link Strategy#BY_DURATION} start goes; zero for the others
 */
public record ShareAutoOffsetReset(Strategy strategy, Duration duration) {
    /** The kinds of start. */
    public enum Strategy {
        LATEST, EARLIEST, BY_DURATION
    }

    public static final ShareAutoOffsetReset LATEST = new ShareAutoOffsetReset(Strategy.LATEST, Duration.ZERO);
    public static final ShareAutoOffsetReset EARLIEST = new ShareAutoOffsetReset(Strategy.EARLIEST, Duration.ZERO);
    private static final String BY_DURATION_PREFIX = "by_duration:";

    private static final ValueType<ShareAutoOffsetReset> TYPE = new ValueType<>() {
        @Override
        public Class<ShareAutoOffsetReset> javaType() {
            return ShareAutoOffsetReset.class;
        }

        @Override
        public ShareAutoOffsetReset parse(String text) {
            String lower = text.toLowerCase(Locale.ROOT);
            if (lower.equals("latest")) {
                return LATEST;
            }
            if (lower.equals("earliest")) {
                return EARLIEST;
            }
            if (!lower.startsWith(BY_DURATION_PREFIX)) {
                return null;
            }
            try {
                Duration duration = Duration.parse(text.substring(BY_DURATION_PREFIX.length()).trim());
                return duration.isNegative() ? null : new ShareAutoOffsetReset(Strategy.BY_DURATION, duration);
            } catch (DateTimeParseException e) {
                return null;
            }
        }

        @Override
        public String format(ShareAutoOffsetReset value) {
            return value.configName();
        }

        @Override
        public String expected() {
            return "latest, earliest or by_duration:<ISO-8601 duration, not negative> (e.g. by_duration:PT1H)";
        }
    };

    /** @throws IllegalArgumentException for a duration on a start other than by_duration, or a negative one */
    public ShareAutoOffsetReset {
        Objects.requireNonNull(strategy, "strategy");
        Objects.requireNonNull(duration, "duration");
        if (duration.isNegative() || (strategy != Strategy.BY_DURATION && !duration.isZero())) {
            throw new IllegalArgumentException("share auto offset reset " + strategy + " cannot go back " + duration);
        }
    }

    /** "latest", "earliest" or "by_duration:" and an ISO-8601 duration; case-insensitive, whitespace ignored. */
    public static ShareAutoOffsetReset parse(String text) {
        return ValueType.parseOrThrow(TYPE, text, "share auto offset reset");
    }

    /** As the config is written: latest, earliest, or by_duration:PT1H. */
    public String configName() {
        return strategy == Strategy.BY_DURATION ? BY_DURATION_PREFIX + duration
                : strategy.name().toLowerCase(Locale.ROOT);
    }

    static ValueType<ShareAutoOffsetReset> valueType() {
        return TYPE;
    }
}
