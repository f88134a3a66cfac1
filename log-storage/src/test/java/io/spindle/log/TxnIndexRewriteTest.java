package io.spindle.log;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A rebuilt {@code .txnindex} replaces its file only when the bytes differ: a file that already holds exactly the
 * rebuilt entries (after a kill -9, the header alone of nearly every active segment) is kept, the same file.
 */
class TxnIndexRewriteTest {
    @TempDir
    Path dir;

    private Object fileKey(Path file) throws Exception {
        return Files.readAttributes(file, BasicFileAttributes.class).fileKey();
    }

    @Test
    void aRebuiltIndexEqualToItsFileKeepsTheFileAndADifferentOneReplacesIt() throws Exception {
        Path file = dir.resolve(Segment.fileName(0, TxnIndex.SUFFIX));
        TxnIndex index = TxnIndex.create(file);
        Object created = fileKey(file);

        assertFalse(index.writeAll(List.of()), "the header alone was rewritten");
        assertEquals(created, fileKey(file));

        AbortedTransaction aborted = new AbortedTransaction(7, 3, 5, 3);
        assertTrue(index.writeAll(List.of(aborted)), "an index with a new entry was not written");
        Object replaced = fileKey(file);
        assertFalse(created.equals(replaced), "the file was not replaced");

        assertFalse(index.writeAll(List.of(aborted)));
        assertEquals(replaced, fileKey(file));
        TxnIndex reread = TxnIndex.onDisk(file);
        assertTrue(reread.ensureLoaded(0, 10));
        assertEquals(List.of(aborted), reread.entries());
        index.close();
    }
}
