package io.spindle.client;

/** What a {@link ConsumerWorker} does with each record. Throwing marks the record as failed. */
@FunctionalInterface
public interface RecordHandler<K, V> {
    void handle(SpindleRecord<K, V> record) throws Exception;
}
