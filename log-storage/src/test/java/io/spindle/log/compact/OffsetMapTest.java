package io.spindle.log.compact;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class OffsetMapTest {

    private static ByteBuffer key(String text) {
        return ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void aKeyMapsToTheLatestOffsetPutForIt() {
        OffsetMap map = new OffsetMap(1024);
        map.put(key("a"), 3);
        map.put(key("b"), 4);
        map.put(key("a"), 9);
        assertEquals(9, map.get(key("a")));
        assertEquals(4, map.get(key("b")));
        assertEquals(-1, map.get(key("c")));
        assertEquals(2, map.size());
        assertEquals(9, map.latestOffset());
    }

    @Test
    void theKeyIsReadFromPositionToLimitAndTheBufferIsLeftAsItWas() {
        OffsetMap map = new OffsetMap(1024);
        ByteBuffer framed = ByteBuffer.wrap("xxkeyyy".getBytes(StandardCharsets.UTF_8), 2, 3);
        map.put(framed, 7);
        assertEquals(2, framed.position());
        assertEquals(7, map.get(key("key")));
    }

    @Test
    void memoryBoundsTheKeysAndAFullMapRefusesNewKeysButUpdatesOldOnes() {
        // 2400 / (24 + 8 * 0.9) = 76 slots' worth: 73 slots (the largest prime), 65 keys
        OffsetMap map = new OffsetMap(24 * 100);
        assertEquals(65, map.capacity());
        int put = 0;
        while (map.put(key("k" + put), put)) {
            put++;
        }
        assertEquals(65, put);
        assertTrue(map.isFull());
        assertEquals(64, map.latestOffset(), "a refused put changes nothing");
        assertTrue(map.put(key("k5"), 500), "a key already there is updated");
        assertEquals(500, map.get(key("k5")));
        for (int i = 0; i < put; i++) {
            assertEquals(i == 5 ? 500 : i, map.get(key("k" + i)));
        }
    }

    @Test
    void manyKeysNearFullLoadAreAllFound() {
        OffsetMap map = new OffsetMap(24L * 200_003);
        int keys = map.capacity();
        for (int i = 0; i < keys; i++) {
            assertTrue(map.put(key("key-" + i), i));
        }
        for (int i = 0; i < keys; i++) {
            assertEquals(i, map.get(key("key-" + i)));
        }
        assertFalse(map.put(key("one-more"), keys));
    }

    @Test
    void clearEmptiesTheMapForTheNextPass() {
        OffsetMap map = new OffsetMap(1024);
        map.put(key("a"), 1);
        map.clear();
        assertEquals(-1, map.get(key("a")));
        assertEquals(0, map.size());
        assertEquals(-1, map.latestOffset());
        map.put(key("a"), 0);
        assertEquals(0, map.get(key("a")));
    }

    @Test
    void offsetsMustNotGoBackwards() {
        OffsetMap map = new OffsetMap(1024);
        map.put(key("a"), 10);
        assertThrows(IllegalArgumentException.class, () -> map.put(key("b"), 9));
    }

    @Test
    void anEmptyKeyIsAKeyLikeAnyOther() {
        OffsetMap map = new OffsetMap(1024);
        map.put(key(""), 2);
        assertEquals(2, map.get(key("")));
        assertEquals(-1, map.get(key("a")));
    }

    @Test
    void tooLittleMemoryIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> new OffsetMap(47));
    }

    @Test
    void theTableGrowsFromSmallAndKeepsEveryKeyAcrossTheGrowths() {
        OffsetMap map = new OffsetMap(32L << 20);
        int keys = 100_000;                             // past INITIAL_SLOTS * GROW_LOAD several times over
        for (int i = 0; i < keys; i++) {
            assertTrue(map.put(key("k" + i), i));
        }
        map.put(key("k7"), keys);
        assertEquals(keys, map.size());
        for (int i = 0; i < keys; i++) {
            assertEquals(i == 7 ? keys : i, map.get(key("k" + i)));
        }
        map.clear();
        assertEquals(-1, map.get(key("k1")));
        assertEquals(0, map.size());
    }

    @Test
    void latestOffsetsComeAscendingOnePerKey() {
        OffsetMap map = new OffsetMap(1 << 20);
        map.put(key("a"), 1);
        map.put(key("b"), 2);
        map.put(key("a"), 5);
        byte[] c = "xcx".getBytes(StandardCharsets.UTF_8);
        map.put(c, 1, 1, 9);
        map.put(key("b"), 12);

        long[] offsets = map.latestOffsetsAscending();

        assertEquals(3, map.size());
        assertEquals(List.of(5L, 9L, 12L), List.of(offsets[0], offsets[1], offsets[2]));
        assertEquals(9, map.get(key("c")), "a key given as an array slice is the same key as in a buffer");
    }
}
