package io.spindle.log.compact;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
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
            segments.add(segment(base, file));
        }
        return segments;
    }

    /** A segment file as its log would list it: all of the file is batches. */
    private static SegmentFile segment(long base, Path file) throws IOException {
        return new SegmentFile(base, file, Files.size(file));
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
                moved.add(new SegmentFile(file.baseOffset(), to, file.sizeInBytes()));
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
        List<SegmentFile> segments = List.of(segment(0, dir.resolve(String.format("%020d.log", 0))));
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

        List<SegmentFile> cleaned = cleanInPasses(List.of(segment(0, file)), 11, new OffsetMap(24 * 3), NOW,
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

    /** Forty batches of one 50 KiB record each (keys k0..k39): two runs of about a megabyte. */
    private SegmentFile writeTwoRuns() throws IOException {
        Path file = dir.resolve(String.format("%020d.log", 0));
        try (var out = Files.newOutputStream(file)) {
            for (int b = 0; b < 40; b++) {
                ByteBuffer batch = MemoryRecords.withRecords(b, Compression.NONE,
                        new SimpleRecord(NOW, bytes("k" + b), new byte[50 << 10])).buffer();
                out.write(batch.array(), batch.arrayOffset() + batch.position(), batch.remaining());
            }
        }
        return segment(0, file);
    }

    /**
     * Cuts {@code file} to {@code size} bytes the first time the map pass (or the copy pass, which writes) reports
     * I/O: after the first run of that pass is read.
     */
    private static SegmentCleaner.IoListener cutAfterTheFirstRun(Path file, long size, boolean ofTheCopyPass) {
        boolean[] cut = {false};
        return (read, written) -> {
            if (!cut[0] && (written > 0) == ofTheCopyPass) {
                cut[0] = true;
                try (var channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
                    channel.truncate(size);
                }
            }
        };
    }

    // Through a mapping (before), the read past the new end faulted: the JVM raised an InternalError at a safepoint
    // poll, caught by the cleaner at best, outside its catch or inside the JDK's unmapper (exiting the JVM) at worst.
    // Read by FileChannel, the short read is an IOException that says the file shrank and by how much.
    @Test
    void aSegmentFileShrunkUnderTheMapPassFailsTheCleanNamingItInsteadOfEndingTheThread() throws IOException {
        SegmentFile segment = writeTwoRuns();
        long cutTo = segment.sizeInBytes() / 4;        // inside the first run: the next read finds the end
        SegmentCleaner cleaner = new SegmentCleaner(new OffsetMap(1 << 20), cutAfterTheFirstRun(segment.path(), cutTo, false));

        IOException e = assertThrows(IOException.class,
                () -> cleaner.buildMap(List.of(segment), 0, CleanedTransactions.none()));

        assertTrue(e.getMessage().contains(segment.path().toString())
                && e.getMessage().contains("is " + cutTo + " bytes long where its log holds " + segment.sizeInBytes())
                && e.getMessage().contains("shrank under the cleaner"), e.getMessage());
        assertNull(e.getCause(), "a short read, not a fault");
    }

    @Test
    void aSegmentFileShrunkUnderTheCopyPassFailsTheCleanAndDeletesWhatItWrote() throws IOException {
        SegmentFile segment = writeTwoRuns();
        long cutTo = segment.sizeInBytes() / 2 + 100;  // inside a batch of the second run
        SegmentCleaner cleaner = new SegmentCleaner(new OffsetMap(1 << 20),
                cutAfterTheFirstRun(segment.path(), cutTo, true));
        assertEquals(40, cleaner.buildMap(List.of(segment), 0, CleanedTransactions.none()));

        IOException e = assertThrows(IOException.class, () -> cleaner.clean(List.of(segment), 40, 1 << 30, NOW,
                86_400_000L, DROP_EMPTY, CleanedTransactions.none(), dir));

        assertTrue(e.getMessage().contains(segment.path().toString())
                && e.getMessage().contains("is " + cutTo + " bytes long where its log holds " + segment.sizeInBytes()),
                e.getMessage());
        try (var files = Files.list(dir)) {
            assertEquals(List.of(segment.path()), files.toList(), "no cleaned file is left behind");
        }
    }

    @Test
    void aSegmentFileShorterThanItsLogHoldsWhenTheCleanOpensItFailsTheClean() throws IOException {
        List<SegmentFile> segments = writeSegments();
        SegmentFile first = segments.get(0);
        SegmentFile asTheLogKnowsIt = new SegmentFile(0, first.path(), first.sizeInBytes() + 1);
        SegmentCleaner cleaner = new SegmentCleaner(new OffsetMap(1 << 16));

        IOException e = assertThrows(IOException.class, () -> cleaner.buildMap(
                List.of(asTheLogKnowsIt, segments.get(1), segments.get(2)), 0, CleanedTransactions.none()));

        assertTrue(e.getMessage().contains(first.path() + ": the file is " + first.sizeInBytes()
                + " bytes long where its log holds " + (first.sizeInBytes() + 1)), e.getMessage());
    }

    @Test
    void batchesLargerThanTheReadBufferAreMappedAndCopiedWhole() throws IOException {
        // Batches of 1.5 MiB and 3 MiB between small ones (each key twice): the buffer grows to the largest.
        Path file = dir.resolve(String.format("%020d.log", 0));
        int[] valueBytes = {100, 3 << 19, 100, 3 << 20, 3 << 19, 100};
        try (var out = Files.newOutputStream(file)) {
            for (int b = 0; b < valueBytes.length * 2; b++) {
                ByteBuffer batch = MemoryRecords.withRecords(b, Compression.NONE, new SimpleRecord(NOW,
                        bytes("k" + b % valueBytes.length), new byte[valueBytes[b % valueBytes.length]])).buffer();
                out.write(batch.array(), batch.arrayOffset() + batch.position(), batch.remaining());
            }
            out.write(new byte[4096]);                  // a preallocated tail of zeros ends the batches
        }
        SegmentFile segment = segment(0, file);
        SegmentCleaner cleaner = new SegmentCleaner(new OffsetMap(1 << 16));

        long end = cleaner.buildMap(List.of(segment), 0, CleanedTransactions.none());
        List<SegmentFile> cleaned = cleaner.clean(List.of(segment), end, 1 << 30, NOW, 86_400_000L, DROP_EMPTY,
                CleanedTransactions.none(), dir);

        assertEquals(12, end);
        List<Long> offsets = new ArrayList<>();
        for (MutableRecordBatch batch : MemoryRecords.readableRecords(ByteBuffer.wrap(
                Files.readAllBytes(cleaned.get(0).path()))).batches()) {
            batch.ensureValid();
            batch.forEach(record -> offsets.add(record.offset()));
        }
        assertEquals(List.of(6L, 7L, 8L, 9L, 10L, 11L), offsets);
        assertEquals(Files.size(cleaned.get(0).path()), cleaned.get(0).sizeInBytes());
    }
}
