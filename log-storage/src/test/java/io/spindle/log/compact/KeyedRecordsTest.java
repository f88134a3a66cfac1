package io.spindle.log.compact;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.spindle.log.CorruptRecordBatchException;
import io.spindle.log.RecordWithoutKeyException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.junit.jupiter.api.Test;

class KeyedRecordsTest {

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void aBatchWhoseRecordsAllHaveKeysPassesTombstonesIncluded() {
        ByteBuffer batch = MemoryRecords.withRecords(Compression.NONE, new SimpleRecord(bytes("a"), bytes("1")),
                new SimpleRecord(bytes("b"), null)).buffer();
        assertDoesNotThrow(() -> KeyedRecords.requireKeys(batch, "t-0"));
        assertEquals(0, batch.position());
    }

    @Test
    void aRecordWithoutKeyInACompressedBatchIsRefusedWithKafkasMessage() {
        ByteBuffer batch = MemoryRecords.withRecords(Compression.zstd().build(),
                new SimpleRecord(bytes("a"), bytes("1")), new SimpleRecord(null, bytes("2"))).buffer();
        RecordWithoutKeyException e = assertThrows(RecordWithoutKeyException.class,
                () -> KeyedRecords.requireKeys(batch, "table-3"));
        assertEquals("Compacted topic cannot accept message without key in topic partition table-3.", e.getMessage());
    }

    @Test
    void aDamagedBatchIsReportedAsCorruptNotRead() {
        ByteBuffer batch = MemoryRecords.withRecords(Compression.NONE, new SimpleRecord(null, bytes("1"))).buffer();
        batch.put(batch.limit() - 1, (byte) (batch.get(batch.limit() - 1) ^ 1));
        assertThrows(CorruptRecordBatchException.class, () -> KeyedRecords.requireKeys(batch, "t-0"));
    }
}
