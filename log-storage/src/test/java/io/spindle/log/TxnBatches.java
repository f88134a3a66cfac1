package io.spindle.log;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.internal.ControlRecordType;
import org.apache.kafka.common.record.internal.EndTransactionMarker;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.SimpleRecord;

/** Transactional batches and COMMIT/ABORT markers as a producer and a coordinator frame them (kafka-clients). */
public final class TxnBatches {
    private TxnBatches() {
    }

    /** A transactional batch of {@code producerId} (epoch 0) with one record per "key=value" pair. */
    public static ByteBuffer data(long producerId, int sequence, long timestamp, String... keyValues) {
        return MemoryRecords.withTransactionalRecords(Compression.NONE, producerId, (short) 0, sequence,
                records(timestamp, keyValues)).buffer();
    }

    /** An idempotent (not transactional) batch of {@code producerId} (epoch 0) with one record per "key=value" pair. */
    public static ByteBuffer idempotent(long producerId, int sequence, long timestamp, String... keyValues) {
        return MemoryRecords.withIdempotentRecords(Compression.NONE, producerId, (short) 0, sequence,
                records(timestamp, keyValues)).buffer();
    }

    /** A batch without producer of one record per "key=value" pair. */
    public static ByteBuffer plain(long timestamp, String... keyValues) {
        return MemoryRecords.withRecords(Compression.NONE, records(timestamp, keyValues)).buffer();
    }

    private static SimpleRecord[] records(long timestamp, String... keyValues) {
        SimpleRecord[] records = new SimpleRecord[keyValues.length];
        for (int i = 0; i < keyValues.length; i++) {
            String[] kv = keyValues[i].split("=", 2);
            records[i] = new SimpleRecord(timestamp, kv[0].getBytes(StandardCharsets.UTF_8),
                    kv[1].getBytes(StandardCharsets.UTF_8));
        }
        return records;
    }

    /** The COMMIT ({@code commit}) or ABORT marker of {@code producerId}'s transaction (epoch 0, coordinator 0). */
    public static ByteBuffer marker(long producerId, boolean commit, long timestamp) {
        return marker(producerId, commit, 0, timestamp);
    }

    /** As {@link #marker(long, boolean, long)}, from a coordinator of epoch {@code coordinatorEpoch}. */
    public static ByteBuffer marker(long producerId, boolean commit, int coordinatorEpoch, long timestamp) {
        return MemoryRecords.withEndTransactionMarker(0L, timestamp, 0, producerId, (short) 0,
                new EndTransactionMarker(commit ? ControlRecordType.COMMIT : ControlRecordType.ABORT, coordinatorEpoch))
                .buffer();
    }
}
