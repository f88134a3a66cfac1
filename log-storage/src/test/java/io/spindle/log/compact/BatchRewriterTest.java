package io.spindle.log.compact;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.internal.CompressionType;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.MutableRecordBatch;
import org.apache.kafka.common.record.internal.Record;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Test;

class BatchRewriterTest {
    private static final long PRODUCER = 4711;
    private static final short EPOCH = 3;
    private static final int MAX_RECORD = 1 << 20;

    private final BatchRewriter rewriter = new BatchRewriter();

    /** Five records at offsets 100..104 of one idempotent batch, sequence 20..24; keys k0..k4, k2 a tombstone. */
    private static ByteBuffer batch(CompressionType codec) {
        SimpleRecord[] records = new SimpleRecord[5];
        for (int i = 0; i < 5; i++) {
            records[i] = new SimpleRecord(1000 + i, bytes("k" + i), i == 2 ? null : bytes("v" + i));
        }
        return MemoryRecords.withIdempotentRecords(100, codec == CompressionType.NONE ? Compression.NONE
                : Compression.of(codec).build(), PRODUCER, EPOCH, 20, 0, records).buffer();
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static String text(ByteBuffer buffer) {
        byte[] b = new byte[buffer.remaining()];
        buffer.duplicate().get(b);
        return new String(b, StandardCharsets.UTF_8);
    }

    private static List<MutableRecordBatch> batches(ByteBuffer buffer) {
        List<MutableRecordBatch> list = new ArrayList<>();
        MemoryRecords.readableRecords(buffer.duplicate()).batches().forEach(list::add);
        return list;
    }

    private BatchRewriter.Result rewrite(ByteBuffer input, BatchRewriter.RecordPredicate keep, boolean keepEmpty,
                                         long now) {
        return rewriter.rewrite(input, ByteBuffer.allocate(64), keep, (producer, lastOffset) -> keepEmpty,
                CleanedTransactions.none(), now, 1000, MAX_RECORD);
    }

    @ParameterizedTest
    @EnumSource(value = CompressionType.class, names = {"NONE", "GZIP", "SNAPPY", "LZ4", "ZSTD"})
    void removedRecordsLeaveHolesAndTheBatchKeepsItsOffsetsProducerAndCodec(CompressionType codec) {
        ByteBuffer input = batch(codec);
        BatchRewriter.Result result = rewrite(input, (offset, key, tombstone, expired, ts) -> offset != 101 && offset != 104,
                false, 0);

        assertEquals(5, result.recordsRead());
        assertEquals(3, result.recordsRetained());
        List<MutableRecordBatch> out = batches(result.output());
        assertEquals(1, out.size());
        MutableRecordBatch batch = out.get(0);
        batch.ensureValid();                                        // the CRC was computed anew
        assertEquals(100, batch.baseOffset());
        assertEquals(104, batch.lastOffset(), "the last offset delta survives, so does the last sequence");
        assertEquals(PRODUCER, batch.producerId());
        assertEquals(EPOCH, batch.producerEpoch());
        assertEquals(20, batch.baseSequence());
        assertEquals(24, batch.lastSequence());
        assertEquals(codec, batch.compressionType());
        List<String> kept = new ArrayList<>();
        for (Record record : batch) {
            kept.add(record.offset() + ":" + text(record.key()) + "=" + (record.hasValue() ? text(record.value()) : null)
                    + "@" + record.timestamp());
        }
        assertEquals(List.of("100:k0=v0@1000", "102:k2=null@1002", "103:k3=v3@1003"), kept);
    }

    @Test
    void aBatchWhoseRecordsAllStayAndHoldNoTombstoneIsCopiedByteForByte() {
        ByteBuffer input = MemoryRecords.withRecords(7, Compression.NONE,
                new SimpleRecord(5, bytes("a"), bytes("1")), new SimpleRecord(6, bytes("b"), bytes("2"))).buffer();
        BatchRewriter.Result result = rewrite(input, (offset, key, tombstone, expired, ts) -> true, false, 0);
        assertArrayEquals(input.array(), copy(result.output()));
        assertEquals(0, input.position(), "the input is left as it was");
    }

    @Test
    void theFirstRewriteOfATombstoneSetsItsDeleteHorizonAndALaterOnePastItLetsThePredicateRemoveIt() {
        BatchRewriter.Result first = rewrite(batch(CompressionType.NONE), (offset, key, tombstone, expired, ts) -> true, false,
                5000);
        MutableRecordBatch marked = batches(first.output()).get(0);
        assertEquals(OptionalLong.of(6000), marked.deleteHorizonMs(), "now + delete.retention.ms");
        assertEquals(5, first.recordsRetained());
        List<Long> timestamps = new ArrayList<>();
        marked.forEach(r -> timestamps.add(r.timestamp()));
        assertEquals(List.of(1000L, 1001L, 1002L, 1003L, 1004L), timestamps, "record timestamps are unchanged");

        BatchRewriter.Result before = rewrite(first.output(), (offset, key, tombstone, expired, ts) -> true, false, 5999);
        assertEquals(5, before.recordsRetained(), "the tombstone stays until its horizon");

        List<Long> expiredOffsets = new ArrayList<>();
        BatchRewriter.Result after = rewrite(first.output(), (offset, key, tombstone, expired, ts) -> {
            if (expired) {
                expiredOffsets.add(offset);
            }
            return !expired;
        }, false, 6000);
        assertEquals(List.of(102L), expiredOffsets, "the predicate is told which tombstone is past its horizon");
        assertEquals(4, after.recordsRetained());
        batches(after.output()).forEach(b -> b.forEach(r -> assertTrue(r.hasValue())));

        BatchRewriter.Result kept = rewrite(first.output(), (offset, key, tombstone, expired, ts) -> true, false,
                6000);
        assertEquals(5, kept.recordsRetained(), "and it may keep it: only the cleaner knows whether it still hides "
                + "an older value");
    }

    @Test
    void aBatchLeftEmptyDisappearsUnlessItIsToBeKeptForItsProducer() {
        BatchRewriter.Result dropped = rewrite(batch(CompressionType.LZ4), (offset, key, tombstone, expired, ts) -> false,
                false, 0);
        assertEquals(0, dropped.output().remaining());
        assertEquals(0, dropped.recordsRetained());

        List<Long> asked = new ArrayList<>();
        BatchRewriter.Result kept = rewriter.rewrite(batch(CompressionType.LZ4), ByteBuffer.allocate(8),
                (offset, key, tombstone, expired, ts) -> false, (producer, lastOffset) -> {
                    asked.add(producer);
                    asked.add(lastOffset);
                    return true;
                }, CleanedTransactions.none(), 0, 1000, MAX_RECORD);
        assertEquals(List.of(PRODUCER, 104L), asked);
        List<MutableRecordBatch> out = batches(kept.output());
        assertEquals(1, out.size());
        MutableRecordBatch empty = out.get(0);
        empty.ensureValid();
        assertEquals(0, empty.countOrNull());
        assertEquals(100, empty.baseOffset());
        assertEquals(104, empty.lastOffset());
        assertEquals(24, empty.lastSequence());
        assertEquals(EPOCH, empty.producerEpoch());
    }

    @Test
    void theEmptyBatchPolicyHearsOfABatchWithoutProducerAsProducerMinusOne() {
        ByteBuffer input = MemoryRecords.withRecords(0, Compression.NONE, new SimpleRecord(1, bytes("a"), bytes("1")))
                .buffer();
        List<Long> producers = new ArrayList<>();
        BatchRewriter.Result result = rewriter.rewrite(input, ByteBuffer.allocate(8),
                (offset, key, tombstone, expired, ts) -> false, (producer, lastOffset) -> producers.add(producer) && false,
                CleanedTransactions.none(), 0, 1000, MAX_RECORD);
        assertEquals(List.of(-1L), producers);
        assertEquals(0, result.output().remaining());
    }

    @Test
    void keylessRecordsReachThePredicateWithANullKey() {
        ByteBuffer input = MemoryRecords.withRecords(0, Compression.NONE, new SimpleRecord(1, null, bytes("x")),
                new SimpleRecord(2, bytes("k"), bytes("y"))).buffer();
        List<String> keys = new ArrayList<>();
        BatchRewriter.Result result = rewrite(input, (offset, key, tombstone, expired, ts) -> {
            keys.add(key == null ? null : text(key));
            return key != null;
        }, false, 0);
        assertEquals(java.util.Arrays.asList(null, "k"), keys);
        assertEquals(1, result.recordsRetained());
        assertEquals(1, batches(result.output()).get(0).lastOffset());
    }

    @Test
    void severalBatchesAreRewrittenInOrderIntoAGrowingBuffer() {
        ByteBuffer a = MemoryRecords.withRecords(0, Compression.NONE, new SimpleRecord(1, bytes("a"), new byte[300]),
                new SimpleRecord(1, bytes("b"), new byte[300])).buffer();
        ByteBuffer b = MemoryRecords.withRecords(2, Compression.NONE, new SimpleRecord(1, bytes("a"), new byte[300]))
                .buffer();
        ByteBuffer both = ByteBuffer.allocate(a.remaining() + b.remaining()).put(a).put(b).flip();
        BatchRewriter.Result result = rewrite(both, (offset, key, tombstone, expired, ts) -> offset != 0, false, 0);
        List<MutableRecordBatch> out = batches(result.output());
        assertEquals(2, out.size());
        assertEquals(List.of(0L, 2L), out.stream().map(MutableRecordBatch::baseOffset).toList());
        assertEquals(List.of(1L, 2L), out.stream().map(MutableRecordBatch::lastOffset).toList());
        assertEquals(result.bytesWritten(), result.output().remaining());
        assertEquals(both.remaining(), result.bytesRead());
    }

    private static byte[] copy(ByteBuffer buffer) {
        byte[] b = new byte[buffer.remaining()];
        buffer.duplicate().get(b);
        return b;
    }

    /** Three uncompressed idempotent batches of 4 records without tombstones, offsets 0..11, timestamps 500 + offset. */
    private static ByteBuffer plainBatches() {
        ByteBuffer all = ByteBuffer.allocate(4096);
        for (int b = 0; b < 3; b++) {
            SimpleRecord[] records = new SimpleRecord[4];
            for (int i = 0; i < 4; i++) {
                int offset = b * 4 + i;
                records[i] = new SimpleRecord(500 + offset, bytes("k" + offset), bytes("v" + offset));
            }
            all.put(MemoryRecords.withIdempotentRecords(b * 4L, Compression.NONE, PRODUCER, EPOCH, b * 4, 0, records)
                    .buffer());
        }
        return all.flip();
    }

    @Test
    void anUncompressedBatchIsRewrittenInPlaceKeepingItsRecordsBytesAndHeaderButLengthCountMaxTimestampAndCrc() {
        ByteBuffer input = plainBatches();
        // Batch 0 keeps 0 and 2; batch 1 keeps all; batch 2 keeps nothing.
        BatchRewriter.Result result = rewrite(input, (offset, key, tombstone, expired, ts) -> offset == 0 || offset == 2
                || (offset >= 4 && offset < 8), false, 0);

        assertEquals(12, result.recordsRead());
        assertEquals(6, result.recordsRetained());
        assertEquals(input.remaining(), result.bytesRead());
        List<MutableRecordBatch> out = batches(result.output());
        assertEquals(2, out.size(), "the emptied batch is gone");
        List<String> seen = new ArrayList<>();
        for (MutableRecordBatch batch : out) {
            batch.ensureValid();
            assertEquals(PRODUCER, batch.producerId());
            assertEquals(batch.baseOffset() + 3, batch.lastOffset(), "the last offset delta stays");
            long max = -1;
            for (Record record : batch) {
                seen.add(record.offset() + ":" + text(record.key()) + "=" + text(record.value()) + "@" + record.timestamp());
                max = Math.max(max, record.timestamp());
            }
            assertEquals(max, batch.maxTimestamp());
        }
        assertEquals(List.of("0:k0=v0@500", "2:k2=v2@502", "4:k4=v4@504", "5:k5=v5@505", "6:k6=v6@506", "7:k7=v7@507"),
                seen);
        assertEquals(2, out.get(0).countOrNull());
    }

    @Test
    void anUncompressedBatchKeptWholeIsCopiedByteForByte() {
        ByteBuffer input = plainBatches();
        BatchRewriter.Result result = rewrite(input, (offset, key, tombstone, expired, ts) -> true, false, 0);

        assertEquals(input, result.output());
        assertEquals(12, result.recordsRetained());
    }

    @Test
    void batchesReadFromADirectBufferAreRewrittenAsFromTheHeap() {
        ByteBuffer heap = plainBatches();
        ByteBuffer direct = ByteBuffer.allocateDirect(heap.remaining() + 3).position(3).put(heap.duplicate())
                .position(3).slice().asReadOnlyBuffer();        // as the cleaner reads a segment: a slice of a mapping
        BatchRewriter.RecordPredicate keep = (offset, key, tombstone, expired, ts) -> offset % 3 == 0
                && text(key).equals("k" + offset);

        ByteBuffer fromHeap = rewrite(heap, keep, false, 0).output();
        BatchRewriter.Result fromDirect = rewrite(direct, keep, false, 0);

        assertEquals(4, fromDirect.recordsRetained());
        assertEquals(fromHeap, fromDirect.output());
    }
}
