package io.spindle.log;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Native;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Forces everything written to the data directory's file system in one call, Linux's {@code syncfs(2)}: every dirty
 * page of every file written back and waited for, then the file system's journal committed and the disk's cache
 * flushed, which covers the new files' directory entries too. One call in place of an fdatasync of each log and an
 * fsync of its directory: at a clean stop of 10,000 partitions right after an acks=1 produce, about 8,500 logs each
 * needed both (docs/benchmarks.md, "10,000 partitions: a clean stop in one syncfs").
 *
 * <p>Taken only where it promises what the forces it replaces promise, else {@link #available()} says no and the
 * caller forces file by file:
 * <ul>
 *   <li>Linux 5.8 or later: from 5.8 syncfs reports a write-back error of any file of the file system since the
 *       descriptor it is called on was opened (opened here, when the data directory is opened); before, it returned
 *       0 after a failed write-back, and a stop could vouch for bytes the disk never took.</li>
 *   <li>ext4, xfs or btrfs: local file systems whose sync commits their journal (or transaction) and flushes the
 *       device's cache. Not FUSE (its syncfs forwards no fsync to the daemon unless the daemon asks for it), nor
 *       network file systems, nor anything else unknown.</li>
 *   <li>The native call bound (JNA, which the fallocate binding of {@link DiskSpace} already brings).</li>
 * </ul>
 * Its cost is not the broker's alone: it writes back what other processes left dirty on the same file system, so
 * the caller uses it only where forcing file by file is slow (many logs to force).
 *
 * <p>A failed syncfs tells neither which file failed nor how: the caller then forces each log as before, whose
 * fdatasync reports a file's own write-back error to its descriptor (opened before the failure) and takes that log
 * offline. Thread-safe; {@link #close} once.
 */
final class FileSystemSync implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(FileSystemSync.class);
    /** File systems whose syncfs commits and flushes the disk's cache (see the class comment). */
    private static final Set<String> TRUSTED_TYPES = Set.of("ext4", "xfs", "btrfs");
    private static final int O_RDONLY = 0;

    /** The part of the C library used here; JNA binds it at the first use of this class's {@link #open}. */
    interface LibC extends Library {
        int open(String path, int flags) throws LastErrorException;

        int syncfs(int fd) throws LastErrorException;

        int close(int fd) throws LastErrorException;
    }

    private final Path dir;
    private final LibC libc;
    private final int fd;
    private final String unavailable;

    private FileSystemSync(Path dir, LibC libc, int fd, String unavailable) {
        this.dir = dir;
        this.libc = libc;
        this.fd = fd;
        this.unavailable = unavailable;
    }

    /**
     * Opens {@code dir} (an existing directory) for later syncs of its file system; never fails: where syncfs cannot
     * be trusted the result says why ({@link #unavailableReason()}).
     */
    static FileSystemSync open(Path dir) {
        String why = whyNot(dir);
        if (why != null) {
            return new FileSystemSync(dir, null, -1, why);
        }
        LibC libc;
        try {
            libc = Native.load("c", LibC.class);
        } catch (LinkageError | RuntimeException e) {
            return new FileSystemSync(dir, null, -1, "the C library could not be bound (" + e + ")");
        }
        try {
            return new FileSystemSync(dir, libc, libc.open(dir.toString(), O_RDONLY), null);
        } catch (LastErrorException e) {
            return new FileSystemSync(dir, null, -1, "cannot open " + dir + " (errno " + e.getErrorCode() + ")");
        }
    }

    private static String whyNot(Path dir) {
        if (!System.getProperty("os.name", "").toLowerCase(Locale.ROOT).startsWith("linux")) {
            return "not Linux";
        }
        String kernel = System.getProperty("os.version", "");
        if (!reportsWriteBackErrors(kernel)) {
            return "Linux " + kernel + " is older than 5.8, whose syncfs does not report a failed write-back";
        }
        try {
            String type = Files.getFileStore(dir).type();
            if (!TRUSTED_TYPES.contains(type)) {
                return "the file system of " + dir + " is " + type + ", not one of " + TRUSTED_TYPES;
            }
        } catch (IOException e) {
            return "cannot tell the file system of " + dir + " (" + e.getMessage() + ")";
        }
        return null;
    }

    /** Whether a Linux kernel of version {@code release} (uname -r) reports write-back errors through syncfs. */
    static boolean reportsWriteBackErrors(String release) {
        String[] parts = release.split("[^0-9]+", 3);
        try {
            int major = Integer.parseInt(parts[0]);
            int minor = parts.length > 1 ? Integer.parseInt(parts[1]) : 0;
            return major > 5 || (major == 5 && minor >= 8);
        } catch (NumberFormatException | ArrayIndexOutOfBoundsException e) {
            return false;
        }
    }

    /** Whether {@link #syncAll} may be called. */
    boolean available() {
        return unavailable == null;
    }

    /** Why {@link #available()} is false; null when it is true. */
    String unavailableReason() {
        return unavailable;
    }

    /**
     * Forces every write made to the file system before this call; true when the kernel reports that all of them
     * reached the disk (no write-back error on the file system since the directory was opened). False, with a WARN
     * line, when it reports one: then nothing may be taken as forced by this call.
     */
    boolean syncAll() {
        if (unavailable != null) {
            return false;
        }
        try {
            libc.syncfs(fd);
            return true;
        } catch (LastErrorException e) {
            LOG.warn("syncfs of the file system of {} failed (errno {}); forcing each log on its own", dir,
                    e.getErrorCode());
            return false;
        }
    }

    @Override
    public void close() {
        if (libc != null) {
            try {
                libc.close(fd);
            } catch (LastErrorException e) {
                LOG.debug("closing {} failed (errno {})", dir, e.getErrorCode());
            }
        }
    }
}
