package io.spindle.log;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spindle.log.compact.CleanedTransactions;
import io.spindle.log.compact.OffsetMap;
import io.spindle.log.compact.SegmentCleaner;
import io.spindle.log.compact.SegmentCleaner.SegmentFile;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.MutableRecordBatch;
import org.apache.kafka.common.record.internal.Record;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The swap of cleaned segments on real files, stopped after every one of its file operations as a crash would stop
 * it: after {@link SegmentSwap#recover} the directory holds, for each group of segments, either all the old data or
 * all the cleaned data, and the latest record of every key.
 */
class SegmentSwapTest {
    private static final long NOW = 1_700_000_000_000L;
    private static final int SEGMENTS = 4;
    private static final int PER_SEGMENT = 20;

    @TempDir
    Path root;

    /** Thrown by the step hook where the test stops the swap. */
    private static final class Crash extends IOException {
        Crash(String operation) {
            super("crashed after " + operation);
        }
    }

    /** Four segments of 20 records in batches of 4: record i is key "k(i % 6)" = "v<i>"; record 77 is a tombstone. */
    private static List<SegmentFile> writeSegments(Path dir) throws IOException {
        List<SegmentFile> segments = new ArrayList<>();
        for (int s = 0; s < SEGMENTS; s++) {
            long base = (long) s * PER_SEGMENT;
            Path file = dir.resolve(Segment.fileName(base, ".log"));
            try (var out = Files.newOutputStream(file)) {
                for (long first = base; first < base + PER_SEGMENT; first += 4) {
                    SimpleRecord[] records = new SimpleRecord[4];
                    for (int r = 0; r < 4; r++) {
                        long offset = first + r;
                        records[r] = new SimpleRecord(NOW + offset, bytes("k" + offset % 6),
                                offset == 77 ? null : bytes("v" + offset));
                    }
                    ByteBuffer batch = MemoryRecords.withRecords(first, Compression.NONE, records).buffer();
                    out.write(batch.array(), batch.arrayOffset() + batch.position(), batch.remaining());
                }
            }
            // Index files as a live segment has them, so that the swap must delete them too.
            Files.write(dir.resolve(Segment.fileName(base, ".index")), new byte[8]);
            Files.write(dir.resolve(Segment.fileName(base, ".timeindex")), new byte[12]);
            segments.add(new SegmentFile(base, file, Files.size(file)));
        }
        return segments;
    }

    /** Cleans the first three segments into two groups (two segments, then one), leaving the fourth alone. */
    private static SegmentSwap cleanAndPrepare(Path dir, SegmentSwap.Step step) throws IOException {
        List<SegmentFile> segments = writeSegments(dir).subList(0, 3);
        SegmentCleaner cleaner = new SegmentCleaner(new OffsetMap(1 << 12));
        long mappedEnd = cleaner.buildMap(segments, 0, CleanedTransactions.none());
        long segmentBytes = Files.size(segments.get(0).path()) + Files.size(segments.get(1).path());
        List<SegmentFile> cleaned = cleaner.clean(segments, mappedEnd, (int) segmentBytes, NOW, 86_400_000L,
                (producer, lastOffset) -> false, CleanedTransactions.none(), dir);
        assertEquals(List.of(0L, 40L), cleaned.stream().map(SegmentFile::baseOffset).toList());
        return new SegmentSwap(dir, segments.stream().map(SegmentFile::baseOffset).toList(),
                cleaned.stream().map(SegmentFile::baseOffset).toList(), step);
    }

    private static void runAll(SegmentSwap swap) throws IOException {
        swap.commit();
        swap.deleteReplaced();
        swap.install();
    }

    @Test
    void aSwapRunToItsEndLeavesTheCleanedSegmentsUnderTheirFinalNames() throws IOException {
        Path dir = Files.createDirectory(root.resolve("whole"));
        runAll(cleanAndPrepare(dir, operation -> { }));
        assertEquals(List.of("00000000000000000000.log", "00000000000000000040.log", "00000000000000000060.log",
                "00000000000000000060.index", "00000000000000000060.timeindex").stream().sorted().toList(), names(dir));
        assertEquals(cleanedRecords(), records(dir));
        assertNull(SegmentSwap.recover(dir), "nothing left to recover");
    }

    @Test
    void aCrashAfterAnyFileOperationRecoversToAllOldOrAllNewPerGroupKeepingTheLatestOfEveryKey() throws IOException {
        List<String> operations = new ArrayList<>();
        runAll(cleanAndPrepare(Files.createDirectory(root.resolve("count")), operations::add));
        List<String> old = records(writeSegments(Files.createDirectory(root.resolve("old"))).get(0).path().getParent());
        List<String> cleaned = cleanedRecords();
        assertTrue(operations.size() >= 12, "operations " + operations);

        for (int stop = -1; stop < operations.size(); stop++) {
            Path dir = Files.createDirectory(root.resolve("crash" + stop));
            int crashAt = stop;
            int[] done = {0};
            SegmentSwap swap = cleanAndPrepare(dir, operation -> {
                if (done[0]++ == crashAt) {
                    throw new Crash(operation);
                }
            });
            if (stop >= 0) {
                assertThrows(Crash.class, () -> runAll(swap));
            }
            String where = stop < 0 ? "before commit" : "after " + operations.get(stop);

            String line = SegmentSwap.recover(dir);

            boolean finished = stop >= operations.indexOf("install 00000000000000000040.log");
            assertEquals(finished, line == null, where + ": a half-done swap, and only one, is reported: " + line);
            assertTrue(names(dir).stream().noneMatch(n -> n.endsWith(".cleaned") || n.endsWith(".swap")),
                    where + ": " + names(dir));
            List<String> recovered = records(dir);
            assertEquals(latest(old), latest(recovered), where + ": the latest value of every key");
            for (long[] group : new long[][] {{0, 40}, {40, 60}, {60, 80}}) {
                List<String> part = within(recovered, group);
                assertTrue(part.equals(within(old, group)) || part.equals(within(cleaned, group)),
                        where + ": offsets " + group[0] + ".." + group[1] + " are all old or all new: " + part);
            }
            if (stop >= operations.indexOf("force directory after commit")) {
                assertEquals(cleaned, recovered, where + ": a committed swap is finished");
            }
            if (line != null) {
                boolean committed = stop >= operations.indexOf("force directory after commit");
                assertEquals(stop >= 0, line.contains("installed"), where + ": " + line);
                assertTrue(!committed || !line.contains("discarded"), where + ": " + line);
            }
        }
    }

    @Test
    void aSwapFileBesideItsOldSegmentReplacesIt() throws IOException {
        Path dir = Files.createDirectory(root.resolve("beside"));
        SegmentSwap swap = cleanAndPrepare(dir, operation -> { });
        swap.commit();

        String line = SegmentSwap.recover(dir);

        assertTrue(line.contains("installed 00000000000000000000.log (offsets [0, 40)")
                && line.contains("[0, 20]"), line);
        assertEquals(cleanedRecords(), records(dir));
    }

    /** What the full swap leaves, computed once in its own directory. */
    private List<String> cleanedRecords() throws IOException {
        Path dir = root.resolve("reference");
        if (!Files.isDirectory(dir)) {
            Files.createDirectory(dir);
            runAll(cleanAndPrepare(dir, operation -> { }));
        }
        return records(dir);
    }

    private static List<String> within(List<String> records, long[] range) {
        return records.stream().filter(r -> {
            long offset = Long.parseLong(r.substring(0, r.indexOf(':')));
            return offset >= range[0] && offset < range[1];
        }).toList();
    }

    /** key → "value" of the last record of each key. */
    private static Map<String, String> latest(List<String> records) {
        Map<String, String> latest = new LinkedHashMap<>();
        for (String r : records) {
            String keyValue = r.substring(r.indexOf(':') + 1);
            latest.put(keyValue.substring(0, keyValue.indexOf('=')), keyValue.substring(keyValue.indexOf('=') + 1));
        }
        return latest;
    }

    /** "offset:key=value" of every record in the .log files, by base offset; checks offsets only go up. */
    private static List<String> records(Path dir) throws IOException {
        List<String> out = new ArrayList<>();
        long previous = -1;
        for (String name : names(dir)) {
            if (!name.endsWith(".log")) {
                continue;
            }
            for (MutableRecordBatch batch : MemoryRecords.readableRecords(ByteBuffer.wrap(Files.readAllBytes(
                    dir.resolve(name)))).batches()) {
                batch.ensureValid();
                assertTrue(batch.baseOffset() > previous, name + ": offsets go up");
                previous = batch.lastOffset();
                for (Record record : batch) {
                    out.add(record.offset() + ":" + text(record.key()) + "=" + (record.hasValue() ? text(record.value())
                            : null));
                }
            }
        }
        return out;
    }

    private static List<String> names(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static String text(ByteBuffer buffer) {
        return StandardCharsets.UTF_8.decode(buffer.duplicate()).toString();
    }
}
