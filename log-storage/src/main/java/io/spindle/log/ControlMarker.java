package io.spindle.log;

import java.nio.ByteBuffer;
import org.apache.kafka.common.record.internal.ControlRecordType;
import org.apache.kafka.common.record.internal.EndTransactionMarker;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.Record;
import org.apache.kafka.common.record.internal.RecordBatch;

/** What a control batch says about its producer's transaction: COMMIT or ABORT, and the coordinator's epoch. */
record ControlMarker(boolean commit, int coordinatorEpoch) {
    /**
     * The marker the control batch in {@code batch} (from its position to its limit, one whole batch) holds; null when
     * it holds no COMMIT or ABORT record (another control record, or none: a batch the cleaner emptied).
     */
    static ControlMarker of(ByteBuffer batch) {
        for (RecordBatch each : MemoryRecords.readableRecords(batch.slice()).batches()) {
            for (Record record : each) {
                ControlRecordType type = ControlRecordType.parse(record.key());
                if (type != ControlRecordType.COMMIT && type != ControlRecordType.ABORT) {
                    return null;
                }
                return new ControlMarker(type == ControlRecordType.COMMIT,
                        EndTransactionMarker.deserialize(record).coordinatorEpoch());
            }
        }
        return null;
    }
}
