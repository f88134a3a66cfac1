package io.spindle.log;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A seal writes an index's entries over whatever file of that name is there (an active segment's index file written by
 * an older version, which wrote them at every clean stop) and leaves the file exactly as long as its entries, so that
 * the next start loads those entries and no stale one after them.
 */
class SparseIndexTest {
    private static final int MAX_ENTRIES = 1000;

    @TempDir
    Path dir;

    private Path file() {
        return dir.resolve("00000000000000000000.index");
    }

    @Test
    void aSealWritesTheEntriesOverALongerStaleFileAndCutsItToTheirLength() throws Exception {
        Files.write(file(), new byte[64]);
        SparseIndex index = SparseIndex.offsetIndex(file(), MAX_ENTRIES);
        index.append(0, 0);
        index.append(5, 4096);
        index.seal();
        assertEquals(16, Files.size(file()), "the stale entries past the two sealed ones were kept");
        try (SparseIndex loaded = SparseIndex.load(file(), 4, MAX_ENTRIES, 1 << 20, false)) {
            assertEquals(2, loaded.entries());
            assertEquals(5, loaded.key(1));
            assertEquals(4096, loaded.value(1));
        } finally {
            index.close();
        }
    }

    @Test
    void aTimeIndexSealedAfterAClearHoldsOnlyTheEntriesAddedSince() throws Exception {
        SparseIndex index = SparseIndex.timeIndex(file(), MAX_ENTRIES);
        index.append(100, 0);
        index.append(200, 3);
        index.clear();
        index.append(150, 1);
        index.seal();
        assertEquals(12, Files.size(file()));
        try (SparseIndex loaded = SparseIndex.load(file(), 8, MAX_ENTRIES, Integer.MAX_VALUE, false)) {
            assertEquals(1, loaded.entries());
            assertEquals(150, loaded.key(0));
            assertEquals(1, loaded.value(0));
        } finally {
            index.close();
        }
    }
}
