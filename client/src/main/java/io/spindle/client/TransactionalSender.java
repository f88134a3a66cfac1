package io.spindle.client;

import java.util.Map;
import java.util.Objects;
import org.apache.kafka.clients.producer.KafkaProducer;

/**
 * The producer an {@link ExactlyOnceHandler} sends through: its records belong to the transaction of the batch being
 * handled, so read_committed consumers see them once that batch commits, and never if it aborts. There is no
 * per-send result: a send fails the batch (which is then aborted and handled again) when the transaction commits.
 * Only for the worker's thread, during the handler call.
 */
public final class TransactionalSender<K, V> {
    private final KafkaProducer<byte[], byte[]> producer;
    private final Serde<K> keys;
    private final Serde<V> values;

    TransactionalSender(KafkaProducer<byte[], byte[]> producer, Serde<K> keys, Serde<V> values) {
        this.producer = producer;
        this.keys = keys;
        this.values = values;
    }

    public void send(String topic, K key, V value) {
        send(topic, null, key, value, Map.of());
    }

    /** Sends with headers, each value written as UTF-8. */
    public void send(String topic, K key, V value, Map<String, String> headers) {
        send(topic, null, key, value, headers);
    }

    /** Sends to a given partition, or to the one the key hashes to when {@code partition} is null. */
    public void send(String topic, Integer partition, K key, V value, Map<String, String> headers) {
        Objects.requireNonNull(topic, "topic");
        producer.send(SpindleProducer.toRecord(topic, partition, key, value, headers, keys, values));
    }
}
