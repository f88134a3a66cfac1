package io.spindle.log.compact;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import org.junit.jupiter.api.Test;

/** The reference vectors of SipHash-2-4-128 (key 00 01 .. 0f, message 00 01 .. n-1), as published with the paper. */
class SipHash128Test {
    private static final SipHash128 REFERENCE = new SipHash128(0x0706050403020100L, 0x0f0e0d0c0b0a0908L);

    private static byte[] message(int length) {
        byte[] m = new byte[length + 3];
        for (int i = 0; i < length; i++) {
            m[3 + i] = (byte) i;
        }
        return m;
    }

    @Test
    void theReferenceVectorsOfLengthZeroOneAndTwo() {
        long[][] expected = {
            {0xe6a825ba047f81a3L, 0x930255c71472f66dL},
            {0x44af996bd8c187daL, 0x45fc229b11597634L},
            {0xc75da4a48d227781L, 0xe4ff0af6de8ba3fcL},
        };
        for (int length = 0; length < expected.length; length++) {
            REFERENCE.hash(message(length), 3, length);     // from an offset: only the slice is read
            assertEquals(expected[length][0], REFERENCE.high(), "length " + length);
            assertEquals(expected[length][1], REFERENCE.low(), "length " + length);
        }
    }

    @Test
    void anotherKeyGivesAnotherHash() {
        SipHash128 other = new SipHash128(1, 2);
        byte[] m = message(20);
        REFERENCE.hash(m, 3, 20);
        long high = REFERENCE.high();
        other.hash(m, 3, 20);
        assertNotEquals(high, other.high());
    }
}
