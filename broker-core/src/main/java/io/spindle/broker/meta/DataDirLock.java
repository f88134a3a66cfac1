package io.spindle.broker.meta;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.HashMap;
import java.util.Map;

/**
 * One broker per data directory: an exclusive lock, taken by the operating system, on the file {@value #FILE_NAME}
 * in the directory, which also holds the pid of its holder so that a broker refused can say who holds it. The OS
 * drops the lock when the holding process dies, however it dies: a broker killed with SIGKILL leaves the file but
 * no lock, and the next broker simply locks it again. The file is never deleted, since a broker that opened it just
 * before the deletion would lock a file no one else can find.
 *
 * <p>The lock is a POSIX record lock (FileChannel.tryLock). Such locks belong to the process, and closing any
 * descriptor of the file releases them, even one opened only to ask. So a second attempt within the same JVM must
 * not open the file at all: a JVM-wide table of the directories held (by device and inode) refuses it first.
 *
 * <p>Take it before anything in the directory is read or written, release it ({@link #close}) after the last
 * write. Thread-safe.
 */
public final class DataDirLock implements AutoCloseable {
    /** The lock file's name in the data directory. */
    public static final String FILE_NAME = ".lock";

    /** The directories locked by this JVM, by {@link BasicFileAttributes#fileKey()}; guarded by itself. */
    private static final Map<Object, Path> HELD = new HashMap<>();

    private final Path dataDir;
    private final Object key;
    private final FileChannel channel;
    private final FileLock lock;

    private DataDirLock(Path dataDir, Object key, FileChannel channel, FileLock lock) {
        this.dataDir = dataDir;
        this.key = key;
        this.channel = channel;
        this.lock = lock;
    }

    /**
     * Creates {@code dataDir} if it is missing and locks it for this process.
     *
     * @throws DataDirInUseException when another broker, in this JVM or another process, holds it
     * @throws UncheckedIOException naming the directory when it cannot be created, or the file opened or locked
     */
    public static DataDirLock acquire(Path dataDir) {
        Path file = dataDir.resolve(FILE_NAME);
        long pid = ProcessHandle.current().pid();
        try {
            DurableFiles.createDirectories(dataDir);
            Object key = fileKey(dataDir);
            synchronized (HELD) {
                if (HELD.containsKey(key)) {
                    throw new DataDirInUseException(dataDir, pid, true);
                }
                FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
                        StandardOpenOption.WRITE);
                FileLock lock;
                try {
                    lock = channel.tryLock();
                } catch (OverlappingFileLockException e) {
                    // Something else in this JVM locked the file, not through this class (or under another path that
                    // the file key did not join). Closing our channel may release that lock too: it is already broken.
                    closeQuietly(channel, e);
                    throw new DataDirInUseException(dataDir, pid, true);
                } catch (IOException | RuntimeException e) {
                    closeQuietly(channel, e);
                    throw e;
                }
                if (lock == null) {
                    long holder = readPid(channel);
                    channel.close();
                    throw new DataDirInUseException(dataDir, holder, false);
                }
                try {
                    writePid(channel, pid);
                } catch (IOException e) {
                    closeQuietly(channel, e);
                    throw e;
                }
                HELD.put(key, dataDir);
                return new DataDirLock(dataDir, key, channel, lock);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot lock the data directory " + dataDir + " (file " + file + "): "
                    + e.getMessage(), e);
        }
    }

    /** The directory's identity on this machine (device and inode where the platform has them). */
    private static Object fileKey(Path dataDir) throws IOException {
        Object key = Files.readAttributes(dataDir, BasicFileAttributes.class).fileKey();
        return key != null ? key : dataDir.toRealPath();
    }

    /** The pid the holder wrote, or -1 when there is none yet (it locks first, then writes). */
    private static long readPid(FileChannel channel) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(32);    // a pid and a newline
        int read;
        do {
            read = channel.read(buffer, buffer.position());
        } while (read > 0 && buffer.hasRemaining());
        String text = new String(buffer.array(), 0, buffer.position(), StandardCharsets.US_ASCII).strip();
        try {
            return Long.parseLong(text);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** Not forced: a pid means nothing after a power loss, when no process holds the lock anyway. */
    private static void writePid(FileChannel channel, long pid) throws IOException {
        channel.truncate(0);
        ByteBuffer bytes = ByteBuffer.wrap((pid + "\n").getBytes(StandardCharsets.US_ASCII));
        while (bytes.hasRemaining()) {
            channel.write(bytes, bytes.position());
        }
    }

    private static void closeQuietly(FileChannel channel, Exception failure) {
        try {
            channel.close();
        } catch (IOException e) {
            failure.addSuppressed(e);
        }
    }

    /** The directory locked. */
    public Path dataDir() {
        return dataDir;
    }

    /** Releases the lock (and lets another broker in this JVM take it). Idempotent. */
    @Override
    public void close() {
        synchronized (HELD) {
            if (!channel.isOpen()) {
                return;
            }
            try {
                lock.release();
                channel.close();
            } catch (IOException e) {
                throw new UncheckedIOException("Cannot release the lock on the data directory " + dataDir + ": "
                        + e.getMessage(), e);
            } finally {
                HELD.remove(key);
            }
        }
    }
}
