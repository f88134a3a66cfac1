package io.spindle.cli;

import io.spindle.client.SpindleRecord;
import java.util.Map;

/** How {@code consume} and {@code replay} print a record: one line each. */
enum RecordFormat {
    /** The value only. */
    VALUE,
    /** The key, the separator, the value; a missing key prints as "null". */
    KEY_VALUE,
    /** A JSON object: topic, partition, offset, timestamp (epoch ms), key, headers, value. */
    JSON;

    String format(SpindleRecord<String, String> record, String separator) {
        return switch (this) {
            case VALUE -> String.valueOf(record.value());
            case KEY_VALUE -> record.key() + separator + record.value();
            case JSON -> json(record);
        };
    }

    private static String json(SpindleRecord<String, String> record) {
        StringBuilder json = new StringBuilder(128);
        json.append("{\"topic\":").append(quote(record.topic()))
                .append(",\"partition\":").append(record.partition())
                .append(",\"offset\":").append(record.offset())
                .append(",\"timestamp\":").append(record.timestamp().toEpochMilli())
                .append(",\"key\":").append(quote(record.key()))
                .append(",\"headers\":{");
        boolean first = true;
        for (Map.Entry<String, String> header : record.headers().entrySet()) {
            json.append(first ? "" : ",").append(quote(header.getKey())).append(':').append(quote(header.getValue()));
            first = false;
        }
        return json.append("},\"value\":").append(quote(record.value())).append('}').toString();
    }

    /** A JSON string literal, or null. */
    static String quote(String text) {
        if (text == null) {
            return "null";
        }
        StringBuilder quoted = new StringBuilder(text.length() + 2).append('"');
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '"' -> quoted.append("\\\"");
                case '\\' -> quoted.append("\\\\");
                case '\n' -> quoted.append("\\n");
                case '\r' -> quoted.append("\\r");
                case '\t' -> quoted.append("\\t");
                default -> {
                    if (c < 0x20) {
                        quoted.append(String.format("\\u%04x", (int) c));
                    } else {
                        quoted.append(c);
                    }
                }
            }
        }
        return quoted.append('"').toString();
    }
}
