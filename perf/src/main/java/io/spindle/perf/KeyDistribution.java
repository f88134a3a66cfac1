package io.spindle.perf;

import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Which key each produced record carries. {@code none}: no key, so the producer's sticky partitioner fills
 * one batch at a time; {@code random:N}: one of N keys chosen uniformly (seeded, so runs are repeatable);
 * {@code sequential:N}: the N keys in turn. Keys are {@code key-<i>} in UTF-8, made once up front.
 *
 * <p>Not thread-safe: one instance per producing thread.
 */
public final class KeyDistribution {
    private final String spec;
    private final byte[][] keys;
    private final boolean random;
    private final SplittableRandom rng = new SplittableRandom(42);
    private int next;

    private KeyDistribution(String spec, int count, boolean random) {
        this.spec = spec;
        this.random = random;
        this.keys = new byte[count][];
        for (int i = 0; i < count; i++) {
            keys[i] = ("key-" + i).getBytes(StandardCharsets.UTF_8);
        }
    }

    /** Parses {@code none}, {@code random:N} or {@code sequential:N}. */
    public static KeyDistribution parse(String spec) {
        String s = spec.strip().toLowerCase(Locale.ROOT);
        if (s.equals("none")) {
            return new KeyDistribution("none", 0, false);
        }
        int colon = s.indexOf(':');
        String kind = colon < 0 ? s : s.substring(0, colon);
        if (colon < 0 || !(kind.equals("random") || kind.equals("sequential"))) {
            throw new IllegalArgumentException("Key distribution '" + spec
                    + "' is not one of none, random:N, sequential:N");
        }
        int count;
        try {
            count = Integer.parseInt(s.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("Key distribution '" + spec + "' needs a whole number of keys after ':'", e);
        }
        if (count < 1 || count > 10_000_000) {
            throw new IllegalArgumentException("Key distribution '" + spec + "' must have 1 to 10000000 keys");
        }
        return new KeyDistribution(kind + ":" + count, count, kind.equals("random"));
    }

    /** The key of the next record, or null for {@code none}. */
    public byte[] nextKey() {
        if (keys.length == 0) {
            return null;
        }
        if (random) {
            return keys[rng.nextInt(keys.length)];
        }
        byte[] key = keys[next];
        next = next + 1 == keys.length ? 0 : next + 1;
        return key;
    }

    /** A fresh copy with the same distribution, starting from the beginning (and the same seed). */
    public KeyDistribution copy() {
        return parse(spec);
    }

    @Override
    public String toString() {
        return spec;
    }
}
