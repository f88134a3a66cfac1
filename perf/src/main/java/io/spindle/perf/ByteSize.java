package io.spindle.perf;

import java.util.Locale;

/** Sizes on the command line: a whole number of bytes, or with k, m or g (KiB, MiB, GiB): {@code 256m}, {@code 1g}. */
final class ByteSize {
    private ByteSize() {
    }

    /** @throws IllegalArgumentException naming the text when it is not such a size, or not positive */
    static long parse(String text) {
        String s = text.strip().toLowerCase(Locale.ROOT);
        int shift = switch (s.isEmpty() ? ' ' : s.charAt(s.length() - 1)) {
            case 'k' -> 10;
            case 'm' -> 20;
            case 'g' -> 30;
            default -> 0;
        };
        String digits = shift == 0 ? s : s.substring(0, s.length() - 1);
        long value;
        try {
            value = Long.parseLong(digits);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + text + "' is not a size: a whole number of bytes, or one with k, m or g");
        }
        if (value <= 0 || value > (Long.MAX_VALUE >> shift)) {
            throw new IllegalArgumentException("Size '" + text + "' must be positive and below 8 EiB");
        }
        return value << shift;
    }
}
