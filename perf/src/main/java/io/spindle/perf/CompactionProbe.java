package io.spindle.perf;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * What a broker's files say about the compaction of one partition, read from outside the broker process, the same
 * way for Spindle and for Kafka: both keep {@code <dir>/<topic>-<partition>/<20-digit base offset>.log} segments
 * and a text checkpoint {@code <dir>/cleaner-offset-checkpoint} (a version line, a count line, then one line per
 * partition ending in the offset its last clean reached). Kafka names the partition {@code <topic> <partition>} in
 * that line, Spindle {@code <topic>-<partition>}.
 *
 * <p>A partition is compacted when its checkpoint has reached the base offset of its active (highest) segment:
 * every record the cleaner may touch has been cleaned. Both brokers write the checkpoint after the swap, to a
 * temporary file renamed over the old one, so a reader sees the old or the new one whole.
 *
 * @param checkpointFile the cleaner's checkpoint
 * @param checkpointKey  how its line names the partition
 * @param partitionDir   the partition's directory
 */
record CompactionProbe(Path checkpointFile, String checkpointKey, Path partitionDir) {
    static final String CHECKPOINT = "cleaner-offset-checkpoint";
    private static final Pattern SEGMENT = Pattern.compile("\\d{20}\\.log");

    /** A partition of a Spindle broker whose data.dir is {@code dataDir}. */
    static CompactionProbe spindle(Path dataDir, String topic, int partition) {
        return new CompactionProbe(dataDir.resolve(CHECKPOINT), topic + "-" + partition,
                dataDir.resolve(topic + "-" + partition));
    }

    /** A partition of a Kafka broker whose log.dirs is {@code logDir}. */
    static CompactionProbe kafka(Path logDir, String topic, int partition) {
        return new CompactionProbe(logDir.resolve(CHECKPOINT), topic + " " + partition,
                logDir.resolve(topic + "-" + partition));
    }

    /** The offset the partition's last clean reached, or -1 when it has not been cleaned (or no checkpoint is readable). */
    long cleanedTo() {
        List<String> lines;
        try {
            lines = Files.readAllLines(checkpointFile, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            return -1;
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read the cleaner checkpoint " + checkpointFile, e);
        }
        for (String line : lines.subList(Math.min(2, lines.size()), lines.size())) {
            int space = line.lastIndexOf(' ');
            if (space > 0 && line.substring(0, space).equals(checkpointKey)) {
                try {
                    return Long.parseLong(line.substring(space + 1).strip());
                } catch (NumberFormatException e) {
                    throw new PerfException("Line '" + line + "' of " + checkpointFile + " does not end in an offset");
                }
            }
        }
        return -1;
    }

    /** The base offset of the partition's active segment (its highest), or -1 when it has none yet. */
    long activeSegmentBase() {
        return segments().map(p -> Long.parseLong(p.getFileName().toString().substring(0, 20)))
                .max(Long::compare).orElse(-1L);
    }

    /**
     * The bytes of the partition's sealed segment files (.log below the active one; not indexes, nor files a broker
     * is about to delete): what a clean reads and shrinks. The active segment is left out because Spindle
     * preallocates it to segment.bytes and Kafka does not, so its file size says nothing about its records.
     */
    long sealedBytes() {
        long active = activeSegmentBase();
        return segments().filter(p -> Long.parseLong(p.getFileName().toString().substring(0, 20)) != active).mapToLong(p -> {
            try {
                return Files.size(p);
            } catch (NoSuchFileException e) {
                return 0;               // swapped out between the listing and now
            } catch (IOException e) {
                throw new UncheckedIOException("Cannot read the size of " + p, e);
            }
        }).sum();
    }

    /** True when the cleaner has cleaned everything below the active segment, and there is something below it. */
    boolean compacted() {
        long active = activeSegmentBase();
        return active > 0 && cleanedTo() >= active;
    }

    private Stream<Path> segments() {
        try (Stream<Path> files = Files.list(partitionDir)) {
            return files.filter(p -> SEGMENT.matcher(p.getFileName().toString()).matches()).toList().stream();
        } catch (NoSuchFileException e) {
            return Stream.empty();
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot list " + partitionDir, e);
        }
    }
}
