package io.spindle.client;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The exactly-once side of a {@link ConsumerWorker}: one Kafka transaction per polled batch, holding what the handler
 * sent and the batch's offsets. The offsets go with the consumer's group metadata (KIP-447), so a member that a
 * rebalance replaced cannot commit: its transaction fails and the new owner handles the records.
 *
 * <p>A handler failure, or a transaction that fails to commit, aborts the transaction and seeks the consumer back to
 * the batch's first offsets, so the next poll hands the same records again (after the worker's backoff, doubling
 * while failures go on). A record whose handler failed more than the worker's {@code retries} times is not handed
 * again: the batch is handled once more with that record published to its dead-letter topic inside the transaction,
 * as at-least-once does outside one. A producer that cannot even abort (fenced by another with its transactional id,
 * or refused by the broker) stops the worker with that failure.
 *
 * <p>Worker thread only.
 */
final class ExactlyOnceBatches<K, V, OK, OV> implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ConsumerWorker.class);

    private final ConsumerWorker<K, V> worker;
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final KafkaProducer<byte[], byte[]> producer;
    private final ExactlyOnceHandler<K, V, OK, OV> handler;
    private final TransactionalSender<OK, OV> sender;
    private final Map<RecordId, Failures> failures = new HashMap<>();
    private int failedBatchesInARow;

    ExactlyOnceBatches(ConsumerWorker<K, V> worker, KafkaConsumer<byte[], byte[]> consumer, Spindle spindle,
                       Serde<OK> outputKeys, Serde<OV> outputValues, ExactlyOnceHandler<K, V, OK, OV> handler) {
        this.worker = worker;
        this.consumer = consumer;
        this.handler = handler;
        // One transactional id per worker: fencing a zombie is the group's job here (its generation, KIP-447).
        this.producer = spindle.newKafkaProducer(Map.of(
                ProducerConfig.TRANSACTIONAL_ID_CONFIG, "spindle-" + worker.group() + "-" + UUID.randomUUID()));
        this.sender = new TransactionalSender<>(producer, outputKeys, outputValues);
    }

    /** Registers the transactional id with the broker; blocks up to the connection's timeout. */
    void init() {
        producer.initTransactions();
    }

    /**
     * Handles one polled batch in one transaction. Returns false when a stop was requested during the backoff
     * before it: the consumer is then back at the batch's start and nothing of it was committed.
     */
    boolean handle(ConsumerRecords<byte[], byte[]> records, AtomicLong handled, AtomicLong failed, AtomicLong deadLettered) {
        if (failedBatchesInARow > 0 && worker.waitForStop(worker.backoffBefore(failedBatchesInARow))) {
            rewind(records);
            return false;
        }
        producer.beginTransaction();
        ConsumerRecord<byte[], byte[]> current = null;
        int dead = 0;
        try {
            for (ConsumerRecord<byte[], byte[]> record : records) {
                current = record;
                Failures failedBefore = failures.get(RecordId.of(record));
                if (failedBefore != null && failedBefore.count() > worker.retries()) {
                    producer.send(worker.deadLetterRecord(record, failedBefore.last()));
                    dead++;
                } else {
                    handler.handle(SpindleRecord.from(record, worker.keys(), worker.values()), sender);
                }
            }
            current = null;
            Map<TopicPartition, OffsetAndMetadata> offsets = ConsumerWorker.nextOffsets(records);
            producer.sendOffsetsToTransaction(offsets, consumer.groupMetadata());
            producer.commitTransaction();
            committed(offsets);
            handled.addAndGet(records.count() - dead);
            deadLettered.addAndGet(dead);
            return true;
        } catch (Exception e) {
            failed.incrementAndGet();
            // If the producer cannot abort (fenced, refused), this throws and the worker stops with it.
            producer.abortTransaction();
            failedBatchesInARow++;
            if (current != null) {
                failures.merge(RecordId.of(current), new Failures(1, e), (old, one) -> new Failures(old.count() + 1, e));
            }
            log.warn("Group '{}': batch of {} record(s) aborted ({}); it will be handled again", worker.group(),
                    records.count(), current == null ? "its commit failed" : "handler failed on " + current.topic()
                            + "-" + current.partition() + " offset " + current.offset(), e);
            rewind(records);
            return true;
        }
    }

    /** Sends the consumer back to the batch's first offsets, on the partitions it still owns. */
    private void rewind(ConsumerRecords<byte[], byte[]> records) {
        for (TopicPartition partition : records.partitions()) {
            if (consumer.assignment().contains(partition)) {
                List<ConsumerRecord<byte[], byte[]>> list = records.records(partition);
                consumer.seek(partition, list.get(0).offset());
            }
        }
    }

    private void committed(Map<TopicPartition, OffsetAndMetadata> offsets) {
        failedBatchesInARow = 0;
        failures.keySet().removeIf(id -> {
            OffsetAndMetadata next = offsets.get(id.partition());
            return next != null && id.offset() < next.offset();
        });
    }

    @Override
    public void close() {
        producer.close(worker.timeout());
    }

    private record RecordId(TopicPartition partition, long offset) {
        static RecordId of(ConsumerRecord<?, ?> record) {
            return new RecordId(new TopicPartition(record.topic(), record.partition()), record.offset());
        }
    }

    private record Failures(int count, Exception last) {
    }
}
