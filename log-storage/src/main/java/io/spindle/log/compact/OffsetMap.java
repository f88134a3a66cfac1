package io.spindle.log.compact;

import java.nio.ByteBuffer;
import java.security.SecureRandom;
import java.util.Arrays;

/**
 * The cleaner's key map: for each key seen in the dirty part of a log, the offset of its latest record. Its memory
 * is bounded when the map is made: {@value #BYTES_PER_SLOT} bytes a slot (the key's 128-bit keyed hash, and the
 * offset), plus {@value #SORTED_BYTES_PER_KEY} bytes a key for {@link #latestOffsetsAscending()}, so a log
 * with more keys than the map holds is cleaned in several passes: the cleaner stops adding when {@link #isFull()}
 * says so and cleans up to {@link #latestOffset()}.
 *
 * <p>Keys are not stored, only their hashes. Two keys with the same 128-bit hash would be taken for one key and
 * the older record dropped; the hash is SipHash-2-4-128 under a key drawn from {@link SecureRandom} for each map and
 * never shown outside the process, so nobody can make such a pair on purpose, unlike with the fast unkeyed hashes
 * (MurmurHash3 has seed-independent collisions): producers cannot make the cleaner drop other keys' records. It
 * replaced SHA-256, which did the same at three times the cost (issue 13's benchmark: with kafka-clients' record
 * objects gone, SHA-256 through MessageDigest was the largest part of the key map's time after the table lookups).
 *
 * <p>Open addressing with double hashing over a prime number of slots, filled to at most {@value #MAX_LOAD} of
 * them, so that a probe stays short when the map is nearly full.
 *
 * <p>The table starts small ({@value #INITIAL_SLOTS} slots) and grows fourfold, rehashing the stored hashes, each time
 * it is {@value #GROW_LOAD} full, up to the slots the memory allows; {@link #clear()} shrinks it again. A log with
 * few keys is mapped in a table that fits the processor's caches: with the whole buffer as one table, each lookup
 * missed the caches and the TLB (issue 13's benchmark: OffsetMap.find was a third of the cleaner's CPU time with
 * 26,000 keys in a 32 MiB table).
 *
 * <p>Not thread-safe: each cleaner thread owns one map and reuses it with {@link #clear()}.
 */
public final class OffsetMap {
    /** Bytes of memory one slot takes. */
    public static final int BYTES_PER_SLOT = 24;
    /** Bytes of memory each key takes in the sorted copy of the offsets. */
    public static final int SORTED_BYTES_PER_KEY = 8;
    static final double MAX_LOAD = 0.9;
    static final int INITIAL_SLOTS = 4093;
    static final double GROW_LOAD = 0.5;

    private static final int LONGS_PER_SLOT = 3;

    private final int maxSlots;
    private final int maxEntries;
    /** The slots of the current table; grows to maxSlots. */
    private int slots;
    /** Entries past which the current table grows (maxEntries once it cannot). */
    private int growAt;
    /** Per slot: hash high, hash low, offset + 1 (0: the slot is free). */
    private long[] table;
    private final SipHash128 hasher;
    /** A copy of a key that came in a buffer without an accessible array. */
    private byte[] scratch = new byte[64];
    private long hashHigh;
    private long hashLow;
    private int entries;
    private long latestOffset = -1;
    private long[] sorted = new long[0];

    /**
     * A map in at most {@code memoryBytes} of heap.
     *
     * @throws IllegalArgumentException when that is less than two slots, or more than the JVM can index
     */
    public OffsetMap(long memoryBytes) {
        long wanted = (long) (memoryBytes / (BYTES_PER_SLOT + SORTED_BYTES_PER_KEY * MAX_LOAD));
        if (wanted < 2 || wanted > Integer.MAX_VALUE / LONGS_PER_SLOT) {
            throw new IllegalArgumentException("An offset map of " + memoryBytes + " bytes is out of range: it needs "
                    + "room for 2 to " + Integer.MAX_VALUE / LONGS_PER_SLOT + " slots of " + BYTES_PER_SLOT + " bytes (plus "
                    + SORTED_BYTES_PER_KEY + " bytes a key)");
        }
        this.maxSlots = largestPrimeAtMost((int) wanted);
        this.maxEntries = Math.max(1, (int) (maxSlots * MAX_LOAD));
        allocate(Math.min(maxSlots, INITIAL_SLOTS));
        SecureRandom random = new SecureRandom();
        this.hasher = new SipHash128(random.nextLong(), random.nextLong());
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
        checkOffset(offset);
        hash(key);
        return putHashed(offset);
    }

    /** As {@link #put(ByteBuffer, long)}, for the key {@code bytes[from, from + length)}. */
    public boolean put(byte[] bytes, int from, int length, long offset) {
        checkOffset(offset);
        hash(bytes, from, length);
        return putHashed(offset);
    }

    /**
     * As {@link #put(ByteBuffer, long)}, for the key at absolute indexes {@code [from, from + length)} of {@code buffer}
     * (heap or direct, such as a segment's mapping); the buffer's position and limit are not used or changed.
     */
    public boolean put(ByteBuffer buffer, int from, int length, long offset) {
        checkOffset(offset);
        hash(buffer, from, length);
        return putHashed(offset);
    }

    private void checkOffset(long offset) {
        if (offset < latestOffset) {
            throw new IllegalArgumentException("offset " + offset + " is below the latest offset put, " + latestOffset);
        }
    }

    private boolean putHashed(long offset) {
        int slot = find();
        int at = slot * LONGS_PER_SLOT;
        if (table[at + 2] == 0) {
            if (entries >= maxEntries) {
                return false;
            }
            if (entries >= growAt) {
                grow();
                at = find() * LONGS_PER_SLOT;
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

    /**
     * The offsets the map holds (each key's latest), ascending, in the first {@link #size()} elements of the returned
     * array. The rewrite of the mapped range asks it once and then needs no hash: a record there stays exactly when
     * its offset is among these. The array is the map's own, overwritten by the next call; valid until then.
     */
    public long[] latestOffsetsAscending() {
        if (sorted.length < entries) {
            sorted = new long[entries];
        }
        int n = 0;
        for (int at = 2; at < table.length; at += LONGS_PER_SLOT) {
            if (table[at] != 0) {
                sorted[n++] = table[at] - 1;
            }
        }
        Arrays.sort(sorted, 0, n);
        return sorted;
    }

    /** Empties the map for the next pass, back to its initial table. */
    public void clear() {
        if (slots == Math.min(maxSlots, INITIAL_SLOTS)) {
            Arrays.fill(table, 0L);
        } else {
            allocate(Math.min(maxSlots, INITIAL_SLOTS));
            sorted = new long[0];
        }
        entries = 0;
        latestOffset = -1;
    }

    private void allocate(int newSlots) {
        slots = newSlots;
        table = new long[newSlots * LONGS_PER_SLOT];
        growAt = newSlots == maxSlots ? maxEntries : (int) (newSlots * GROW_LOAD);
    }

    /** Moves the entries into a table four times larger (at most maxSlots); the current hash is kept. */
    private void grow() {
        long[] old = table;
        long high = hashHigh;
        long low = hashLow;
        allocate(slots >= maxSlots / 4 ? maxSlots : largestPrimeAtMost(slots * 4));
        for (int at = 0; at < old.length; at += LONGS_PER_SLOT) {
            if (old[at + 2] != 0) {
                hashHigh = old[at];
                hashLow = old[at + 1];
                int to = find() * LONGS_PER_SLOT;
                table[to] = hashHigh;
                table[to + 1] = hashLow;
                table[to + 2] = old[at + 2];
            }
        }
        hashHigh = high;
        hashLow = low;
    }

    /** The slot holding the current hash, or the free slot where it would go. */
    private int find() {
        // The top 32 bits of each hash half scaled to the range by a multiply (no division: two 64-bit remainders
        // were most of a lookup's time when the table fits the caches).
        int slot = (int) (((hashHigh >>> 32) * slots) >>> 32);
        int step = 1 + (int) (((hashLow >>> 32) * (slots - 1)) >>> 32);    // never 0; coprime with a prime
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
        hash(key, key.position(), key.remaining());
    }

    private void hash(ByteBuffer buffer, int from, int length) {
        if (buffer.hasArray()) {
            hash(buffer.array(), buffer.arrayOffset() + from, length);
            return;
        }
        if (scratch.length < length) {
            scratch = new byte[Math.max(length, scratch.length * 2)];
        }
        buffer.get(from, scratch, 0, length);       // keys are short: one bulk copy, then the array hash
        hash(scratch, 0, length);
    }

    private void hash(byte[] bytes, int from, int length) {
        hasher.hash(bytes, from, length);
        hashHigh = hasher.high();
        hashLow = hasher.low();
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
