package io.spindle.client;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * Sends records and tells where they landed. {@code send} does not block (unless the producer's buffer is full or
 * the topic's metadata is not known yet, each bounded by the connection's timeout); the future completes when the
 * broker acknowledged the record (acks=all by default) or fails with a {@link SpindleException} naming the topic.
 * Records sent from one thread to one partition keep their order. Thread-safe.
 */
public final class SpindleProducer<K, V> implements AutoCloseable {
    private final Spindle spindle;
    private final KafkaProducer<byte[], byte[]> producer;
    private final Serde<K> keys;
    private final Serde<V> values;

    private SpindleProducer(Spindle spindle, KafkaProducer<byte[], byte[]> producer, Serde<K> keys, Serde<V> values) {
        this.spindle = spindle;
        this.producer = producer;
        this.keys = keys;
        this.values = values;
    }

    public CompletableFuture<Sent> send(String topic, K key, V value) {
        return send(topic, null, key, value, Map.of());
    }

    /** Sends with headers, each value written as UTF-8. */
    public CompletableFuture<Sent> send(String topic, K key, V value, Map<String, String> headers) {
        return send(topic, null, key, value, headers);
    }

    /** Sends to a given partition, or to the one the key hashes to when {@code partition} is null. */
    public CompletableFuture<Sent> send(String topic, Integer partition, K key, V value, Map<String, String> headers) {
        Objects.requireNonNull(topic, "topic");
        CompletableFuture<Sent> sent = new CompletableFuture<>();
        try {
            ProducerRecord<byte[], byte[]> record = toRecord(topic, partition, key, value, headers, keys, values);
            producer.send(record, (metadata, error) -> {
                if (error == null) {
                    sent.complete(new Sent(metadata.topic(), metadata.partition(), metadata.offset(),
                            Instant.ofEpochMilli(metadata.timestamp())));
                } else {
                    sent.completeExceptionally(failure(topic, error));
                }
            });
        } catch (RuntimeException e) {
            sent.completeExceptionally(failure(topic, e));
        }
        return sent;
    }

    /** The kafka-clients record of a key and value through their serdes, with headers as UTF-8. */
    static <K, V> ProducerRecord<byte[], byte[]> toRecord(String topic, Integer partition, K key, V value,
                                                        Map<String, String> headers, Serde<K> keys, Serde<V> values) {
        RecordHeaders recordHeaders = new RecordHeaders();
        headers.forEach((name, text) ->
                recordHeaders.add(name, text == null ? null : text.getBytes(StandardCharsets.UTF_8)));
        return new ProducerRecord<>(topic, partition, null, keys.toBytes(key), values.toBytes(value), recordHeaders);
    }

    private SpindleException failure(String topic, Throwable error) {
        if (error instanceof TimeoutException) {
            return new SpindleException("Sending to topic '" + topic + "' via " + spindle.bootstrapServers()
                    + " timed out (is the broker up, does the topic exist?)", error);
        }
        return new SpindleException("Sending to topic '" + topic + "' failed", error);
    }

    /** Blocks until every record sent so far is acknowledged or failed. */
    public void flush() {
        producer.flush();
    }

    /** Waits for records in flight (up to the connection's timeout), then closes. */
    @Override
    public void close() {
        spindle.untrack(this);
        producer.close(spindle.timeout());
    }

    /** Producer settings; {@link #build()} makes the producer. */
    public static final class Builder<K, V> {
        private final Spindle spindle;
        private final Serde<K> keys;
        private final Serde<V> values;
        private final Map<String, Object> config = new LinkedHashMap<>();

        Builder(Spindle spindle, Serde<K> keys, Serde<V> values) {
            this.spindle = spindle;
            this.keys = Objects.requireNonNull(keys, "keys");
            this.values = Objects.requireNonNull(values, "values");
        }

        /** "all" (the default: the broker answers once the record is as durable as its flush mode makes it), "1" or "0". */
        public Builder<K, V> acks(String acks) {
            if (!acks.equals("all") && !acks.equals("-1") && !acks.equals("1") && !acks.equals("0")) {
                throw new IllegalArgumentException("acks must be all, -1, 1 or 0, not '" + acks + "'");
            }
            config.put(ProducerConfig.ACKS_CONFIG, acks);
            if (!acks.equals("all") && !acks.equals("-1")) {
                // Idempotence needs acks=all; Kafka refuses the combination instead of dropping one of them.
                config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "false");
            }
            return this;
        }

        /** Any kafka-clients producer setting by its Kafka name, e.g. "linger.ms"; wins over the defaults. */
        public Builder<K, V> config(String key, Object value) {
            config.put(key, value);
            return this;
        }

        public SpindleProducer<K, V> build() {
            KafkaProducer<byte[], byte[]> producer = spindle.newKafkaProducer(config);
            try {
                return spindle.track(new SpindleProducer<>(spindle, producer, keys, values));
            } catch (RuntimeException e) {
                producer.close();
                throw e;
            }
        }
    }
}
