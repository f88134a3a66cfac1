package io.spindle.log;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.Record;
import org.apache.kafka.common.record.internal.RecordBatch;

/** Decodes what a log hands back, with kafka-clients' own decoder (io.spindle.fixtures.Batches builds what goes in). */
final class Reads {
    private Reads() {
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
