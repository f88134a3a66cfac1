package io.spindle.client;

/**
 * What a {@link ConsumerWorker} in exactly-once mode does with each record: whatever it sends through {@code output}
 * is committed together with the offsets of the records handled, in one transaction per polled batch. Throwing aborts
 * the batch: its sends are discarded and the batch is handled again (see {@link DeliveryMode#EXACTLY_ONCE}). So a
 * handler should have no effects other than its sends, or only ones that may happen again.
 */
@FunctionalInterface
public interface ExactlyOnceHandler<K, V, OK, OV> {
    void handle(SpindleRecord<K, V> record, TransactionalSender<OK, OV> output) throws Exception;
}
