package io.spindle.log;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.zip.CRC32C;

/**
 * The Kafka v2 record batch header (KIP-98), big-endian, as stored on disk and carried on the wire:
 * <pre>
 *   0  baseOffset            int64   rewritten on append
 *   8  batchLength           int32   bytes that follow this field
 *  12  partitionLeaderEpoch  int32
 *  16  magic                 int8    = 2
 *  17  crc                   uint32  CRC32C of everything from attributes to the end
 *  21  attributes            int16   bits 0-2 compression, 3 timestamp type, 4 transactional, 5 control
 *  23  lastOffsetDelta       int32
 *  27  baseTimestamp         int64
 *  35  maxTimestamp          int64
 *  43  producerId            int64
 *  51  producerEpoch         int16
 *  53  baseSequence          int32
 *  57  recordCount           int32
 *  61  records...
 * </pre>
 */
final class RecordBatchFormat {
    static final int BASE_OFFSET = 0;
    static final int BATCH_LENGTH = 8;
    static final int MAGIC = 16;
    static final int CRC = 17;
    static final int ATTRIBUTES = 21;
    static final int LAST_OFFSET_DELTA = 23;
    static final int BASE_TIMESTAMP = 27;
    static final int MAX_TIMESTAMP = 35;
    static final int PRODUCER_ID = 43;
    static final int PRODUCER_EPOCH = 51;
    static final int BASE_SEQUENCE = 53;
    static final int RECORD_COUNT = 57;
    static final int HEADER_SIZE = 61;
    /** Bytes before batchLength's count starts: baseOffset + batchLength. */
    static final int LOG_OVERHEAD = 12;
    static final byte CURRENT_MAGIC = 2;
    static final short TIMESTAMP_TYPE_LOG_APPEND = 1 << 3;
    static final short TRANSACTIONAL = 1 << 4;
    static final short CONTROL = 1 << 5;

    private RecordBatchFormat() {
    }

    /** CRC32C over [start + ATTRIBUTES, start + totalSize) of {@code buffer}, without moving its position. */
    static int crcOf(ByteBuffer buffer, int start, int totalSize) {
        ByteBuffer view = buffer.duplicate();
        view.limit(start + totalSize).position(start + ATTRIBUTES);
        CRC32C crc = new CRC32C();
        crc.update(view);
        return (int) crc.getValue();
    }

    /** A big-endian view of {@code buffer} that shares its bytes. */
    static ByteBuffer bigEndian(ByteBuffer buffer) {
        return buffer.order() == ByteOrder.BIG_ENDIAN ? buffer : buffer.duplicate().order(ByteOrder.BIG_ENDIAN);
    }
}
