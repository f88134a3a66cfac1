package io.spindle.cli;

import picocli.CommandLine.Option;

/** The output options of commands that print records. */
final class FormatOptions {
    @Option(names = "--format", paramLabel = "FORMAT", defaultValue = "value",
            converter = FormatConverter.class,
            description = "value (default), key-value, or json (topic, partition, offset, timestamp, key, headers, value).")
    RecordFormat format;

    @Option(names = "--key-separator", paramLabel = "SEP", defaultValue = "\t",
            description = "Between key and value with --format key-value (default: a tab).")
    String keySeparator;

    static final class FormatConverter implements picocli.CommandLine.ITypeConverter<RecordFormat> {
        @Override
        public RecordFormat convert(String value) {
            return switch (value.strip().toLowerCase(java.util.Locale.ROOT)) {
                case "value" -> RecordFormat.VALUE;
                case "key-value" -> RecordFormat.KEY_VALUE;
                case "json" -> RecordFormat.JSON;
                default -> throw new picocli.CommandLine.TypeConversionException(
                        "'" + value + "' is not a format: use value, key-value or json");
            };
        }
    }
}
