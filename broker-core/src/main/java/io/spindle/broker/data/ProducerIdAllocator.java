package io.spindle.broker.data;

import io.spindle.log.LogIOException;
import io.spindle.txn.ProducerIds;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.List;

/**
 * Hands out producer ids for idempotent producers, never the same id twice, across restarts and crashes: a single
 * broker's own ids (a broker of a cluster takes blocks from the metadata quorum instead).
 *
 * <p>Ids are reserved in blocks of {@link #BLOCK_SIZE}: before the first id of a block is handed out, the end of
 * the block is written to {@code <data dir>/producer-ids} and forced to disk (write a temporary file, fsync it,
 * rename it over the old one, fsync the directory). After a restart allocation resumes at the recorded end, so
 * ids handed out before a crash are skipped, not repeated; at most one block is lost per restart.
 *
 * <p>File format, version 1, UTF-8 text: a comment line, {@code version=1}, {@code next.unreserved=<id>}.
 * A file that cannot be read or parsed stops the broker from starting rather than risk repeating ids.
 *
 * <p>Thread-safe; {@link #allocate()} blocks on disk once per block, so call it off the event loop.
 */
public final class ProducerIdAllocator implements ProducerIds {
    static final String FILE_NAME = "producer-ids";
    static final long BLOCK_SIZE = 1000;
    private static final String VERSION_LINE = "version=1";
    private static final String NEXT_KEY = "next.unreserved=";

    private final Path file;
    private long next;
    private long reservedUntil;

    private ProducerIdAllocator(Path file, long next) {
        this.file = file;
        this.next = next;
        this.reservedUntil = next;
    }

    /** Reads the reservation of a data directory (none yet: ids start at 0). */
    public static ProducerIdAllocator open(Path dataDir) {
        Path file = dataDir.resolve(FILE_NAME);
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            return new ProducerIdAllocator(file, 0);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read the producer id reservation " + file, e);
        }
        if (lines.size() < 3 || !lines.get(1).equals(VERSION_LINE) || !lines.get(2).startsWith(NEXT_KEY)) {
            throw new IllegalStateException("Producer id reservation " + file + " is not in format " + VERSION_LINE
                    + ": " + lines);
        }
        try {
            long next = Long.parseLong(lines.get(2).substring(NEXT_KEY.length()));
            if (next < 0) {
                throw new NumberFormatException("negative");
            }
            return new ProducerIdAllocator(file, next);
        } catch (NumberFormatException e) {
            throw new IllegalStateException("Producer id reservation " + file + " holds an invalid id: " + lines.get(2), e);
        }
    }

    /** A producer id never handed out before from this data directory. Throws LogIOException if the reservation cannot be made durable. */
    @Override
    public synchronized long allocate() {
        if (next >= reservedUntil) {
            long until = Math.addExact(reservedUntil, BLOCK_SIZE);
            persist(until);
            reservedUntil = until;
        }
        return next++;
    }

    private void persist(long until) {
        Path temporary = file.resolveSibling(FILE_NAME + ".tmp");
        byte[] content = ("# Spindle producer ids: every id below next.unreserved may have been handed out.\n"
                + VERSION_LINE + "\n" + NEXT_KEY + until + "\n").getBytes(StandardCharsets.UTF_8);
        try {
            try (FileChannel channel = FileChannel.open(temporary, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING)) {
                ByteBuffer buffer = ByteBuffer.wrap(content);
                while (buffer.hasRemaining()) {
                    channel.write(buffer);
                }
                channel.force(true);
            }
            // Atomic or not at all: a delete-then-rename could leave no file after a crash, and ids would repeat.
            Files.move(temporary, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            try (FileChannel directory = FileChannel.open(file.getParent(), StandardOpenOption.READ)) {
                directory.force(true);
            }
        } catch (IOException e) {
            throw new LogIOException("Cannot reserve producer ids up to " + until + " in " + file, e);
        }
    }
}
