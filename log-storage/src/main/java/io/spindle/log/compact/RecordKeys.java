package io.spindle.log.compact;

import io.spindle.log.BatchHeader;
import io.spindle.log.CorruptRecordBatchException;
import java.nio.ByteBuffer;

/**
 * The offset, key, timestamp delta and value length of each record of an uncompressed v2 batch, and where the
 * record lies, read in place from a buffer (a heap buffer, or a segment file's mapping) without making a record
 * object or copying the records: what building the key map and
 * rewriting a batch in place need and no more. The records follow the batch header, each as {@code length (varint),
 * attributes (int8), timestampDelta (varlong), offsetDelta (varint), keyLength (varint, -1 for none), key,
 * valueLength (varint, -1 for none), ...}; the rest of a record (value, headers) is skipped by its length.
 * kafka-clients' iterator, which the cleaner used before, made a record and three buffer views per record, a fifth of
 * the map's time.
 *
 * <p>Every length is checked against the batch's end, so a damaged batch fails with
 * {@link CorruptRecordBatchException} instead of reading another batch's bytes. A cursor: not thread-safe, reused
 * for each batch.
 */
final class RecordKeys {
    private ByteBuffer bytes;
    private int position;
    private int end;
    private long baseOffset;
    private int remaining;
    private long offset;
    private long timestampDelta;
    private int recordStart;
    private int keyStart;
    private int keyLength;
    private int valueLength;

    /**
     * Points the cursor at the records of {@code batch}, an uncompressed batch in {@code buffer}; the positions this
     * cursor reports are absolute indexes into {@code buffer}.
     */
    void reset(ByteBuffer buffer, BatchHeader batch) {
        bytes = buffer;
        int start = (int) batch.position();
        position = start + BatchHeader.HEADER_SIZE;
        end = start + (int) batch.sizeInBytes();
        baseOffset = batch.baseOffset();
        remaining = batch.recordCount();
    }

    /** Moves to the next record; false when the batch has no more. */
    boolean next() {
        if (remaining <= 0) {
            return false;
        }
        recordStart = position;
        int length = varint();
        int bodyStart = position;
        if (length < 0 || length > end - bodyStart) {
            throw damaged("a record length of " + length);
        }
        int bodyEnd = bodyStart + length;
        position++;                         // attributes
        timestampDelta = varlong();
        offset = baseOffset + varint();
        keyLength = varint();
        keyStart = position;
        if (keyLength < -1 || keyLength > bodyEnd - keyStart) {
            throw damaged("a key length of " + keyLength);
        }
        position = keyStart + Math.max(0, keyLength);
        valueLength = varint();
        if (valueLength < -1 || valueLength > bodyEnd - position || position > bodyEnd) {
            throw damaged("a value length of " + valueLength);
        }
        position = bodyEnd;
        remaining--;
        return true;
    }

    long offset() {
        return offset;
    }

    long timestampDelta() {
        return timestampDelta;
    }

    /** Where the record (from its length field) starts in {@link #buffer()}. */
    int recordStart() {
        return recordStart;
    }

    /** Where the record ends in {@link #buffer()}: the next one's start. */
    int recordEnd() {
        return position;
    }

    /** True for a record with a key and no value. */
    boolean isTombstone() {
        return keyLength >= 0 && valueLength < 0;
    }

    boolean hasKey() {
        return keyLength >= 0;
    }

    /** The buffer given to {@link #reset}, which the positions index. */
    ByteBuffer buffer() {
        return bytes;
    }

    /** Where the key starts in {@link #buffer()}. */
    int keyStart() {
        return keyStart;
    }

    int keyLength() {
        return keyLength;
    }

    private int varint() {
        long raw = unsignedVarint(5);
        return (int) ((raw >>> 1) ^ -(raw & 1));
    }

    private long varlong() {
        long raw = unsignedVarint(10);
        return (raw >>> 1) ^ -(raw & 1);
    }

    private long unsignedVarint(int maxBytes) {
        long value = 0;
        for (int i = 0; i < maxBytes; i++) {
            if (position >= end) {
                throw damaged("a varint running past the batch");
            }
            byte b = bytes.get(position++);
            value |= (long) (b & 0x7F) << (7 * i);
            if (b >= 0) {
                return value;
            }
        }
        throw damaged("a varint longer than " + maxBytes + " bytes");
    }

    private CorruptRecordBatchException damaged(String what) {
        return new CorruptRecordBatchException("A damaged batch at base offset " + baseOffset + ": " + what);
    }
}
