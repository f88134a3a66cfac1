package io.spindle.log;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import net.openhft.posix.PosixAPI;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reserves disk blocks for a mapped file before it is written. A store into a sparse mapped hole on a
 * full disk raises SIGBUS and can take the process down; with the blocks allocated up front a full
 * disk surfaces here as an IOException that fails one append, and the mapped write cannot fail.
 *
 * <p>Uses fallocate(2) through OpenHFT's posix binding (net.openhft:posix, over JNA and jnr-ffi, which need
 * no JVM flags); where that is unavailable, writes zeros through the file channel, which allocates the same
 * blocks at the cost of a copy.
 */
final class DiskSpace {
    private static final Logger LOG = LoggerFactory.getLogger(DiskSpace.class);
    private static final int O_RDWR = 2;
    private static final PosixAPI POSIX = loadPosix();

    private DiskSpace() {
    }

    private static PosixAPI loadPosix() {
        try {
            PosixAPI posix = PosixAPI.posix();
            return posix;
        } catch (LinkageError | RuntimeException e) {
            LOG.info("fallocate unavailable ({}); reserving segment space by writing zeros", e.toString());
            return null;
        }
    }

    /** Does nothing; calling it initializes this class, i.e. its native binding ({@link LogManager#preloadNativeAccess}). */
    static void preload() {
    }

    /**
     * Allocates blocks for [position, position + length) of {@code file}, reached through {@code channel}.
     *
     * @throws DiskFullException when the filesystem has no room for them (one append fails; space may return)
     * @throws IOException when the disk fails otherwise (the log must go offline)
     */
    static void reserve(Path file, FileChannel channel, long position, long length) throws IOException {
        if (length <= 0) {
            return;
        }
        try {
            allocate(file, channel, position, length);
        } catch (IOException e) {
            if (isOutOfSpace(e, file, length)) {
                throw new DiskFullException(e);
            }
            throw e;
        }
    }

    private static void allocate(Path file, FileChannel channel, long position, long length) throws IOException {
        if (POSIX != null) {
            int fd = POSIX.open(file.toString(), O_RDWR, 0);
            if (fd >= 0) {
                try {
                    int rc = POSIX.fallocate(fd, 0, position, length);
                    if (rc == 0) {
                        return;
                    }
                    int errno = POSIX.lastError();
                    if (errno != 95 /* EOPNOTSUPP: the filesystem cannot; fall back */) {
                        throw new IOException("cannot reserve " + length + " bytes at " + position + " in " + file
                                + ": " + POSIX.strerror(errno) + " (errno " + errno + ")");
                    }
                } finally {
                    POSIX.close(fd);
                }
            }
        }
        writeZeros(file, channel, position, length);
    }

    /**
     * Whether {@code failure} to reserve {@code length} bytes for {@code file} means the filesystem is full (ENOSPC, or
     * EDQUOT for a quota), which fails one append and passes once space returns, rather than a failing disk (EIO and
     * the rest), which takes the log offline. Java gives no errno (and the native binding's is not reliable), so this
     * reads the operating system's message as strerror(3) spells it, and failing that asks the filesystem whether
     * {@code length} bytes are still free.
     */
    private static boolean isOutOfSpace(IOException failure, Path file, long length) {
        String message = String.valueOf(failure.getMessage());
        if (message.contains("No space left on device") || message.contains("Disk quota exceeded")) {
            return true;
        }
        try {
            return Files.getFileStore(file).getUsableSpace() < length;
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    private static void writeZeros(Path file, FileChannel channel, long position, long length) throws IOException {
        ByteBuffer zeros = ByteBuffer.allocateDirect((int) Math.min(length, 1 << 20));
        long done = 0;
        while (done < length) {
            zeros.clear().limit((int) Math.min(zeros.capacity(), length - done));
            FileWrites.write(channel, zeros, position + done, file);
            done += zeros.remaining();
        }
    }

    /** {@link #reserve} met a full filesystem (ENOSPC, EDQUOT, or too little free space), not a failing disk. */
    static final class DiskFullException extends IOException {
        DiskFullException(IOException cause) {
            super(cause.getMessage(), cause);
        }
    }
}
