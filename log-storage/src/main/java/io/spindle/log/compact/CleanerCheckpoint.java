package io.spindle.log.compact;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The cleaner's checkpoint, {@code <data dir>/cleaner-offset-checkpoint}: for each partition log, the offset its last
 * clean reached (where its dirty part starts), so that dirty ratios survive a restart. Text, Kafka's layout: a
 * version line ({@code 0}), a count line, then {@code <topic-partition> <offset>} lines.
 *
 * <p>Written to a temporary file, forced, renamed over the old one, and the directory forced: a crash leaves the old
 * or the new file. Losing it costs only work (every log counts as dirty from its start), never data, so a damaged or
 * unreadable file is read as empty. Thread-safe.
 */
final class CleanerCheckpoint {
    static final String FILE_NAME = "cleaner-offset-checkpoint";
    private static final String VERSION = "0";

    private final Path file;
    private final TreeMap<String, Long> offsets = new TreeMap<>();

    private CleanerCheckpoint(Path dir) {
        this.file = dir.resolve(FILE_NAME);
    }

    /** Reads the checkpoint in {@code dir}; empty when there is none. Returns the problem in {@code damage[0]}. */
    static CleanerCheckpoint read(Path dir, String[] damage) throws IOException {
        CleanerCheckpoint checkpoint = new CleanerCheckpoint(dir);
        List<String> lines;
        try {
            lines = Files.readAllLines(checkpoint.file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            return checkpoint;
        }
        try {
            if (lines.size() < 2 || !lines.get(0).equals(VERSION)) {
                throw new IllegalArgumentException("it does not start with version " + VERSION);
            }
            int count = Integer.parseInt(lines.get(1));
            if (lines.size() != count + 2) {
                throw new IllegalArgumentException("it promises " + count + " entries and has " + (lines.size() - 2));
            }
            for (String line : lines.subList(2, lines.size())) {
                int space = line.lastIndexOf(' ');
                long offset = Long.parseLong(line.substring(space + 1));
                if (space <= 0 || offset < 0) {
                    throw new IllegalArgumentException("line '" + line + "' is not '<topic-partition> <offset>'");
                }
                checkpoint.offsets.put(line.substring(0, space), offset);
            }
        } catch (IllegalArgumentException | IndexOutOfBoundsException e) {
            checkpoint.offsets.clear();
            damage[0] = checkpoint.file + " is damaged (" + e.getMessage() + ")";
        }
        return checkpoint;
    }

    /** Where {@code log}'s last clean stopped, or -1 when it was never cleaned. */
    synchronized long get(String log) {
        return offsets.getOrDefault(log, -1L);
    }

    synchronized Map<String, Long> asMap() {
        return Map.copyOf(offsets);
    }

    /** Records that {@code log} is clean below {@code offset} and writes the file durably. */
    synchronized void put(String log, long offset) throws IOException {
        offsets.put(log, offset);
        write();
    }

    /** Forgets the logs not in {@code live} (deleted partitions), writing the file if that changed it. */
    synchronized void retainOnly(Set<String> live) throws IOException {
        if (offsets.keySet().retainAll(live)) {
            write();
        }
    }

    private void write() throws IOException {
        StringBuilder text = new StringBuilder(VERSION).append('\n').append(offsets.size()).append('\n');
        offsets.forEach((log, offset) -> text.append(log).append(' ').append(offset).append('\n'));
        Path tmp = file.resolveSibling(FILE_NAME + ".tmp");
        try (FileChannel channel = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ByteBuffer bytes = StandardCharsets.UTF_8.encode(text.toString());
            while (bytes.hasRemaining()) {
                channel.write(bytes);
            }
            channel.force(true);
        }
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        try (FileChannel directory = FileChannel.open(file.getParent(), StandardOpenOption.READ)) {
            directory.force(true);
        }
    }
}
