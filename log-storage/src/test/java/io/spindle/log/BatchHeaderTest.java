package io.spindle.log;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spindle.fixtures.Batches;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.MutableRecordBatch;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** BatchHeader reads every field where kafka-clients' own decoder finds it, in a buffer and in a mapped file. */
class BatchHeaderTest {
    @TempDir
    Path dir;

    private static MutableRecordBatch decoded(ByteBuffer batch) {
        return MemoryRecords.readableRecords(batch.duplicate()).batches().iterator().next();
    }

    private static void assertSameFields(MutableRecordBatch expected, BatchHeader header) {
        assertEquals(expected.baseOffset(), header.baseOffset());
        assertEquals(expected.sizeInBytes(), header.sizeInBytes());
        assertEquals(expected.magic(), header.magic());
        assertEquals((int) expected.checksum(), header.crc());
        assertEquals(expected.lastOffset(), header.lastOffset());
        assertEquals(expected.nextOffset(), header.nextOffset());
        assertEquals(expected.maxTimestamp(), header.maxTimestamp());
        assertEquals(expected.producerId(), header.producerId());
        assertEquals(expected.producerEpoch(), header.producerEpoch());
        assertEquals(expected.baseSequence(), header.baseSequence());
        assertEquals(expected.lastSequence(), header.lastSequence());
        assertEquals(expected.countOrNull(), header.recordCount());
        assertEquals(expected.isTransactional(), header.isTransactional());
        assertEquals(expected.isControlBatch(), header.isControl());
        assertEquals(expected.timestampType() == TimestampType.LOG_APPEND_TIME, header.hasLogAppendTime());
    }

    @Test
    void readsEveryFieldWhereKafkaClientsDecodesIt() {
        ByteBuffer batch = MemoryRecords.withIdempotentRecords(7L, Compression.NONE, 42L, (short) 3, 17, 0,
                new SimpleRecord(1000L, "a".getBytes()), new SimpleRecord(2500L, "b".getBytes()),
                new SimpleRecord(2000L, "c".getBytes())).buffer();
        BatchHeader header = BatchHeader.at(batch, 0);
        assertSameFields(decoded(batch), header);
        assertEquals(1000L, header.baseTimestamp());
        assertEquals(batch.remaining(), header.available());
        assertTrue(header.hasProducerId());
        assertTrue(header.crcMatches());
    }

    @Test
    void readsBigEndianWhateverTheBufferOrderAndLeavesTheBufferAlone() {
        ByteBuffer batch = Batches.batch("a", 2, 1000);
        ByteBuffer little = batch.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        BatchHeader header = BatchHeader.at(little, 0);
        assertEquals(1, header.lastOffset());
        assertEquals(ByteOrder.LITTLE_ENDIAN, little.order());
        assertEquals(0, little.position());
        assertFalse(header.hasProducerId());
    }

    @Test
    void readsTheNextBatchAfterMoveToAndCountsAvailableBytesFromThere() {
        ByteBuffer first = Batches.batch("a", 2, 1000);
        ByteBuffer second = Batches.batch("b", 5, 2000);
        int firstSize = first.remaining();
        ByteBuffer both = ByteBuffer.allocate(firstSize + second.remaining()).put(first).put(second).flip();
        both.putLong(firstSize, 2L);
        BatchHeader header = BatchHeader.at(both, 0);
        header.moveTo(firstSize);
        assertEquals(2, header.baseOffset());
        assertEquals(6, header.lastOffset());
        assertEquals(second.limit(), header.available());
    }

    @Test
    void stampingTheAppendTimeKeepsTheBatchValidForKafkaClients() {
        ByteBuffer batch = Batches.batch("a", 3, 1000);
        BatchHeader header = BatchHeader.at(batch, 0);
        header.setBaseOffset(100);
        header.stampLogAppendTime(5_000);
        MutableRecordBatch decoded = decoded(batch);
        decoded.ensureValid();
        assertEquals(TimestampType.LOG_APPEND_TIME, decoded.timestampType());
        assertEquals(5_000, decoded.maxTimestamp());
        assertEquals(100, decoded.baseOffset());
        assertTrue(header.crcMatches());
    }

    @Test
    void aChangedByteUnderTheCrcIsNoticed() {
        ByteBuffer batch = Batches.batch("a", 3, 1000);
        batch.put(batch.limit() - 1, (byte) (batch.get(batch.limit() - 1) ^ 1));
        assertFalse(BatchHeader.at(batch, 0).crcMatches());
    }

    @Test
    void sequencesWrapFromIntegerMaxToZero() {
        assertEquals(Integer.MAX_VALUE, BatchHeader.lastSequence(Integer.MAX_VALUE - 2, 2));
        assertEquals(1, BatchHeader.lastSequence(Integer.MAX_VALUE - 1, 3));
    }

    @Test
    void readsTheSameFieldsFromASegmentMapping() throws Exception {
        ByteBuffer batch = MemoryRecords.withIdempotentRecords(9L, Compression.NONE, 5L, (short) 1, 0, 0,
                new SimpleRecord(1000L, "x".getBytes())).buffer();
        try (MappedRegion region = MappedRegion.open(dir.resolve("m.log").toFile(), 4096)) {
            region.write(100, batch);
            BatchHeader header = BatchHeader.at(region, 100, 100 + batch.remaining());
            assertSameFields(decoded(batch), header);
            assertEquals(batch.remaining(), header.available());
        }
    }
}
