package io.spindle.broker.share;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** The byte search that lets a batch without the header skip decoding, and the header's value. */
class DeliverAtHeadersTest {
    private static final byte[] NAME = DeliverAtHeaders.HEADER.getBytes(StandardCharsets.UTF_8);

    @Test
    void theNameIsFoundAtTheStartInTheMiddleAndAtTheEndOfTheRangeSearched() {
        for (int at : new int[] {0, 1, 500, 1024 - NAME.length}) {
            byte[] bytes = filler(1024);
            System.arraycopy(NAME, 0, bytes, at, NAME.length);
            assertTrue(DeliverAtHeaders.contains(bytes, 0, bytes.length), "name at " + at);
        }
    }

    @Test
    void theNameCutByTheRangeOrAlmostThereIsNotFound() {
        byte[] bytes = filler(1024);
        System.arraycopy(NAME, 0, bytes, 100, NAME.length);
        assertFalse(DeliverAtHeaders.contains(bytes, 101, bytes.length), "starts before the range");
        assertFalse(DeliverAtHeaders.contains(bytes, 0, 100 + NAME.length - 1), "ends after the range");
        byte[] almost = Arrays.copyOf(NAME, NAME.length);
        almost[0] = 'S';
        byte[] other = filler(1024);
        System.arraycopy(almost, 0, other, 300, almost.length);
        assertFalse(DeliverAtHeaders.contains(other, 0, other.length), "one byte differs");
        assertFalse(DeliverAtHeaders.contains(new byte[5], 0, 5), "shorter than the name");
    }

    @Test
    void aValueIsDecimalEpochMillisAndAnythingElseMeansNoWait() {
        assertEquals(1796083200000L, DeliverAtHeaders.parse("1796083200000".getBytes(StandardCharsets.US_ASCII)));
        assertEquals(0, DeliverAtHeaders.parse("-5".getBytes(StandardCharsets.US_ASCII)));
        assertEquals(0, DeliverAtHeaders.parse(new byte[0]));
        assertEquals(0, DeliverAtHeaders.parse("1234567890123456789".getBytes(StandardCharsets.US_ASCII)));
    }

    /** Bytes that share letters with the name, so the search has to compare, not only skip. */
    private static byte[] filler(int size) {
        byte[] bytes = new byte[size];
        byte[] pattern = "spindle.deliver.a-spindle.at".getBytes(StandardCharsets.US_ASCII);
        for (int i = 0; i < size; i++) {
            bytes[i] = pattern[i % pattern.length];
        }
        return bytes;
    }
}
