package io.spindle.log;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An active segment's index writes its file only when the file does not already hold every entry (a clean stop of
 * thousands of partitions rewrote thousands of unchanged files), and a rewrite leaves the file exactly as long as its
 * entries. Whether a write happened is seen by deleting the file behind the index's back: a write brings it back.
 */
class SparseIndexTest {
    private static final int MAX_ENTRIES = 1000;

    @TempDir
    Path dir;

    private Path file() {
        return dir.resolve("00000000000000000000.index");
    }

    @Test
    void anUnforcedFlushOfEntriesAlreadyWrittenLeavesTheFileAlone() throws Exception {
        SparseIndex index = SparseIndex.offsetIndex(file(), MAX_ENTRIES);
        index.append(0, 0);
        index.append(5, 4096);
        index.flushToFile(false);
        assertEquals(16, Files.size(file()));
        Files.delete(file());
        index.flushToFile(false);
        assertFalse(Files.exists(file()), "the unchanged entries were written again");
        index.append(9, 8192);
        index.flushToFile(false);
        assertEquals(24, Files.size(file()), "the new entry was not written");
    }

    @Test
    void anIndexLoadedFromItsFileIsNotWrittenAgainUntilItChanges() throws Exception {
        SparseIndex written = SparseIndex.offsetIndex(file(), MAX_ENTRIES);
        written.append(0, 0);
        written.append(5, 4096);
        written.flushToFile(true);
        SparseIndex loaded = SparseIndex.load(file(), 4, MAX_ENTRIES, 1 << 20, true);
        assertEquals(2, loaded.entries());
        Files.delete(file());
        loaded.flushToFile(false);
        assertFalse(Files.exists(file()), "the entries just loaded were written again");
        loaded.flushToFile(true);
        assertEquals(16, Files.size(file()), "a forced flush must write");
    }

    @Test
    void aRewriteAfterAClearCutsTheFileToTheEntriesLeft() throws Exception {
        SparseIndex index = SparseIndex.timeIndex(file(), MAX_ENTRIES);
        index.append(100, 0);
        index.append(200, 3);
        index.append(300, 7);
        index.flushToFile(false);
        assertEquals(36, Files.size(file()));
        index.clear();
        index.append(150, 1);
        index.flushToFile(false);
        assertEquals(12, Files.size(file()), "the old entries past the new one were kept");
        SparseIndex loaded = SparseIndex.load(file(), 8, MAX_ENTRIES, Integer.MAX_VALUE, true);
        assertEquals(1, loaded.entries());
        assertEquals(150, loaded.key(0));
        assertEquals(1, loaded.value(0));
    }

    @Test
    void aClearedIndexWithTheSameCountIsWrittenAgain() throws Exception {
        SparseIndex index = SparseIndex.offsetIndex(file(), MAX_ENTRIES);
        index.append(0, 0);
        index.flushToFile(false);
        index.clear();
        index.append(3, 64);
        index.flushToFile(false);
        SparseIndex loaded = SparseIndex.load(file(), 4, MAX_ENTRIES, 1 << 20, true);
        assertTrue(loaded != null && loaded.entries() == 1, "loaded " + loaded);
        assertEquals(3, loaded.key(0), "the file still holds the entry from before the clear");
    }
}
