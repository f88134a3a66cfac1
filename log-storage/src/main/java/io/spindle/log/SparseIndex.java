package io.spindle.log;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;

/**
 * A sparse, sorted index of one segment, in Kafka's on-disk formats (big-endian):
 * <ul>
 *   <li>offset index ({@code .index}): 4-byte offset relative to the segment's base offset, then the
 *       4-byte file position of the batch that holds it; keys strictly increase.</li>
 *   <li>time index ({@code .timeindex}): 8-byte timestamp, then the 4-byte relative offset of the
 *       batch where the segment's largest timestamp reached it; keys strictly increase.</li>
 * </ul>
 * While its segment is active the entries live in growable arrays on the heap; {@link #seal} writes
 * them to the file and from then on lookups read the memory-mapped file, so old segments cost no heap.
 *
 * <p>Not thread-safe for writers: {@link #append} runs under the partition's write lock. Lookups may
 * run concurrently with appends: an entry becomes visible through the volatile {@code count} only
 * after both of its halves are stored.
 */
final class SparseIndex implements AutoCloseable {
    private final Path file;
    private final int keyBytes;
    private final int entrySize;
    private final int maxEntries;

    // Readers look at the arrays first and fall back to the mapping: seal() publishes the mapping
    // before it drops the arrays, so a reader that finds the arrays gone always finds the mapping.
    private volatile long[] keys;
    private volatile int[] values;
    private volatile int count;
    private volatile MappedRegion sealed;

    private SparseIndex(Path file, int keyBytes, int maxEntries) {
        this.file = file;
        this.keyBytes = keyBytes;
        this.entrySize = keyBytes + 4;
        this.maxEntries = maxEntries;
        this.keys = new long[16];
        this.values = new int[16];
    }

    static SparseIndex offsetIndex(Path file, int maxEntries) {
        return new SparseIndex(file, 4, maxEntries);
    }

    static SparseIndex timeIndex(Path file, int maxEntries) {
        return new SparseIndex(file, 8, maxEntries);
    }

    Path file() {
        return file;
    }

    int entries() {
        return count;
    }

    boolean isFull() {
        return count >= maxEntries;
    }

    long lastKey() {
        int n = count;
        return n == 0 ? Long.MIN_VALUE : key(n - 1);
    }

    /** Adds an entry; keys must strictly increase (a key not above the last is ignored). */
    void append(long key, int value) {
        if (sealed != null) {
            throw new IllegalStateException("index " + file + " is sealed");
        }
        int n = count;
        long[] k = keys;
        int[] v = values;
        if (n > 0 && key <= k[n - 1]) {
            return;
        }
        if (n == k.length) {
            k = Arrays.copyOf(k, n * 2);
            v = Arrays.copyOf(v, n * 2);
        }
        k[n] = key;
        v[n] = value;
        keys = k;
        values = v;
        count = n + 1;
    }

    /** Forgets every entry (before a rebuild). */
    void clear() {
        if (sealed != null) {
            throw new IllegalStateException("index " + file + " is sealed");
        }
        count = 0;
    }

    /** Index of the last entry whose key is at most {@code key}, or -1. */
    int floor(long key) {
        int lo = 0;
        int hi = count - 1;
        int found = -1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            if (key(mid) <= key) {
                found = mid;
                lo = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
        return found;
    }

    /** Index of the last entry whose key is below {@code key}, or -1. */
    int lower(long key) {
        return key == Long.MIN_VALUE ? -1 : floor(key - 1);
    }

    long key(int i) {
        long[] k = keys;
        if (k != null) {
            return k[i];
        }
        long at = (long) i * entrySize;
        return keyBytes == 4 ? sealed.getInt(at) : sealed.getLong(at);
    }

    int value(int i) {
        int[] v = values;
        return v != null ? v[i] : sealed.getInt((long) i * entrySize + keyBytes);
    }

    /**
     * Writes the entries to the file, forced, over whatever it held (an older run's file of the same segment), leaving
     * it exactly count entries long.
     */
    private void writeFile() throws IOException {
        int n = count;
        ByteBuffer buffer = ByteBuffer.allocate(n * entrySize);
        for (int i = 0; i < n; i++) {
            if (keyBytes == 4) {
                buffer.putInt((int) key(i));
            } else {
                buffer.putLong(key(i));
            }
            buffer.putInt(value(i));
        }
        buffer.flip();
        FileWrites.overwrite(file, buffer, true);
    }

    /**
     * Seals as {@link #seal} does, except when the file cannot be written (a full disk): then the entries stay on the
     * heap, lookups go on working, and the partial file is removed so that the next load rebuilds the index from its
     * segment. An index is derived from the segment, so failing to write one must not stop the log.
     *
     * @return why the file could not be written, or null when it was
     */
    IOException sealOrKeepOnHeap() {
        try {
            seal();
            return null;
        } catch (IOException e) {
            try {
                Files.deleteIfExists(file);
            } catch (IOException removal) {
                e.addSuppressed(removal);      // a partial file that loads is a shorter sparse index: still correct
            }
            return e;
        }
    }

    /** Writes the file and switches lookups to its mapping; the heap arrays are dropped. */
    void seal() throws IOException {
        if (sealed != null) {
            return;
        }
        writeFile();
        if (count > 0) {
            sealed = MappedRegion.open(file.toFile(), (long) count * entrySize);
        }
        keys = null;
        values = null;
    }

    /**
     * Reads an index file written by {@link #seal}. Returns null when the file is missing or does not
     * hold together (size not a whole number of entries, keys not increasing, values out of range): the caller
     * then rebuilds it from the segment.
     */
    static SparseIndex load(Path file, int keyBytes, int maxEntries, long maxValue, boolean mutable) throws IOException {
        if (!Files.exists(file)) {
            return null;
        }
        long length = Files.size(file);
        int entrySize = keyBytes + 4;
        if (length % entrySize != 0 || length / entrySize > maxEntries) {
            return null;
        }
        int n = (int) (length / entrySize);
        SparseIndex index = new SparseIndex(file, keyBytes, maxEntries);
        ByteBuffer buffer = ByteBuffer.allocate((int) length);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            while (buffer.hasRemaining() && ch.read(buffer) >= 0) {
                // read fully
            }
        }
        buffer.flip();
        long previous = Long.MIN_VALUE;
        for (int i = 0; i < n; i++) {
            long key = keyBytes == 4 ? buffer.getInt() : buffer.getLong();
            int value = buffer.getInt();
            if (key <= previous || value < 0 || value > maxValue) {
                return null;
            }
            previous = key;
            index.append(key, value);
        }
        if (!mutable) {
            index.sealLoaded();
        }
        return index;
    }

    private void sealLoaded() throws IOException {
        if (count > 0) {
            sealed = MappedRegion.open(file.toFile(), (long) count * entrySize);
        }
        keys = null;
        values = null;
    }

    void delete() throws IOException {
        close();
        Files.deleteIfExists(file);
    }

    @Override
    public void close() {
        MappedRegion m = sealed;
        if (m != null) {
            sealed = null;
            m.close();
        }
    }
}
