package io.spindle.log.compact;

import java.nio.ByteBuffer;
import java.security.DigestException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;

/**
 * The cleaner's key map: for each key seen in the dirty part of a log, the offset of its latest record. Memory is
 * fixed when the map is made (24 bytes a slot: the first 128 bits of the key's SHA-256, and the offset), so a log
 * with more keys than the map holds is cleaned in several passes: the cleaner stops adding when {@link #isFull()}
 * says so and cleans up to {@link #latestOffset()}.
 *
 * <p>Keys are not stored, only their hashes. Two keys with the same 128-bit hash would be taken for one key and
 * the older record dropped; with SHA-256 nobody can make such a pair on purpose, unlike with the fast
 * non-cryptographic hashes (MurmurHash3 has seed-independent collisions), so producers cannot make the cleaner
 * drop other keys' records.
 *
 * <p>Open addressing with double hashing over a prime number of slots, filled to at most {@value #MAX_LOAD} of
 * them, so that a probe stays short when the map is nearly full.
 *
 * <p>Not thread-safe: each cleaner thread owns one map and reuses it with {@link #clear()}.
 */
public final class OffsetMap {
    /** Bytes of memory one slot takes. */
    public static final int BYTES_PER_SLOT = 24;
    static final double MAX_LOAD = 0.9;

    private static final int LONGS_PER_SLOT = 3;

    private final int slots;
    private final int maxEntries;
    /** Per slot: hash high, hash low, offset + 1 (0: the slot is free). */
    private final long[] table;
    private final MessageDigest sha256;
    private final byte[] digest = new byte[32];
    private long hashHigh;
    private long hashLow;
    private int entries;
    private long latestOffset = -1;

    /**
     * A map in at most {@code memoryBytes} of heap.
     *
     * @throws IllegalArgumentException when that is less than two slots, or more than the JVM can index
     */
    public OffsetMap(long memoryBytes) {
        long wanted = memoryBytes / BYTES_PER_SLOT;
        if (wanted < 2 || wanted > Integer.MAX_VALUE / LONGS_PER_SLOT) {
            throw new IllegalArgumentException("An offset map of " + memoryBytes + " bytes is out of range: it needs "
                    + "room for 2 to " + Integer.MAX_VALUE / LONGS_PER_SLOT + " slots of " + BYTES_PER_SLOT + " bytes");
        }
        this.slots = largestPrimeAtMost((int) wanted);
        this.maxEntries = Math.max(1, (int) (slots * MAX_LOAD));
        this.table = new long[slots * LONGS_PER_SLOT];
        try {
            this.sha256 = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
    }

    /**
     * Records that {@code key}'s latest record is at {@code offset}.
     *
     * @param key    the key's bytes from position to limit; the buffer's position is left unchanged
     * @param offset at least every offset put since the last {@link #clear()}
     * @return false, changing nothing, when the map is full and {@code key} is not in it yet
     * @throws IllegalArgumentException when {@code offset} is below the latest offset put
     */
    public boolean put(ByteBuffer key, long offset) {
        if (offset < latestOffset) {
            throw new IllegalArgumentException("offset " + offset + " is below the latest offset put, " + latestOffset);
        }
        hash(key);
        int slot = find();
        int at = slot * LONGS_PER_SLOT;
        if (table[at + 2] == 0) {
            if (entries >= maxEntries) {
                return false;
            }
            table[at] = hashHigh;
            table[at + 1] = hashLow;
            entries++;
        }
        table[at + 2] = offset + 1;
        latestOffset = offset;
        return true;
    }

    /** The offset put last for {@code key}, or -1 if none. The buffer's position is left unchanged. */
    public long get(ByteBuffer key) {
        hash(key);
        return table[find() * LONGS_PER_SLOT + 2] - 1;
    }

    /** True when no new key can be put. */
    public boolean isFull() {
        return entries >= maxEntries;
    }

    /** The highest offset put since the last clear, or -1. */
    public long latestOffset() {
        return latestOffset;
    }

    /** The number of distinct keys in the map. */
    public int size() {
        return entries;
    }

    /** The most keys the map takes before it is full. */
    public int capacity() {
        return maxEntries;
    }

    /** Empties the map for the next pass. */
    public void clear() {
        Arrays.fill(table, 0L);
        entries = 0;
        latestOffset = -1;
    }

    /** The slot holding the current hash, or the free slot where it would go. */
    private int find() {
        int slot = (int) Long.remainderUnsigned(hashHigh, slots);
        int step = 1 + (int) Long.remainderUnsigned(hashLow, slots - 1);    // never 0; coprime with a prime
        while (true) {
            int at = slot * LONGS_PER_SLOT;
            if (table[at + 2] == 0 || (table[at] == hashHigh && table[at + 1] == hashLow)) {
                return slot;
            }
            slot += step;
            if (slot >= slots) {
                slot -= slots;
            }
        }
    }

    private void hash(ByteBuffer key) {
        sha256.update(key.duplicate());
        try {
            sha256.digest(digest, 0, digest.length);
        } catch (DigestException e) {
            throw new IllegalStateException("SHA-256 writes 32 bytes", e);
        }
        hashHigh = bigEndianLong(digest, 0);
        hashLow = bigEndianLong(digest, 8);
    }

    private static long bigEndianLong(byte[] bytes, int from) {
        long value = 0;
        for (int i = from; i < from + 8; i++) {
            value = (value << 8) | (bytes[i] & 0xFF);
        }
        return value;
    }

    private static int largestPrimeAtMost(int n) {
        for (int candidate = n; candidate > 2; candidate--) {
            if (isPrime(candidate)) {
                return candidate;
            }
        }
        return 2;
    }

    private static boolean isPrime(int n) {
        if (n % 2 == 0) {
            return n == 2;
        }
        for (int d = 3; (long) d * d <= n; d += 2) {
            if (n % d == 0) {
                return false;
            }
        }
        return true;
    }
}
