package io.spindle.log;

import static io.spindle.fixtures.Batches.batch;
import static io.spindle.log.Reads.decode;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spindle.config.FlushMode;
import io.spindle.config.TopicConfig;
import io.spindle.fixtures.ManualClock;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link Segments#replace}, the swap the log cleaner will use: a run of sealed segments of a real log (written by a
 * {@link PartitionLog}, then opened here) is replaced by one segment holding their batches, with readers before,
 * during and after the swap.
 */
class SegmentsTest {
    private static final TopicConfig CONFIG = TopicConfig.defaults().with(Map.of("segment.bytes", "1000"));
    private static final long NOW = 1_700_000_000_000L;

    @TempDir
    Path dataDir;

    private Path dir;
    private Segments segments;
    private LogReader reader;
    private final List<Segment> removed = new ArrayList<>();
    private List<String> written;

    @BeforeEach
    void writeALogOfFourSegmentsAndOpenItsSegments() throws IOException {
        try (LogManager manager = LogManager.open(dataDir, new FlushPolicy(FlushMode.NONE, 1000, 10_000), 3_600_000,
                t -> CONFIG, new ManualClock(NOW))) {
            PartitionLog log = manager.getOrCreate("t", 0, CONFIG);
            for (int i = 0; i < 30; i++) {
                log.append(batch("b" + i, 3, 1000 + i));
            }
            written = Reads.readAll(log, 0);
        }
        dir = dataDir.resolve("t-0");
        segments = new Segments("t-0", dir);
        segments.listen(new Segments.Changes() {
            @Override
            public void sealed(Segment segment) {
            }

            @Override
            public void removed(Segment segment) {
                removed.add(segment);
            }

            @Override
            public void directoryChanged() {
            }

            @Override
            public LogOfflineException failed(String operation, Path file, Exception failure) {
                throw new AssertionError(operation + " " + file + " failed", failure);
            }

            @Override
            public LogOfflineException damaged(Segment segment, String problem) {
                throw new AssertionError(segment + " is damaged: " + problem);
            }
        });
        List<Path> files;
        try (Stream<Path> list = Files.list(dir)) {
            files = list.filter(f -> f.getFileName().toString().endsWith(".log")).sorted().toList();
        }
        for (int i = 0; i < files.size(); i++) {
            long base = Long.parseLong(files.get(i).getFileName().toString().substring(0, 20));
            boolean last = i == files.size() - 1;
            // The active segment keeps its preallocated length after a clean stop: the stop's record says where it ends.
            int length = last ? (int) CleanShutdown.read(dataDir).get("t-0").activeSize() : (int) Files.size(files.get(i));
            Segment segment = Segment.open(dir, base, last ? 1000 : length);
            SegmentLoad.loadTrusted(segment, length, last, 4096, NOW);
            segments.add(segment);
        }
        segments.loaded(0, 90);
        reader = new LogReader("t-0", segments, () -> { });
        assertTrue(segments.count() > 3, "the log rolled only to " + segments.count() + " segment(s)");
    }

    @AfterEach
    void close() throws IOException {
        segments.closeAll(false, true);
    }

    private List<String> readAll() {
        List<String> out = new ArrayList<>();
        long next = 0;
        while (next < segments.logEndOffset()) {
            try (LogSlice slice = reader.read(next, 1 << 20)) {
                out.addAll(decode(slice));
                next = slice.nextOffset();
            }
        }
        return out;
    }

    /** Writes the batches of {@code run} into one file renamed over the first one's, and opens it sealed. */
    private Segment merged(List<Segment> run) throws IOException {
        Path cleaned = dir.resolve(Segment.fileName(run.get(0).baseOffset(), ".log.cleaned"));
        try (FileChannel out = FileChannel.open(cleaned, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            for (Segment segment : run) {
                try (FileChannel in = FileChannel.open(segment.file(), StandardOpenOption.READ)) {
                    long done = 0;
                    while (done < segment.size()) {
                        done += in.transferTo(done, segment.size() - done, out);
                    }
                }
            }
            out.force(true);
        }
        Segment first = run.get(0);
        Files.delete(dir.resolve(Segment.fileName(first.baseOffset(), ".index")));
        Files.delete(dir.resolve(Segment.fileName(first.baseOffset(), ".timeindex")));
        Files.move(cleaned, first.file(), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        int length = (int) Files.size(first.file());
        Segment segment = Segment.open(dir, first.baseOffset(), length);
        SegmentLoad.loadTrusted(segment, length, false, 4096, NOW);
        return segment;
    }

    @Test
    void aRunOfSealedSegmentsIsReplacedWholeAndReadersOfTheOldOnesKeepReadingThem() throws IOException {
        List<Segment> before = segments.snapshot();
        List<Segment> run = before.subList(0, 2);
        LogSlice heldSlice = reader.read(run.get(1).baseOffset(), 1 << 20);
        List<String> held = decode(heldSlice);
        Segment replacement = merged(run);

        segments.replace(run, List.of(replacement));

        assertEquals(before.size() - 1, segments.count());
        assertSame(replacement, segments.floor(run.get(1).baseOffset()));
        assertEquals(written, readAll());
        assertFalse(Files.exists(run.get(1).file()), "the second replaced segment's file is left");
        assertEquals(run, removed);
        assertEquals(held, decode(heldSlice), "a slice of a replaced segment changed");
        heldSlice.close();
    }

    @Test
    void onlyAContiguousRunOfSealedSegmentsStartingWhereItsReplacementStartsCanBeReplaced() throws IOException {
        List<Segment> all = segments.snapshot();
        Segment active = segments.active();
        Segment first = all.get(0);
        Segment third = all.get(2);

        assertThrows(IllegalArgumentException.class, () -> segments.replace(List.of(active), List.of(first)));
        assertThrows(IllegalArgumentException.class, () -> segments.replace(List.of(first, third), List.of(first)));
        assertThrows(IllegalArgumentException.class, () -> segments.replace(List.of(first), List.of(third)));
        assertThrows(IllegalArgumentException.class, () -> segments.replace(List.of(first), List.of()));
        assertEquals(all, segments.snapshot());
        assertEquals(written, readAll());
    }
}
