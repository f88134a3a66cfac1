package io.spindle.log.compact;

import io.spindle.log.CorruptRecordBatchException;
import io.spindle.log.RecordWithoutKeyException;
import java.nio.ByteBuffer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.MutableRecordBatch;
import org.apache.kafka.common.record.internal.Record;
import org.apache.kafka.common.utils.internals.BufferSupplier;
import org.apache.kafka.common.utils.internals.CloseableIterator;

/**
 * The produce-time rule of compacted topics: every record has a key. Kafka refuses a batch breaking it with
 * INVALID_RECORD and the message below; so does Spindle. Reading the keys means decompressing a compressed batch,
 * a cost paid only by topics whose cleanup.policy has compact. Each batch's CRC is checked first, so that a
 * damaged batch is reported as such (CORRUPT_MESSAGE) rather than read.
 */
public final class KeyedRecords {
    private KeyedRecords() {
    }

    /**
     * @param batches   whole v2 batches between position and limit (left unchanged)
     * @param partition "topic-partition", named in the error
     * @throws RecordWithoutKeyException at the first record without a key
     * @throws CorruptRecordBatchException when a batch does not hold together
     */
    public static void requireKeys(ByteBuffer batches, String partition) {
        try {
            for (MutableRecordBatch batch : MemoryRecords.readableRecords(batches.duplicate()).batches()) {
                batch.ensureValid();
                if (batch.isControlBatch()) {
                    continue;
                }
                try (CloseableIterator<Record> records = batch.skipKeyValueIterator(BufferSupplier.NO_CACHING)) {
                    while (records.hasNext()) {
                        if (!records.next().hasKey()) {
                            throw new RecordWithoutKeyException("Compacted topic cannot accept message without key "
                                    + "in topic partition " + partition + ".");
                        }
                    }
                }
            }
        } catch (KafkaException e) {        // CorruptRecordException, InvalidRecordException: a damaged batch
            throw new CorruptRecordBatchException("A damaged batch for " + partition + ": " + e.getMessage());
        }
    }
}
