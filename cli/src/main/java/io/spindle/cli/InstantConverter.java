package io.spindle.cli;

import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeParseException;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * A point in time: milliseconds since the epoch ("1767225600000"), an ISO-8601 time with an offset
 * ("2026-01-01T00:00:00Z", "2026-01-01T01:00:00+01:00"), or a local date-time or date ("2026-01-01T08:30",
 * "2026-01-01"), read in the system's time zone.
 */
final class InstantConverter implements ITypeConverter<Instant> {
    @Override
    public Instant convert(String value) {
        return parse(value);
    }

    static Instant parse(String value) {
        String text = value.strip();
        if (text.matches("\\d+")) {
            return Instant.ofEpochMilli(Long.parseLong(text));
        }
        try {
            return OffsetDateTime.parse(text).toInstant();
        } catch (DateTimeParseException notWithOffset) {
            try {
                return LocalDateTime.parse(text).atZone(ZoneId.systemDefault()).toInstant();
            } catch (DateTimeParseException notLocalDateTime) {
                try {
                    return LocalDate.parse(text).atStartOfDay(ZoneId.systemDefault()).toInstant();
                } catch (DateTimeParseException notDate) {
                    throw new TypeConversionException("'" + value + "' is not a time: use epoch milliseconds, "
                            + "2026-01-01T08:30:00Z, 2026-01-01T08:30 (local) or 2026-01-01");
                }
            }
        }
    }
}
