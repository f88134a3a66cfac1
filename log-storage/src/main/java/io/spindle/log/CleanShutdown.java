package io.spindle.log;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;

/**
 * The one record a broker's clean shutdown leaves in its data directory, {@code clean-shutdown}: for every partition
 * log closed cleanly, what its own clean {@link Checkpoint} would have said (recovery point, log start offset) and
 * where its active segment's content ends. One file forced once replaces a clean checkpoint per partition (a file
 * fsync, a rename and a directory fsync each) and the trim of every active segment (a truncate and an fdatasync each):
 * with 5,000 partitions those were most of a clean stop's 7 to 10 s.
 *
 * <p>Written last, after every log it names was forced, so it never vouches for bytes that are not on disk. Read at
 * the next start by {@link LogManager}, which takes each partition's entry as that partition's clean checkpoint (the
 * active segment's file keeps its preallocated length; the entry says where its batches end), and deleted, durably,
 * before the logs take any append: from then on a crash recovers each partition from the larger of its own checkpoint
 * and its entry in {@link RecoveryPoints} (older, never clean). An entry that does not match the files (another
 * active segment, a file shorter than the entry says) is not used.
 *
 * <p>Format ({@link DirectoryRecord}): magic "SPCS", version 1, each entry's fields recoveryPoint, logStartOffset,
 * activeBaseOffset, activeSize (four longs). Version 1 is the first. Written to a temporary file, forced, renamed,
 * and the directory forced: a crash leaves either no record or a whole one.
 */
final class CleanShutdown {
    static final String FILE_NAME = "clean-shutdown";
    private static final int MAGIC = 0x53504353;
    private static final short VERSION = 1;

    /** One partition log as its clean close left it; {@code directory} is its directory's name. */
    record Entry(String directory, long recoveryPoint, long logStartOffset, long activeBaseOffset, long activeSize) {
        /** What this entry says, as the partition's own checkpoint would say it. */
        Checkpoint checkpoint() {
            return new Checkpoint(recoveryPoint, logStartOffset, true);
        }
    }

    private CleanShutdown() {
    }

    /** Writes the record of {@code entries} into {@code dataDir} durably (file and directory forced). */
    static void write(Path dataDir, Collection<Entry> entries) throws IOException {
        Map<String, Entry> byDirectory = new HashMap<>();
        entries.forEach(e -> byDirectory.put(e.directory(), e));
        FileWrites.replaceDurably(dataDir.resolve(FILE_NAME), DirectoryRecord.encode(MAGIC, VERSION, byDirectory, 4 * 8,
                (b, e) -> b.putLong(e.recoveryPoint()).putLong(e.logStartOffset()).putLong(e.activeBaseOffset())
                        .putLong(e.activeSize())));
    }

    /**
     * The entries of the record in {@code dataDir} by directory name; empty when there is none, or when it is damaged
     * (then every partition recovers from its own checkpoint, as after a crash).
     */
    static Map<String, Entry> read(Path dataDir) throws IOException {
        return DirectoryRecord.read(dataDir.resolve(FILE_NAME), MAGIC, VERSION, (directory, b) -> {
            Entry e = new Entry(directory, b.getLong(), b.getLong(), b.getLong(), b.getLong());
            boolean possible = e.recoveryPoint() >= 0 && e.logStartOffset() >= 0 && e.activeBaseOffset() >= 0
                    && e.activeSize() >= 0;
            return possible ? e : null;
        });
    }

    /** Deletes the record, durably, so that nothing appended from now on can be taken at its word. */
    static void delete(Path dataDir) throws IOException {
        if (Files.deleteIfExists(dataDir.resolve(FILE_NAME))) {
            Checkpoint.forceDirectory(dataDir);
        }
    }
}
