package io.spindle.log;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * The data directory's one record of how far each partition log is forced, {@code recovery-points}: a crash recovers
 * each log from the larger of its own {@link Checkpoint}'s recovery point and its entry here, so a start after a kill
 * -9 validates what was written since the record, not every active segment from its base. One file for every
 * partition replaces a checkpoint per partition (a file fsync, a rename and a directory fsync each): it is written
 * once right after a start ({@link #started}, when every log was just loaded and is forced to its end) and then on the
 * log scheduler's checkpoint interval.
 *
 * <p>The rule that keeps the larger of two recovery points safe: an entry never goes above what its log had forced
 * when the record was written, and every lowering of a log's recovery point (a truncation, a segment found damaged)
 * rewrites the record ({@link #lowered}) before that log takes another append. The writer reads the logs' recovery
 * points without their locks (volatile reads), since a truncation calls it while holding its log's lock. A log that
 * is deleted keeps its entry until the next write: a new log of the same name rewrites the record first
 * ({@link #forget}), so an entry of the old log never vouches for the new one's bytes.
 *
 * <p>Format ({@link DirectoryRecord}): magic "SPRP", version 1, each entry's field its recovery point (a long).
 * Written through a temporary file, forced, renamed, and the directory forced
 * ({@link FileWrites#replaceDurably}); a missing or damaged record is an empty one (every log then recovers from its
 * own checkpoint, as before the record existed).
 *
 * <p>Threading: thread-safe. Writes are serialized; callers that ask while one runs share the next one (group
 * commit), which reads every recovery point after they asked.
 */
final class RecoveryPoints {
    static final String FILE_NAME = "recovery-points";
    private static final int MAGIC = 0x53505250;
    private static final short VERSION = 1;

    private final Path file;
    private final Supplier<Collection<PartitionLog>> logs;
    /** The entries read at open, for the logs opened by the start; empty once the start wrote the record anew. */
    private volatile Map<String, Long> atStart;
    private final Object writing = new Object();
    private final AtomicLong asked = new AtomicLong();
    /** Under {@link #writing}: every ask up to this one is covered by a record on disk. */
    private long covered;
    /** Under {@link #writing}: the directory names the record on disk holds. */
    private Set<String> onDisk;

    private RecoveryPoints(Path file, Supplier<Collection<PartitionLog>> logs, Map<String, Long> atStart) {
        this.file = file;
        this.logs = logs;
        this.atStart = atStart;
        this.onDisk = new HashSet<>(atStart.keySet());
    }

    /** Reads the record of {@code dataDir}; the entries it holds serve the logs opened before {@link #started}. */
    static RecoveryPoints open(Path dataDir, Supplier<Collection<PartitionLog>> logs) throws IOException {
        Path file = dataDir.resolve(FILE_NAME);
        return new RecoveryPoints(file, logs, read(file));
    }

    /** The recovery point the record held for the log in {@code directory} at this start, or -1 when none. */
    long recordedAtStart(String directory) {
        return atStart.getOrDefault(directory, -1L);
    }

    /**
     * The recovery point a log starts recovery from: the larger of its own checkpoint's and {@code recorded} (its
     * entry, -1 when none). A clean checkpoint stays as it is: nothing needs recovering.
     */
    static Checkpoint atLeast(Checkpoint own, long recorded) {
        if (recorded < 0 || own != null && (own.clean() || own.recoveryPoint() >= recorded)) {
            return own;
        }
        return new Checkpoint(recorded, own == null ? 0 : own.logStartOffset(), false);
    }

    /** After every log of the start is loaded (forced to its end): the record from now on, written durably. */
    void started() throws IOException {
        atStart = Map.of();
        write();
    }

    /**
     * Writes the record of every open log, durably, unless a write that began after this call has done it meanwhile.
     * A log whose recovery point was lowered calls this before it takes another append.
     */
    void write() throws IOException {
        long ticket = asked.incrementAndGet();
        synchronized (writing) {
            if (covered >= ticket) {
                return;
            }
            long upTo = asked.get();
            Map<String, Long> points = new HashMap<>();
            for (PartitionLog log : logs.get()) {
                if (!log.isClosed()) {
                    points.put(log.directory().getFileName().toString(), log.recoveryPoint());
                }
            }
            FileWrites.replaceDurably(file, encode(points));
            onDisk = points.keySet();
            covered = upTo;
        }
    }

    /** A log's recovery point came down: the record must say so before the log takes another append. */
    void lowered() throws IOException {
        write();
    }

    /**
     * Before a new log is created in {@code directory}: an entry the record still holds for a deleted log of that
     * name is written away first.
     */
    void forget(String directory) throws IOException {
        synchronized (writing) {
            if (onDisk.contains(directory)) {
                write();
            }
        }
    }

    private static ByteBuffer encode(Map<String, Long> points) {
        return DirectoryRecord.encode(MAGIC, VERSION, points, 8, ByteBuffer::putLong);
    }

    /** The entries of the record in {@code file}; empty when there is none or it is damaged. */
    static Map<String, Long> read(Path file) throws IOException {
        return DirectoryRecord.read(file, MAGIC, VERSION, (directory, b) -> {
            long point = b.getLong();
            return point < 0 ? null : point;
        });
    }
}
