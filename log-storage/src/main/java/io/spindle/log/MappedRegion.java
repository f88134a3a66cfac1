package io.spindle.log;

import java.io.File;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import net.openhft.chronicle.bytes.MappedBytesStore;
import net.openhft.chronicle.bytes.MappedFile;
import net.openhft.chronicle.core.io.ReferenceOwner;

/**
 * One file mapped whole into memory through chronicle-bytes, with big-endian accessors at absolute
 * positions. The mapping's size is fixed at open: a file shorter than that is extended (sparsely), so
 * callers reserve disk blocks with {@link DiskSpace} before writing into a hole.
 *
 * <p>Thread-safety: positions are absolute and nothing here has a cursor, so concurrent readers are
 * safe; the owner guarantees a single writer and publishes what it wrote through a volatile.
 */
final class MappedRegion implements AutoCloseable {
    private static final boolean NATIVE_BIG_ENDIAN = ByteOrder.nativeOrder() == ByteOrder.BIG_ENDIAN;

    private final File file;
    private final MappedFile mappedFile;
    private final MappedBytesStore store;
    private final ReferenceOwner owner;
    private final long capacity;
    private final long address;

    private MappedRegion(File file, MappedFile mappedFile, MappedBytesStore store, ReferenceOwner owner, long capacity) {
        this.file = file;
        this.mappedFile = mappedFile;
        this.store = store;
        this.owner = owner;
        this.capacity = capacity;
        this.address = store.addressForRead(0);
    }

    /**
     * Maps {@code file} read-write with {@code capacity} bytes, extending it to {@code capacity} if shorter.
     * The file ends up exactly {@code max(its length, capacity)} long: chronicle-bytes rounds the file up to a
     * whole page when it maps it, and that padding is cut again here, because a sealed segment's length is where
     * its batches end and an index file's length its entry count (ReopenTest shows what the padding did).
     */
    static MappedRegion open(File file, long capacity) throws IOException {
        long expectedLength = Math.max(file.length(), capacity);
        MappedFile mappedFile = MappedFile.ofSingle(file, capacity, false);
        ReferenceOwner owner = ReferenceOwner.temporary("spindle:" + file.getName());
        try {
            MappedBytesStore store = mappedFile.acquireByteStore(owner, 0);
            store.singleThreadedCheckDisabled(true);
            FileChannel channel = mappedFile.raf().getChannel();
            if (channel.size() > expectedLength) {
                // Only the page holding the end stays partly past it; nothing reads or writes beyond capacity.
                channel.truncate(expectedLength);
            }
            return new MappedRegion(file, mappedFile, store, owner, capacity);
        } catch (IOException | RuntimeException e) {
            mappedFile.releaseLast();
            throw e;
        }
    }

    File file() {
        return file;
    }

    long capacity() {
        return capacity;
    }

    FileChannel channel() {
        return mappedFile.raf().getChannel();
    }

    long address(long position) {
        return address + position;
    }

    long getLong(long position) {
        long v = store.readLong(position);
        return NATIVE_BIG_ENDIAN ? v : Long.reverseBytes(v);
    }

    int getInt(long position) {
        int v = store.readInt(position);
        return NATIVE_BIG_ENDIAN ? v : Integer.reverseBytes(v);
    }

    short getShort(long position) {
        short v = store.readShort(position);
        return NATIVE_BIG_ENDIAN ? v : Short.reverseBytes(v);
    }

    byte getByte(long position) {
        return store.readByte(position);
    }

    void putLong(long position, long value) {
        store.writeLong(position, NATIVE_BIG_ENDIAN ? value : Long.reverseBytes(value));
    }

    void putInt(long position, int value) {
        store.writeInt(position, NATIVE_BIG_ENDIAN ? value : Integer.reverseBytes(value));
    }

    /**
     * Writes {@code source}'s remaining bytes at {@code position} through the file channel (pwrite into the page
     * cache), leaving source's position unchanged. The mapping sees the bytes at once: it maps the same page cache.
     *
     * <p>Appends go this way rather than through the mapping because the first write faults on new pages of a
     * shared file mapping are slow on Linux: on this machine a mapped write stalled for about 18 ms once per
     * 8 MiB of new pages, while pwrite of the same bytes never did (docs/benchmarks.md). Reads keep the mapping.
     */
    void write(long position, ByteBuffer source) throws IOException {
        ByteBuffer remaining = source.duplicate();
        long at = position;
        FileChannel channel = channel();
        while (remaining.hasRemaining()) {
            at += channel.write(remaining, at);
        }
    }

    /** Copies {@code length} bytes at {@code position} into {@code destination}, advancing it. */
    void copyTo(long position, int length, ByteBuffer destination) throws IOException {
        if (destination.remaining() < length) {
            throw new IllegalArgumentException("destination has " + destination.remaining() + " bytes left, needs " + length);
        }
        // The channel reads the same page cache the mapping writes to, and copies in bulk.
        ByteBuffer target = destination.slice().limit(length);
        int done = 0;
        while (done < length) {
            int n = channel().read(target, position + done);
            if (n < 0) {
                throw new IOException("unexpected end of " + file + " at " + (position + done));
            }
            done += n;
        }
        destination.position(destination.position() + length);
    }

    void zero(long position, long length) {
        store.zeroOut(position, position + length);
    }

    /** Unmaps the file and closes its channel. */
    @Override
    public void close() {
        store.release(owner);
        mappedFile.releaseLast();
    }
}
