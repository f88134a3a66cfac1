package io.spindle.log;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A whole file mapped read-only for one pass over it, unmapped at {@link #close()} rather than when a GC gets to it:
 * the log cleaner reads each sealed segment this way (the page cache is read in place, where a read into the heap
 * copied every byte, twice per clean), and the segments it replaced are deleted soon after, whose disk space a
 * lingering mapping would hold.
 *
 * <p>Nothing may read {@link #buffer()}, or any view of it, after {@link #close()}: the memory is gone and an access
 * would crash the process. A file shrunk under the mapping makes reads past its new end fail with an
 * {@link InternalError} (the JVM's answer to SIGBUS). Not thread-safe to close while reading.
 */
public final class ReadOnlyFileMapping implements AutoCloseable {
    private final Path path;
    private final MappedByteBuffer buffer;

    private ReadOnlyFileMapping(Path path, MappedByteBuffer buffer) {
        this.path = path;
        this.buffer = buffer;
    }

    /**
     * Maps all of {@code path}, which must be at most {@link Integer#MAX_VALUE} bytes long.
     *
     * @throws IOException naming the file when it cannot be opened or mapped
     */
    public static ReadOnlyFileMapping open(Path path) throws IOException {
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
            long size = channel.size();
            if (size > Integer.MAX_VALUE) {
                throw new IOException("cannot map " + path + ": " + size + " bytes, more than a mapping holds ("
                        + Integer.MAX_VALUE + ")");
            }
            try {
                return new ReadOnlyFileMapping(path, channel.map(FileChannel.MapMode.READ_ONLY, 0, size));
            } catch (IOException e) {
                // The JDK's message is the errno alone ("No such device" for a directory), without the file.
                throw new IOException("cannot map " + path + " read-only: " + e.getMessage(), e);
            }
        }
    }

    /** The file's bytes from position 0 to its length at {@link #open}; read them with absolute gets or a slice. */
    public ByteBuffer buffer() {
        return buffer;
    }

    public Path path() {
        return path;
    }

    @Override
    public void close() {
        MappedRegion.unmap(buffer);
    }
}
