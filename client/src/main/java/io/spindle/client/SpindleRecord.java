package io.spindle.client;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;

/**
 * One record as read from a partition, its key and value already deserialized.
 *
 * @param headers the record's headers as UTF-8 text, in record order; a name that repeats keeps its last value
 */
public record SpindleRecord<K, V>(String topic, int partition, long offset, Instant timestamp, K key, V value,
                                  Map<String, String> headers) {

    /** A kafka-clients record, its key and value deserialized and its headers read as UTF-8. */
    public static <K, V> SpindleRecord<K, V> from(ConsumerRecord<byte[], byte[]> record, Serde<K> keys, Serde<V> values) {
        return new SpindleRecord<>(record.topic(), record.partition(), record.offset(),
                Instant.ofEpochMilli(record.timestamp()), keys.fromBytes(record.key()), values.fromBytes(record.value()),
                headersOf(record));
    }

    static Map<String, String> headersOf(ConsumerRecord<byte[], byte[]> record) {
        Map<String, String> headers = new LinkedHashMap<>();
        for (Header header : record.headers()) {
            headers.put(header.key(), header.value() == null ? null : new String(header.value(), StandardCharsets.UTF_8));
        }
        return Collections.unmodifiableMap(headers);
    }
}
