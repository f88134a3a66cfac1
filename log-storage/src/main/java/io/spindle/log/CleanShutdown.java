package io.spindle.log;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.zip.CRC32C;

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
 * <p>Format, big-endian: magic "SPCS" (int), version (short, 1), unused (short), entry count (int), the entries
 * (directory name as a short length and UTF-8 bytes, recoveryPoint, logStartOffset, activeBaseOffset, activeSize, four
 * longs), CRC32C of everything before it (int). Version 1 is the first. Written to a temporary file, forced, renamed,
 * and the directory forced: a crash leaves either no record or a whole one.
 */
final class CleanShutdown {
    static final String FILE_NAME = "clean-shutdown";
    private static final int MAGIC = 0x53504353;
    private static final short VERSION = 1;
    private static final int HEADER = 4 + 2 + 2 + 4;

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
        int size = HEADER + 4;
        for (Entry e : entries) {
            size += 2 + e.directory().getBytes(StandardCharsets.UTF_8).length + 4 * 8;
        }
        ByteBuffer b = ByteBuffer.allocate(size);
        b.putInt(MAGIC).putShort(VERSION).putShort((short) 0).putInt(entries.size());
        for (Entry e : entries) {
            byte[] name = e.directory().getBytes(StandardCharsets.UTF_8);
            b.putShort((short) name.length).put(name).putLong(e.recoveryPoint()).putLong(e.logStartOffset())
                    .putLong(e.activeBaseOffset()).putLong(e.activeSize());
        }
        CRC32C crc = new CRC32C();
        crc.update(b.array(), 0, b.position());
        b.putInt((int) crc.getValue()).flip();
        Path tmp = dataDir.resolve(FILE_NAME + ".tmp");
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            FileWrites.write(ch, b, 0, tmp);
            ch.force(true);
        }
        Files.move(tmp, dataDir.resolve(FILE_NAME), StandardCopyOption.ATOMIC_MOVE,
                StandardCopyOption.REPLACE_EXISTING);
        Checkpoint.forceDirectory(dataDir);
    }

    /**
     * The entries of the record in {@code dataDir} by directory name; empty when there is none, or when it is damaged
     * (then every partition recovers from its own checkpoint, as after a crash).
     */
    static Map<String, Entry> read(Path dataDir) throws IOException {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(dataDir.resolve(FILE_NAME));
        } catch (NoSuchFileException e) {
            return Map.of();
        }
        if (bytes.length < HEADER + 4) {
            return Map.of();
        }
        ByteBuffer b = ByteBuffer.wrap(bytes);
        CRC32C crc = new CRC32C();
        crc.update(bytes, 0, bytes.length - 4);
        if (b.getInt(0) != MAGIC || b.getShort(4) != VERSION || b.getInt(bytes.length - 4) != (int) crc.getValue()) {
            return Map.of();
        }
        int count = b.getInt(8);
        b.position(HEADER).limit(bytes.length - 4);
        Map<String, Entry> entries = new HashMap<>();
        try {
            for (int i = 0; i < count; i++) {
                byte[] name = new byte[b.getShort() & 0xFFFF];
                b.get(name);
                Entry e = new Entry(new String(name, StandardCharsets.UTF_8), b.getLong(), b.getLong(), b.getLong(),
                        b.getLong());
                if (e.recoveryPoint() < 0 || e.logStartOffset() < 0 || e.activeBaseOffset() < 0 || e.activeSize() < 0) {
                    return Map.of();
                }
                entries.put(e.directory(), e);
            }
        } catch (RuntimeException e) {
            return Map.of(); // a count or a length that does not fit what the CRC covered
        }
        return b.remaining() == 0 ? entries : Map.of();
    }

    /** Deletes the record, durably, so that nothing appended from now on can be taken at its word. */
    static void delete(Path dataDir) throws IOException {
        if (Files.deleteIfExists(dataDir.resolve(FILE_NAME))) {
            Checkpoint.forceDirectory(dataDir);
        }
    }
}
