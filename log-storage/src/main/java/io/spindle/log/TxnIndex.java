package io.spindle.log;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32C;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The aborted transactions whose ABORT marker lies in one segment: the file {@code <base offset>.txnindex} beside
 * the segment's {@code .log}, and its entries in memory for readers.
 *
 * <p>File format, version 1: an 8-byte header (magic {@code 0x53505458}, "SPTX", then the version as an int), then
 * one 36-byte entry per aborted transaction in marker order: producer id, first offset, last (marker) offset, last
 * stable offset (8 bytes each, big-endian), and the CRC32C of those 32 bytes. Every segment has the file, empty but
 * for its header when nothing was aborted in it, so that a missing file means a lost one, not an empty one.
 *
 * <p>Durability follows the segment's: an entry is written (not forced) before its marker becomes readable, and the
 * segment's {@link Segment#force} forces it with the log bytes, so an entry is on disk whenever the checkpoint's
 * recovery point vouches for its marker. What is past the recovery point is rebuilt from the batches at load
 * ({@link #invalidate} by recovery, then written anew whole by the producer-state walk), as is a file that is missing, torn
 * or fails its checks ({@link #ensureLoaded}).
 *
 * <p>Threading: changed under the partition's write lock (or before the log is shared); {@link #entries} is read from
 * any thread (an immutable list published through a volatile field).
 */
final class TxnIndex {
    private static final Logger LOG = LoggerFactory.getLogger(PartitionLog.class);
    static final String SUFFIX = ".txnindex";
    static final int MAGIC = 0x53505458;
    static final int VERSION = 1;
    static final int HEADER_SIZE = 8;
    static final int ENTRY_SIZE = 36;

    private enum State { UNKNOWN, VALID, INVALID }

    private final Path file;
    private volatile List<AbortedTransaction> entries = List.of();
    private State state;
    private FileChannel channel;
    private boolean dirty;

    private TxnIndex(Path file, State state) {
        this.file = file;
        this.state = state;
    }

    /**
     * A new, empty index file (its header written, not forced: the segment's first {@link #force} does it) for a new
     * segment. Its descriptor is not kept: most segments never hold an aborted transaction, and one descriptor per
     * partition fewer matters with thousands of partitions ({@link #append} opens it when one is aborted).
     */
    static TxnIndex create(Path file) throws IOException {
        TxnIndex index = new TxnIndex(file, State.VALID);
        index.reset();
        FileChannel open = index.channel;
        index.channel = null;
        open.close();
        return index;
    }

    /** The index file of an existing segment, read at the first {@link #ensureLoaded}. */
    static TxnIndex onDisk(Path file) {
        return new TxnIndex(file, State.UNKNOWN);
    }

    Path file() {
        return file;
    }

    /** The entries, in marker order. */
    List<AbortedTransaction> entries() {
        return entries;
    }

    /** Marks the index as not matching its segment (the segment is being recovered): the walk rebuilds it. */
    void invalidate() {
        state = State.INVALID;
    }

    /**
     * Undoes {@link #invalidate} when recovery kept nothing past the recovery point: the file is read and checked at
     * the next {@link #ensureLoaded}, as an untouched segment's is.
     */
    void reloadFromDisk() {
        if (state == State.INVALID && channel == null) {
            state = State.UNKNOWN;
        }
    }

    /**
     * Reads the file if not yet read; returns whether the index can be trusted for a segment holding offsets
     * [{@code baseOffset}, {@code nextOffset}). False when it was invalidated, or the file is missing, torn, of another
     * version, or holds an entry that fails its CRC, lies outside the segment or is out of order.
     */
    boolean ensureLoaded(long baseOffset, long nextOffset) throws IOException {
        if (state == State.UNKNOWN) {
            List<AbortedTransaction> read = read(baseOffset, nextOffset);
            state = read == null ? State.INVALID : State.VALID;
            if (read != null) {
                entries = read;
            }
        }
        return state == State.VALID;
    }

    private List<AbortedTransaction> read(long baseOffset, long nextOffset) throws IOException {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            return null;
        }
        ByteBuffer buffer = ByteBuffer.wrap(bytes);
        if (bytes.length < HEADER_SIZE || (bytes.length - HEADER_SIZE) % ENTRY_SIZE != 0
                || buffer.getInt(0) != MAGIC || buffer.getInt(4) != VERSION) {
            return null;
        }
        List<AbortedTransaction> read = new ArrayList<>();
        long previous = baseOffset - 1;
        for (int at = HEADER_SIZE; at < bytes.length; at += ENTRY_SIZE) {
            CRC32C crc = new CRC32C();
            crc.update(bytes, at, ENTRY_SIZE - 4);
            AbortedTransaction entry = new AbortedTransaction(buffer.getLong(at), buffer.getLong(at + 8),
                    buffer.getLong(at + 16), buffer.getLong(at + 24));
            if ((int) crc.getValue() != buffer.getInt(at + 32) || entry.lastOffset() <= previous
                    || entry.lastOffset() >= nextOffset || entry.firstOffset() > entry.lastOffset()) {
                return null;
            }
            previous = entry.lastOffset();
            read.add(entry);
        }
        return List.copyOf(read);
    }

    /** Empties the index (file and memory) to be filled again; it is valid from now on. */
    void reset() throws IOException {
        openChannel();
        channel.truncate(0);
        ByteBuffer header = ByteBuffer.allocate(HEADER_SIZE).putInt(MAGIC).putInt(VERSION).flip();
        FileWrites.write(channel, header, 0, file);
        entries = List.of();
        state = State.VALID;
        dirty = true;
    }

    /** Appends one entry (written, not forced: {@link #force} does that with the segment). */
    void append(AbortedTransaction entry) throws IOException {
        openChannel();
        long position = HEADER_SIZE + (long) entries.size() * ENTRY_SIZE;
        FileWrites.write(channel, encode(entry), position, file);
        List<AbortedTransaction> grown = new ArrayList<>(entries.size() + 1);
        grown.addAll(entries);
        grown.add(entry);
        entries = List.copyOf(grown);
        dirty = true;
    }

    /**
     * Replaces the file with one holding {@code kept}, forced, by a rename of a temporary file (the caller forces the
     * directory): for a segment the cleaner rewrote or a truncation cut.
     */
    void writeAll(List<AbortedTransaction> kept) throws IOException {
        closeChannel();
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        ByteBuffer all = ByteBuffer.allocate(HEADER_SIZE + kept.size() * ENTRY_SIZE).putInt(MAGIC).putInt(VERSION);
        for (AbortedTransaction entry : kept) {
            all.put(encode(entry));
        }
        all.flip();
        try (FileChannel out = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            FileWrites.write(out, all, 0, tmp);
            out.force(true);
        }
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        entries = List.copyOf(kept);
        state = State.VALID;
    }

    private static ByteBuffer encode(AbortedTransaction entry) {
        ByteBuffer bytes = ByteBuffer.allocate(ENTRY_SIZE);
        bytes.putLong(entry.producerId()).putLong(entry.firstOffset()).putLong(entry.lastOffset())
                .putLong(entry.lastStableOffset());
        CRC32C crc = new CRC32C();
        crc.update(bytes.array(), 0, ENTRY_SIZE - 4);
        return bytes.putInt((int) crc.getValue()).flip();
    }

    /** Forces what was written since the last force (through a descriptor opened for it if none is kept). */
    void force() throws IOException {
        if (!dirty) {
            return;
        }
        if (channel != null) {
            channel.force(false);
        } else {
            try (FileChannel forcing = FileChannel.open(file, StandardOpenOption.WRITE)) {
                forcing.force(false);
            }
        }
        dirty = false;
    }

    /** Forces and closes the file: the segment takes no more appends (it is opened again if it must change). */
    void seal() throws IOException {
        force();
        closeChannel();
    }

    /** Closes the file without forcing (the segment was released). */
    void close() {
        try {
            closeChannel();
        } catch (IOException e) {
            // Nothing is lost: whatever had to be durable was forced with the segment; only the descriptor leaks.
            LOG.warn("cannot close {}: {}", file, e.getMessage());
        }
    }

    void delete() throws IOException {
        close();
        Files.deleteIfExists(file);
    }

    private void openChannel() throws IOException {
        if (channel == null) {
            channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
                    StandardOpenOption.WRITE);
        }
    }

    private void closeChannel() throws IOException {
        dirty = false;
        if (channel != null) {
            FileChannel open = channel;
            channel = null;
            open.close();
        }
    }
}
