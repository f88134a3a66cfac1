package io.spindle.log;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.zip.CRC32C;

/**
 * The header of a Kafka v2 record batch (KIP-98), read in place: the one description of its layout in Spindle.
 * Big-endian, as stored on disk and carried on the wire:
 * <pre>
 *   0  baseOffset            int64   rewritten on append
 *   8  batchLength           int32   bytes that follow this field
 *  12  partitionLeaderEpoch  int32   (outside the CRC)
 *  16  magic                 int8    = 2
 *  17  crc                   uint32  CRC32C of everything from attributes to the end of the batch
 *  21  attributes            int16   bits 0-2 compression, 3 timestamp type, 4 transactional, 5 control
 *  23  lastOffsetDelta       int32
 *  27  baseTimestamp         int64
 *  35  maxTimestamp          int64
 *  43  producerId            int64   -1 when not idempotent
 *  51  producerEpoch         int16
 *  53  baseSequence          int32
 *  57  recordCount           int32
 *  61  records...
 * </pre>
 *
 * <p>A header is a cursor: {@link #at} builds one over a buffer, {@link #moveTo} points it at another batch of the
 * same bytes, so a walk over many batches ({@link BatchWalk}) allocates one. It reads the bytes when asked and
 * checks nothing by itself: a field read past the bytes' limit throws {@link IndexOutOfBoundsException}, so ask
 * {@link #available()} first when the bytes come from outside (and {@link BatchWalk} for everything else).
 *
 * <p>Not thread-safe (the position moves); the bytes under it may be shared.
 */
public final class BatchHeader {
    static final int BASE_OFFSET = 0;
    static final int BATCH_LENGTH = 8;
    static final int PARTITION_LEADER_EPOCH = 12;
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
    /** Bytes of the header: the smallest possible batch (one with no records). */
    public static final int HEADER_SIZE = 61;
    /** Bytes before those that batchLength counts: baseOffset and batchLength themselves. */
    public static final int LOG_OVERHEAD = 12;
    /** The only batch format Spindle stores. */
    public static final byte CURRENT_MAGIC = 2;
    static final short COMPRESSION_MASK = 0x07;
    static final short TIMESTAMP_TYPE_LOG_APPEND = 1 << 3;
    static final short TRANSACTIONAL = 1 << 4;
    static final short CONTROL = 1 << 5;

    // Exactly one of the two is set. A mapped segment is read through its region so that reading a header maps
    // nothing new; everything else (requests, a recovery scan's read-only view) comes as a buffer.
    private final ByteBuffer buffer;
    private final MappedRegion region;
    private final long limit;
    private long position;

    private BatchHeader(ByteBuffer buffer, MappedRegion region, long limit, long position) {
        this.buffer = buffer;
        this.region = region;
        this.limit = limit;
        this.position = position;
    }

    /**
     * The header of the batch at absolute {@code position} of {@code buffer}; the buffer's limit bounds it. Reads
     * big-endian whatever the buffer's byte order; never moves the buffer's position.
     */
    public static BatchHeader at(ByteBuffer buffer, int position) {
        return new BatchHeader(bigEndian(buffer), null, buffer.limit(), position);
    }

    /** The header of the batch at {@code position} of a segment's mapping, which holds batches below {@code limit}. */
    static BatchHeader at(MappedRegion region, long position, long limit) {
        return new BatchHeader(null, region, limit, position);
    }

    /** Points this header at the batch at {@code position} of the same bytes; returns this. */
    public BatchHeader moveTo(long position) {
        this.position = position;
        return this;
    }

    /** Where this batch starts. */
    public long position() {
        return position;
    }

    /** Bytes from this batch's start to the end of the bytes under it (negative past the end). */
    public long available() {
        return limit - position;
    }

    public long baseOffset() {
        return longAt(BASE_OFFSET);
    }

    /** The batchLength field: the bytes after it, i.e. {@link #sizeInBytes()} - {@link #LOG_OVERHEAD}. */
    public int batchLength() {
        return intAt(BATCH_LENGTH);
    }

    /** The whole batch's size in bytes as its length field claims it (long: a garbled length may overflow int). */
    public long sizeInBytes() {
        return (long) LOG_OVERHEAD + batchLength();
    }

    /**
     * The leader epoch of the broker that appended the batch as leader (-1 when none did: a producer's batch before
     * the log stamped it, or a log written before Spindle stamped epochs).
     */
    public int partitionLeaderEpoch() {
        return intAt(PARTITION_LEADER_EPOCH);
    }

    public byte magic() {
        return byteAt(position + MAGIC);
    }

    public int crc() {
        return intAt(CRC);
    }

    public short attributes() {
        return buffer != null ? buffer.getShort(index(ATTRIBUTES)) : region.getShort(position + ATTRIBUTES);
    }

    /** True when the records are compressed (attributes bits 0-2 name a codec). */
    public boolean isCompressed() {
        return (attributes() & COMPRESSION_MASK) != 0;
    }

    public boolean isTransactional() {
        return (attributes() & TRANSACTIONAL) != 0;
    }

    public boolean isControl() {
        return (attributes() & CONTROL) != 0;
    }

    /** True when the broker's append time, not the producer's create time, is the batch's timestamp. */
    public boolean hasLogAppendTime() {
        return (attributes() & TIMESTAMP_TYPE_LOG_APPEND) != 0;
    }

    public int lastOffsetDelta() {
        return intAt(LAST_OFFSET_DELTA);
    }

    /** The offset of the batch's last record: base offset plus last offset delta. */
    public long lastOffset() {
        return baseOffset() + lastOffsetDelta();
    }

    /** The offset after the batch's last record. */
    public long nextOffset() {
        return lastOffset() + 1;
    }

    public long baseTimestamp() {
        return longAt(BASE_TIMESTAMP);
    }

    public long maxTimestamp() {
        return longAt(MAX_TIMESTAMP);
    }

    /** The idempotent producer's id, or -1 for a batch without one. */
    public long producerId() {
        return longAt(PRODUCER_ID);
    }

    public boolean hasProducerId() {
        return producerId() >= 0;
    }

    public short producerEpoch() {
        return buffer != null ? buffer.getShort(index(PRODUCER_EPOCH)) : region.getShort(position + PRODUCER_EPOCH);
    }

    public int baseSequence() {
        return intAt(BASE_SEQUENCE);
    }

    /** The sequence of the batch's last record; sequences wrap from Integer.MAX_VALUE to 0. */
    public int lastSequence() {
        return lastSequence(baseSequence(), lastOffsetDelta());
    }

    public int recordCount() {
        return intAt(RECORD_COUNT);
    }

    /**
     * Whether the stored CRC32C matches the batch's bytes from its attributes to its claimed end. Call only when
     * the whole batch lies within the bytes ({@link BatchWalk} checks that first). A header over a segment's
     * mapping cannot compute it (the recovery scan reads the file through a buffer).
     */
    public boolean crcMatches() {
        return computeCrc() == crc();
    }

    /** CRC32C of the batch from its attributes to its claimed end. */
    int computeCrc() {
        if (buffer == null) {
            throw new UnsupportedOperationException("a CRC is computed over a buffer, not a segment's mapping");
        }
        ByteBuffer view = buffer.duplicate();
        int start = index(0);
        view.limit(Math.toIntExact(start + sizeInBytes())).position(start + ATTRIBUTES);
        CRC32C crc = new CRC32C();
        crc.update(view);
        return (int) crc.getValue();
    }

    // ---- rewriting a batch on append (a buffer the log owns until it is written) ----

    /** Stores the base offset the log assigned. The CRC does not cover it. */
    void setBaseOffset(long baseOffset) {
        buffer.putLong(index(BASE_OFFSET), baseOffset);
    }

    /** Stores the leader epoch of the appending leader. Outside the CRC, like the base offset: no CRC to redo. */
    void setPartitionLeaderEpoch(int leaderEpoch) {
        buffer.putInt(index(PARTITION_LEADER_EPOCH), leaderEpoch);
    }

    /** Marks the batch as stamped with the broker's time {@code nowMs} and recomputes its CRC. */
    void stampLogAppendTime(long nowMs) {
        buffer.putShort(index(ATTRIBUTES), (short) (attributes() | TIMESTAMP_TYPE_LOG_APPEND));
        buffer.putLong(index(MAX_TIMESTAMP), nowMs);
        buffer.putInt(index(CRC), computeCrc());
    }

    /** The last sequence of a batch of {@code lastOffsetDelta + 1} records from {@code firstSequence}, wrapping. */
    static int lastSequence(int firstSequence, int lastOffsetDelta) {
        long last = (long) firstSequence + lastOffsetDelta;
        return (int) (last > Integer.MAX_VALUE ? last - Integer.MAX_VALUE - 1 : last);
    }

    /** A big-endian view of {@code buffer} that shares its bytes. */
    static ByteBuffer bigEndian(ByteBuffer buffer) {
        return buffer.order() == ByteOrder.BIG_ENDIAN ? buffer : buffer.duplicate().order(ByteOrder.BIG_ENDIAN);
    }

    /** The byte at absolute {@code position} of the bytes under this header. */
    byte byteAt(long position) {
        return buffer != null ? buffer.get((int) position) : region.getByte(position);
    }

    private long longAt(int field) {
        return buffer != null ? buffer.getLong(index(field)) : region.getLong(position + field);
    }

    private int intAt(int field) {
        return buffer != null ? buffer.getInt(index(field)) : region.getInt(position + field);
    }

    private int index(int field) {
        return (int) position + field;
    }

    @Override
    public String toString() {
        return "BatchHeader[@" + position + ", " + available() + " bytes available]";
    }
}
