package io.spindle.log;

import java.io.File;
import java.io.IOException;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Field;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.StandardOpenOption;

/**
 * One file mapped whole into memory with {@link FileChannel#map}, with big-endian accessors at absolute
 * positions. The mapping's size is fixed at open: a file shorter than that is extended (sparsely), so
 * callers reserve disk blocks with {@link DiskSpace} before writing into a hole.
 *
 * <p>A mapping holds at most {@link Integer#MAX_VALUE} bytes (one {@link MappedByteBuffer}); that is enough
 * because {@code segment.bytes} is an int, and a larger request fails at {@link #open} naming the file.
 *
 * <p>Only JDK API is used: the unmapping at {@link #close()} goes through {@code sun.misc.Unsafe.invokeCleaner}
 * of the jdk.unsupported module, which is open to every class path, so the JVM needs no module flags.
 *
 * <p>Thread-safety: positions are absolute and nothing here has a cursor, so concurrent readers are
 * safe; the owner guarantees a single writer and publishes what it wrote through a volatile. Nothing may
 * read a region after {@link #close()}: the memory is gone and an access would crash the process.
 */
final class MappedRegion implements AutoCloseable {
    /** {@code sun.misc.Unsafe.invokeCleaner(ByteBuffer)} bound to the Unsafe instance: unmaps a buffer at once. */
    private static final MethodHandle UNMAP = unmapHandle();
    private static final byte[] ZEROS = new byte[4096];

    private final File file;
    private final FileChannel channel;
    private final MappedByteBuffer buffer;
    private final long capacity;

    private MappedRegion(File file, FileChannel channel, MappedByteBuffer buffer, long capacity) {
        this.file = file;
        this.channel = channel;
        this.buffer = buffer;
        this.capacity = capacity;
    }

    /**
     * Maps {@code file} read-write with {@code capacity} bytes, extending it to {@code capacity} if shorter.
     * The file ends up exactly {@code max(its length, capacity)} long, never rounded up to a page: a sealed
     * segment's length is where its batches end and an index file's length its entry count (ReopenTest shows
     * what page padding once did). {@link FileChannel#map} extends a short file to exactly the mapped size.
     */
    static MappedRegion open(File file, long capacity) throws IOException {
        if (capacity < 0 || capacity > Integer.MAX_VALUE) {
            throw new IOException("cannot map " + capacity + " bytes of " + file + ": a mapping holds 0 to "
                    + Integer.MAX_VALUE + " bytes");
        }
        FileChannel channel = FileChannel.open(file.toPath(), StandardOpenOption.CREATE, StandardOpenOption.READ,
                StandardOpenOption.WRITE);
        try {
            MappedByteBuffer buffer = channel.map(FileChannel.MapMode.READ_WRITE, 0, capacity);
            return new MappedRegion(file, channel, buffer, capacity);
        } catch (IOException | RuntimeException e) {
            channel.close();
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
        return channel;
    }

    long getLong(long position) {
        return buffer.getLong(index(position));
    }

    int getInt(long position) {
        return buffer.getInt(index(position));
    }

    short getShort(long position) {
        return buffer.getShort(index(position));
    }

    byte getByte(long position) {
        return buffer.get(index(position));
    }

    void putLong(long position, long value) {
        buffer.putLong(index(position), value);
    }

    void putInt(long position, int value) {
        buffer.putInt(index(position), value);
    }

    /**
     * Writes {@code source}'s remaining bytes at {@code position} through the file channel (pwrite into the page
     * cache), leaving source's position unchanged. The mapping sees the bytes at once: it maps the same page cache.
     *
     * <p>Appends go this way rather than through the mapping because the first write faults on new pages of a
     * shared file mapping are slow on Linux: on this machine a mapped write stalled for about 18 ms once per
     * 8 MiB of new pages, while pwrite of the same bytes never did (docs/benchmarks.md). Reads keep the mapping.
     *
     * @throws IOException when the write fails, or writes only part of the bytes ({@link FileWrites})
     */
    void write(long position, ByteBuffer source) throws IOException {
        FileWrites.write(channel, source, position, file.toPath());
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
            int n = channel.read(target, position + done);
            if (n < 0) {
                throw new IOException("unexpected end of " + file + " at " + (position + done));
            }
            done += n;
        }
        destination.position(destination.position() + length);
    }

    /**
     * A read-only buffer over the first {@code length} bytes of this mapping (no new mapping): for reading whole
     * batches, e.g. their CRCs. Valid only while the region is open.
     */
    ByteBuffer readOnlyView(int length) {
        return buffer.asReadOnlyBuffer().position(0).limit(index(length));
    }

    void zero(long position, long length) {
        int at = index(position);
        int end = index(position + length);
        while (at < end) {
            int n = Math.min(ZEROS.length, end - at);
            buffer.put(at, ZEROS, 0, n);
            at += n;
        }
    }

    /** Unmaps the file and closes its channel. */
    @Override
    public void close() {
        Throwable failure = null;
        try {
            unmap(buffer);
        } catch (RuntimeException e) {
            failure = e;
        }
        try {
            channel.close();
        } catch (IOException e) {
            if (failure == null) {
                failure = e;
            } else {
                failure.addSuppressed(e);
            }
        }
        if (failure != null) {
            throw new IllegalStateException("cannot unmap and close " + file, failure);
        }
    }

    /**
     * Unmaps {@code buffer} at once, a mapping made by {@link FileChannel#map} (not a slice or duplicate of one).
     * Nothing may read it, or a view of it, afterwards.
     */
    static void unmap(MappedByteBuffer buffer) {
        try {
            UNMAP.invokeExact((ByteBuffer) buffer);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable e) {
            // invokeCleaner refuses only a buffer that is not direct or is a slice, and throws nothing checked.
            throw new IllegalStateException("cannot unmap a mapping", e);
        }
    }

    private int index(long position) {
        if (position < 0 || position > capacity) {
            throw new IndexOutOfBoundsException("position " + position + " outside " + file + " mapped with "
                    + capacity + " bytes");
        }
        return (int) position;
    }

    private static MethodHandle unmapHandle() {
        try {
            Class<?> unsafeClass = Class.forName("sun.misc.Unsafe");
            Field field = unsafeClass.getDeclaredField("theUnsafe");
            field.setAccessible(true); // jdk.unsupported opens sun.misc to everyone
            Object unsafe = field.get(null);
            return MethodHandles.lookup()
                    .findVirtual(unsafeClass, "invokeCleaner", MethodType.methodType(void.class, ByteBuffer.class))
                    .bindTo(unsafe);
        } catch (ReflectiveOperationException | RuntimeException e) {
            throw new ExceptionInInitializerError(e);
        }
    }
}
