package io.spindle.log;

import io.spindle.log.compact.SegmentCleaner;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * The crash-safe replacement of a run of sealed segments by the cleaned segments the cleaner wrote beside them, in
 * files of the partition directory. The steps, each ending with the directory forced:
 * <ol>
 *   <li>(the cleaner) writes and forces {@code <base>.log.cleaned}, one per group of old segments, named after the
 *       group's first segment;</li>
 *   <li>{@link #commit}: renames each to {@code <base>.log.swap}. From here on the clean is decided: the swap is
 *       finished, never rolled back;</li>
 *   <li>{@link #deleteReplaced}: unlinks the replaced segments' {@code .index}, {@code .timeindex}, {@code .txnindex}
 *       and {@code .log}
 *       (readers that mapped them keep reading: the mapping outlives the name);</li>
 *   <li>{@link #install}: renames each {@code .swap} to {@code <base>.log}. Its indexes are built when it is
 *       opened (the next load rebuilds missing ones, the {@code .txnindex} too), so no index file is part of the
 *       protocol.</li>
 * </ol>
 *
 * <p>Why a crash anywhere is safe ({@link #recover}, at load, before the segments are read): a {@code .cleaned} file
 * means the swap was not committed and every old segment is intact (none is deleted before every {@code .swap} is
 * durable), so it is deleted. A {@code .swap} file means it was committed; the old segments it replaces may be
 * partly gone, so the swap is finished. Which old segments a swap file replaces follows from its content: the
 * cleaner keeps the last batch of every segment it rewrites (an empty header when all its records go), so a cleaned
 * file ends at the very offset its group ended, and the group's old segments are exactly those whose base offset lies
 * in [swap base, swap end). Groups are disjoint runs of whole segments, so finishing some and discarding others
 * leaves each offset range either all old or all new; either holds the latest record of every key.
 *
 * <p>Not thread-safe; the live log calls it under its lock.
 */
final class SegmentSwap {
    static final String CLEANED_SUFFIX = SegmentCleaner.CLEANED_SUFFIX;
    static final String SWAP_SUFFIX = ".log.swap";
    private static final String[] SEGMENT_SUFFIXES = {".index", ".timeindex", TxnIndex.SUFFIX, SegmentSeal.SUFFIX,
        ".log"};

    /** Called after each file operation; a test throws from it to stop the swap there, as a crash would. */
    interface Step {
        void done(String operation) throws IOException;
    }

    private final Path dir;
    private final List<Long> replaced;
    private final List<Long> cleaned;
    private final Step step;

    /**
     * @param replaced the base offsets of the old segments, oldest first
     * @param cleaned  the base offsets of the cleaned files ({@code <base>.log.cleaned}), oldest first
     */
    SegmentSwap(Path dir, List<Long> replaced, List<Long> cleaned) {
        this(dir, replaced, cleaned, operation -> { });
    }

    SegmentSwap(Path dir, List<Long> replaced, List<Long> cleaned, Step step) {
        this.dir = dir;
        this.replaced = List.copyOf(replaced);
        this.cleaned = List.copyOf(cleaned);
        this.step = step;
    }

    /** Renames every cleaned file to its swap name and forces the directory: the swap is now decided. */
    void commit() throws IOException {
        for (long base : cleaned) {
            Path from = dir.resolve(Segment.fileName(base, CLEANED_SUFFIX));
            try (FileChannel channel = FileChannel.open(from, StandardOpenOption.WRITE)) {
                channel.force(true);        // the cleaner forced it; cheap again, and the rename must not outrun it
            }
            Files.move(from, dir.resolve(Segment.fileName(base, SWAP_SUFFIX)), StandardCopyOption.ATOMIC_MOVE);
            step.done("rename " + from.getFileName());
        }
        Checkpoint.forceDirectory(dir);
        step.done("force directory after commit");
    }

    /** Unlinks the replaced segments' files and forces the directory. */
    void deleteReplaced() throws IOException {
        for (long base : replaced) {
            for (String suffix : SEGMENT_SUFFIXES) {
                Files.deleteIfExists(dir.resolve(Segment.fileName(base, suffix)));
                step.done("delete " + Segment.fileName(base, suffix));
            }
        }
        Checkpoint.forceDirectory(dir);
        step.done("force directory after delete");
    }

    /** Renames every swap file to its segment name and forces the directory: the swap is done. */
    void install() throws IOException {
        for (long base : cleaned) {
            Files.move(dir.resolve(Segment.fileName(base, SWAP_SUFFIX)), dir.resolve(Segment.fileName(base, ".log")),
                    StandardCopyOption.ATOMIC_MOVE);
            step.done("install " + Segment.fileName(base, ".log"));
        }
        Checkpoint.forceDirectory(dir);
        step.done("force directory after install");
    }

    /** Deletes the cleaned files of a clean that will not be committed (the log changed under it). */
    void discard() throws IOException {
        for (long base : cleaned) {
            Files.deleteIfExists(dir.resolve(Segment.fileName(base, CLEANED_SUFFIX)));
        }
    }

    /**
     * Finishes or discards what an interrupted swap left in {@code dir}: deletes {@code .cleaned} files, and for each
     * {@code .swap} file deletes the old segments it replaces and installs it. Call before the segments are listed.
     *
     * @return one line saying what it did, for the log; null when there was nothing to do
     */
    /** Whether {@code file} is one {@link #recover} acts on: a cleaner's output not swapped in yet, or a swap's mark. */
    static boolean isSwapFile(Path file) {
        String name = file.getFileName().toString();
        return baseOf(name) != null && (name.endsWith(CLEANED_SUFFIX) || name.endsWith(SWAP_SUFFIX));
    }

    static String recover(Path dir) throws IOException {
        List<Path> discarded = new ArrayList<>();
        TreeMap<Long, Path> swaps = new TreeMap<>();
        TreeMap<Long, List<Path>> segmentFiles = new TreeMap<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path file : (Iterable<Path>) files::iterator) {
                String name = file.getFileName().toString();
                Long base = baseOf(name);
                if (base == null) {
                    continue;
                }
                if (name.endsWith(CLEANED_SUFFIX)) {
                    discarded.add(file);
                } else if (name.endsWith(SWAP_SUFFIX)) {
                    swaps.put(base, file);
                } else if (name.endsWith(".log") || name.endsWith(".index") || name.endsWith(".timeindex")
                        || name.endsWith(TxnIndex.SUFFIX) || name.endsWith(SegmentSeal.SUFFIX)) {
                    segmentFiles.computeIfAbsent(base, b -> new ArrayList<>()).add(file);
                }
            }
        }
        if (discarded.isEmpty() && swaps.isEmpty()) {
            return null;
        }
        for (Path file : discarded) {
            Files.deleteIfExists(file);
        }
        List<String> finished = new ArrayList<>();
        for (var swap : swaps.entrySet()) {
            long base = swap.getKey();
            long end = endOffset(swap.getValue(), base);
            List<Long> gone = new ArrayList<>();
            var replaced = end > base ? segmentFiles.subMap(base, true, end, false) : new TreeMap<Long, List<Path>>();
            for (var old : replaced.entrySet()) {
                for (Path file : old.getValue()) {
                    Files.deleteIfExists(file);
                }
                gone.add(old.getKey());
            }
            // The old segments must be gone for good before the swap file takes the first one's name.
            Checkpoint.forceDirectory(dir);
            Files.move(swap.getValue(), dir.resolve(Segment.fileName(base, ".log")), StandardCopyOption.ATOMIC_MOVE);
            finished.add(Segment.fileName(base, ".log") + " (offsets [" + base + ", " + end + "), replacing "
                    + (gone.isEmpty() ? "segments already deleted" : "the remaining old segment(s) " + gone) + ")");
        }
        Checkpoint.forceDirectory(dir);
        StringBuilder line = new StringBuilder();
        if (!finished.isEmpty()) {
            line.append("finished an interrupted compaction swap: installed ").append(String.join(", ", finished));
        }
        if (!discarded.isEmpty()) {
            line.append(line.length() > 0 ? "; " : "").append("discarded ").append(discarded.size())
                    .append(" uncommitted cleaned segment file(s) ")
                    .append(discarded.stream().map(p -> p.getFileName().toString()).sorted().toList())
                    .append(", keeping the segments they were to replace");
        }
        return line.toString();
    }

    /** The offset after the last whole batch of a swap file (its base when it has none). */
    private static long endOffset(Path file, long base) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = channel.size();
            if (size == 0 || size > Integer.MAX_VALUE) {
                return base;
            }
            ByteBuffer view = channel.map(FileChannel.MapMode.READ_ONLY, 0, size);
            BatchWalk walk = BatchWalk.over(BatchHeader.at(view, 0), size).expectingBaseOffset(base)
                    .allowingOffsetHoles();
            while (walk.next()) {
                // only the end
            }
            return walk.batches() == 0 ? base : walk.nextOffset();
        }
    }

    /** The base offset a segment-related file is named after, or null for other files. */
    private static Long baseOf(String name) {
        if (name.length() < 21 || name.charAt(20) != '.') {
            return null;
        }
        for (int i = 0; i < 20; i++) {
            if (!Character.isDigit(name.charAt(i))) {
                return null;
            }
        }
        return Long.parseLong(name.substring(0, 20));
    }
}
