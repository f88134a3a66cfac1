package io.spindle.log;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.Record;
import org.apache.kafka.common.record.internal.RecordBatch;
import org.apache.kafka.common.record.internal.SimpleRecord;

/** Builds record batches with kafka-clients' own encoder, and decodes what the log hands back. */
final class Batches {
    private Batches() {
    }

    /** One uncompressed batch of {@code count} records "prefix-i", timestamps from {@code firstTimestamp}. */
    static ByteBuffer batch(String prefix, int count, long firstTimestamp) {
        SimpleRecord[] records = new SimpleRecord[count];
        for (int i = 0; i < count; i++) {
            records[i] = new SimpleRecord(firstTimestamp + i, ("k" + i).getBytes(StandardCharsets.UTF_8),
                    (prefix + "-" + i).getBytes(StandardCharsets.UTF_8));
        }
        return MemoryRecords.withRecords(Compression.NONE, records).buffer();
    }

    static ByteBuffer batchOfSize(int valueBytes, long timestamp) {
        return MemoryRecords.withRecords(Compression.NONE, new SimpleRecord(timestamp, new byte[valueBytes])).buffer();
    }

    static ByteBuffer idempotent(long producerId, short epoch, int baseSequence, String... values) {
        SimpleRecord[] records = new SimpleRecord[values.length];
        for (int i = 0; i < values.length; i++) {
            records[i] = new SimpleRecord(1000L + i, values[i].getBytes(StandardCharsets.UTF_8));
        }
        return MemoryRecords.withIdempotentRecords(Compression.NONE, producerId, epoch, baseSequence, records).buffer();
    }

    /** Decodes a slice into (offset, value) strings like "5=a-0". */
    static List<String> decode(LogSlice slice) {
        ByteBuffer copy = ByteBuffer.allocate(slice.sizeInBytes());
        slice.copyTo(copy);
        copy.flip();
        List<String> out = new ArrayList<>();
        for (RecordBatch batch : MemoryRecords.readableRecords(copy).batches()) {
            batch.ensureValid();
            for (Record record : batch) {
                out.add(record.offset() + "=" + StandardCharsets.UTF_8.decode(record.value()));
            }
        }
        return out;
    }

    /** Every record from {@code from} to the log end, read slice by slice. */
    static List<String> readAll(PartitionLog log, long from) {
        List<String> out = new ArrayList<>();
        long next = from;
        while (next < log.logEndOffset()) {
            try (LogSlice slice = log.read(next, 1 << 20)) {
                if (slice.isEmpty()) {
                    break;
                }
                for (String r : decode(slice)) {
                    long offset = Long.parseLong(r.substring(0, r.indexOf('=')));
                    if (offset >= next) {
                        out.add(r);
                    }
                }
                next = slice.nextOffset();
            }
        }
        return out;
    }
}
