package io.spindle.log.compact;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spindle.log.compact.SegmentCleaner.SegmentFile;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.MutableRecordBatch;
import org.apache.kafka.common.record.internal.Record;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.junit.jupiter.api.Disabled;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The cleaner's two passes on real segment files written with kafka-clients' batch builder. */
class SegmentCleanerTest {
    private static final long NOW = 1_700_000_000_000L;
    private static final BatchRewriter.EmptyBatchPolicy DROP_EMPTY = (producer, lastOffset) -> false;

    @TempDir
    Path dir;

    /**
     * Three segments of 30 records, in batches of 5 (every other batch zstd): record i has key "k(i % 7)" and value
     * "v<i>"; records 88 and 89 are tombstones of their keys (k4, k5), and record 45 has no key.
     */
    private List<SegmentFile> writeSegments() throws IOException {
        List<SegmentFile> segments = new ArrayList<>();
        for (int s = 0; s < 3; s++) {
            long base = s * 30L;
            Path file = dir.resolve(String.format("%020d.log", base));
            try (var out = Files.newOutputStream(file)) {
                for (int b = 0; b < 6; b++) {
                    long first = base + b * 5L;
                    SimpleRecord[] records = new SimpleRecord[5];
                    for (int r = 0; r < 5; r++) {
                        long offset = first + r;
                        byte[] key = offset == 45 ? null : bytes("k" + offset % 7);
                        byte[] value = offset == 88 || offset == 89 ? null : bytes("v" + offset);
                        records[r] = new SimpleRecord(NOW + offset, key, value);
                    }
                    ByteBuffer batch = MemoryRecords.withRecords(first,
                            b % 2 == 0 ? Compression.NONE : Compression.zstd().build(), records).buffer();
                    out.write(batch.array(), batch.arrayOffset() + batch.position(), batch.remaining());
                }
            }
            segments.add(new SegmentFile(base, file));
        }
        return segments;
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static String text(ByteBuffer buffer) {
        return buffer == null ? null : StandardCharsets.UTF_8.decode(buffer.duplicate()).toString();
    }

    /** "offset:key=value" of every record in the files, in order. */
    private static List<String> records(List<SegmentFile> files) throws IOException {
        List<String> out = new ArrayList<>();
        for (SegmentFile file : files) {
            for (MutableRecordBatch batch : MemoryRecords.readableRecords(ByteBuffer.wrap(Files.readAllBytes(file.path())))
                    .batches()) {
                batch.ensureValid();
                for (Record record : batch) {
                    out.add(record.offset() + ":" + text(record.key()) + "=" + (record.hasValue() ? text(record.value()) : null));
                }
            }
        }
        return out;
    }

    /** Cleans in passes until the whole range is mapped, moving each pass's cleaned files over the originals. */
    private List<SegmentFile> cleanInPasses(OffsetMap map, long now, long deleteRetentionMs, int[] passes)
            throws IOException {
        return cleanInPasses(writeSegments(), 90, map, now, deleteRetentionMs, passes);
    }

    /** As above, for {@code segments} whose last offset is {@code end - 1}. */
    private List<SegmentFile> cleanInPasses(List<SegmentFile> segments, long end, OffsetMap map, long now,
                                            long deleteRetentionMs, int[] passes) throws IOException {
        SegmentCleaner cleaner = new SegmentCleaner(map);
        long from = 0;
        while (from < end) {
            long mappedEnd = cleaner.buildMap(segments, from, CleanedTransactions.none());
            assertTrue(mappedEnd > from, "each pass maps something");
            List<SegmentFile> cleaned = cleaner.clean(segments, mappedEnd, 1 << 20, now, deleteRetentionMs, DROP_EMPTY,
                    CleanedTransactions.none(), dir);
            segments.forEach(s -> s.path().toFile().delete());
            List<SegmentFile> moved = new ArrayList<>();
            for (SegmentFile file : cleaned) {
                Path to = dir.resolve(String.format("%020d.log", file.baseOffset()));
                Files.move(file.path(), to, StandardCopyOption.ATOMIC_MOVE);
                moved.add(new SegmentFile(file.baseOffset(), to));
            }
            segments = moved;
            from = mappedEnd;
            passes[0]++;
        }
        return segments;
    }

    private static final List<String> LATEST = List.of(
            "83:k6=v83", "84:k0=v84", "85:k1=v85", "86:k2=v86", "87:k3=v87", "88:k4=null", "89:k5=null");

    @Test
    void oneCleanKeepsTheLatestRecordOfEveryKeyInOffsetOrderAndMergesSmallSegments() throws IOException {
        int[] passes = {0};
        List<SegmentFile> cleaned = cleanInPasses(new OffsetMap(1 << 16), NOW, 86_400_000L, passes);
        assertEquals(1, passes[0]);
        assertEquals(LATEST, records(cleaned), "the keyless record 45 went too");
        assertEquals(1, cleaned.size(), "three small segments became one");
        assertEquals(0, cleaned.get(0).baseOffset());
    }

    @Test
    void aKeyMapTooSmallForTheKeysCleansInSeveralPassesToTheSameResult() throws IOException {
        int[] passes = {0};
        List<SegmentFile> cleaned = cleanInPasses(new OffsetMap(24 * 3), NOW, 86_400_000L, passes);  // 2 keys a pass
        assertTrue(passes[0] >= 4, "passes " + passes[0]);
        assertEquals(LATEST, records(cleaned));
    }

    @Test
    void tombstonesGoInTheFirstCleanPastTheirDeleteHorizon() throws IOException {
        int[] passes = {0};
        cleanInPasses(new OffsetMap(1 << 16), NOW, 1000, passes);
        List<SegmentFile> segments = List.of(new SegmentFile(0, dir.resolve(String.format("%020d.log", 0))));
        SegmentCleaner cleaner = new SegmentCleaner(new OffsetMap(1 << 16));

        long end = cleaner.buildMap(segments, 90, CleanedTransactions.none());
        List<SegmentFile> before = cleaner.clean(segments, end, 1 << 20, NOW + 999, 1000, DROP_EMPTY,
                CleanedTransactions.none(), dir);
        assertEquals(LATEST, records(before), "within delete.retention.ms of the first clean");

        List<SegmentFile> after = cleaner.clean(segments, end, 1 << 20, NOW + 1000, 1000, DROP_EMPTY,
                CleanedTransactions.none(), dir);
        assertEquals(LATEST.subList(0, 5), records(after));
    }

    @Test
    void anExpiredTombstonePastTheMappedRangeStaysUntilAPassMapsItsKey() throws IOException {
        // k's old value, nine other keys, then k's tombstone: with two keys a pass, the first pass gives the
        // tombstone's batch a delete horizon (retention 0: already past) long before a pass maps k again.
        Path file = dir.resolve(String.format("%020d.log", 0));
        try (var out = Files.newOutputStream(file)) {
            for (long offset = 0; offset <= 10; offset++) {
                SimpleRecord record = offset == 0 ? new SimpleRecord(NOW, bytes("k"), bytes("old"))
                        : offset == 10 ? new SimpleRecord(NOW, bytes("k"), null)
                        : new SimpleRecord(NOW, bytes("a" + offset), bytes("v" + offset));
                ByteBuffer batch = MemoryRecords.withRecords(offset, Compression.NONE, record).buffer();
                out.write(batch.array(), batch.arrayOffset() + batch.position(), batch.remaining());
            }
        }
        int[] passes = {0};

        List<SegmentFile> cleaned = cleanInPasses(List.of(new SegmentFile(0, file)), 11, new OffsetMap(24 * 3), NOW,
                0, passes);

        assertTrue(passes[0] >= 4, "passes " + passes[0]);
        List<String> ofK = records(cleaned).stream().filter(r -> r.contains(":k=")).toList();
        assertTrue(ofK.isEmpty() || ofK.equals(List.of("10:k=null")),
                "k was deleted: its tombstone or nothing remains, never its old value: " + ofK);
    }

    @Test
    void recordsPastTheMappedRangeAreAllKept() throws IOException {
        List<SegmentFile> segments = writeSegments();
        SegmentCleaner cleaner = new SegmentCleaner(new OffsetMap(1 << 16));
        long end = cleaner.buildMap(segments.subList(0, 1), 0, CleanedTransactions.none());
        assertEquals(30, end);
        List<SegmentFile> cleaned = cleaner.clean(segments, end, 1 << 20, NOW, 86_400_000L, DROP_EMPTY,
                CleanedTransactions.none(), dir);
        List<String> records = records(cleaned);
        assertEquals(List.of("23:k2=v23", "24:k3=v24", "25:k4=v25", "26:k5=v26", "27:k6=v27", "28:k0=v28",
                "29:k1=v29"), records.subList(0, 7));
        assertEquals(60 - 1, records.size() - 7, "every record from 30 on but the keyless one");
    }

    @Test
    void segmentsAreGroupedUpToSegmentBytes() throws IOException {
        List<SegmentFile> segments = writeSegments();
        long size = Files.size(segments.get(0).path());
        SegmentCleaner cleaner = new SegmentCleaner(new OffsetMap(1 << 16));
        long end = cleaner.buildMap(segments, 0, CleanedTransactions.none());
        List<SegmentFile> cleaned = cleaner.clean(segments, end, (int) (size * 2 + 10), NOW, 86_400_000L, DROP_EMPTY,
                CleanedTransactions.none(), dir);
        assertEquals(List.of(0L, 60L), cleaned.stream().map(SegmentFile::baseOffset).toList());
        assertEquals(LATEST, records(cleaned));
    }

    @Test
    @Disabled("Flaky by the JVM's design (full build of 7 Dec 2026, 19:41 UTC): a read past the end of a file shrunk under"
            + " its mapping faults in JIT-compiled code, and the JVM raises that InternalError at the thread's next"
            + " safepoint poll, which may lie outside the cleaner's catch, or inside the JDK's unmapper, whose Cleaner"
            + " then exits the JVM ('Cleaner terminated abnormally'). No path of the broker shrinks a sealed segment in"
            + " place (truncation replaces the cut segment by a copy); reading by FileChannel instead of a mapping would"
            + " make the guard reliable. See docs/durability.md, 'Compaction and a file shrunk under the cleaner'.")
    void aSegmentFileShrunkUnderTheMapPassFailsTheCleanNamingItInsteadOfEndingTheThread() throws IOException {
        // Two runs of about a megabyte: 40 batches of 50 KiB; the file is cut to nothing after the first run is read.
        Path file = dir.resolve(String.format("%020d.log", 0));
        try (var out = Files.newOutputStream(file)) {
            for (int b = 0; b < 40; b++) {
                ByteBuffer batch = MemoryRecords.withRecords(b, Compression.NONE,
                        new SimpleRecord(NOW, bytes("k" + b), new byte[50 << 10])).buffer();
                out.write(batch.array(), batch.arrayOffset() + batch.position(), batch.remaining());
            }
        }
        SegmentCleaner cleaner = new SegmentCleaner(new OffsetMap(1 << 20), (read, written) -> {
            try (var channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
                channel.truncate(0);
            }
        });

        IOException e = assertThrows(IOException.class,
                () -> cleaner.buildMap(List.of(new SegmentFile(0, file)), 0, CleanedTransactions.none()));
        assertTrue(e.getMessage().contains(file.toString()) && e.getMessage().contains("changed"), e.getMessage());
    }
}
