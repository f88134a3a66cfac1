package io.spindle.log.compact;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spindle.log.BatchHeader;
import io.spindle.log.CorruptRecordBatchException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.junit.jupiter.api.Test;

class RecordKeysTest {
    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    /** A heap buffer holding some other bytes, then one uncompressed batch at base offset 40. */
    private static ByteBuffer batchAfterPadding() {
        ByteBuffer batch = MemoryRecords.withRecords(40, Compression.NONE,
                new SimpleRecord(1L, bytes("alpha"), bytes("v1")),
                new SimpleRecord(2L, null, bytes("no key")),
                new SimpleRecord(3L, bytes(""), null),
                new SimpleRecord(4L, bytes("delta"), new byte[300])).buffer();
        ByteBuffer framed = ByteBuffer.allocate(7 + batch.remaining());
        framed.position(7);
        framed.put(batch);
        return framed.position(7).slice();
    }

    @Test
    void eachRecordsOffsetAndKeyAreReadInPlace() {
        assertEquals(List.of("40:alpha", "41:null", "42:", "43:delta"), offsetsAndKeys(batchAfterPadding()));
    }

    @Test
    void aDirectBufferIsReadLikeAHeapOne() {
        ByteBuffer heap = batchAfterPadding();
        ByteBuffer direct = ByteBuffer.allocateDirect(heap.remaining() + 5).position(5).put(heap.duplicate());
        assertEquals(offsetsAndKeys(heap), offsetsAndKeys(direct.position(5).slice()));
    }

    private static List<String> offsetsAndKeys(ByteBuffer batches) {
        RecordKeys keys = new RecordKeys();
        keys.reset(batches, BatchHeader.at(batches, 0));
        List<String> seen = new ArrayList<>();
        while (keys.next()) {
            String key = null;
            if (keys.hasKey()) {
                byte[] bytes = new byte[keys.keyLength()];
                keys.buffer().get(keys.keyStart(), bytes);
                key = new String(bytes, StandardCharsets.UTF_8);
            }
            seen.add(keys.offset() + ":" + key);
        }
        return seen;
    }

    @Test
    void aKeyLengthRunningPastTheRecordIsADamagedBatch() {
        ByteBuffer batches = batchAfterPadding();
        // The first record starts at 61: length (1 byte), attributes, timestamp delta (1), offset delta (1), key length.
        batches.put(BatchHeader.HEADER_SIZE + 4, (byte) 0x7E);       // zigzag 63: longer than the record
        RecordKeys keys = new RecordKeys();
        keys.reset(batches, BatchHeader.at(batches, 0));

        CorruptRecordBatchException e = assertThrows(CorruptRecordBatchException.class, keys::next);
        assertTrue(e.getMessage().contains("base offset 40") && e.getMessage().contains("key length of 63"), e.getMessage());
    }

    @Test
    void aBatchWithoutRecordsHasNone() {
        ByteBuffer batches = MemoryRecords.withRecords(5, Compression.NONE, new SimpleRecord(1L, bytes("k"), null)).buffer();
        batches.putInt(BatchHeader.HEADER_SIZE - 4, 0);              // record count
        RecordKeys keys = new RecordKeys();
        keys.reset(batches, BatchHeader.at(batches, 0));
        assertFalse(keys.next());
    }
}
