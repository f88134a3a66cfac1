package io.spindle.log.compact;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The cleaner's checkpoint file: what it writes is read back after a restart; a damaged file reads as empty. */
class CleanerCheckpointTest {
    @TempDir
    Path dir;

    @Test
    void offsetsWrittenAreReadBackByTheNextRun() throws Exception {
        String[] damage = new String[1];
        CleanerCheckpoint first = CleanerCheckpoint.read(dir, damage);
        assertEquals(-1, first.get("orders-0"), "never cleaned");
        first.put("orders-0", 120);
        first.put("my-topic-12", 7);

        CleanerCheckpoint second = CleanerCheckpoint.read(dir, damage);
        assertNull(damage[0]);
        assertEquals(Map.of("orders-0", 120L, "my-topic-12", 7L), second.asMap());
        assertEquals("0\n2\nmy-topic-12 7\norders-0 120\n",
                Files.readString(dir.resolve(CleanerCheckpoint.FILE_NAME), StandardCharsets.UTF_8));
        assertTrue(Files.notExists(dir.resolve(CleanerCheckpoint.FILE_NAME + ".tmp")));
    }

    @Test
    void aDamagedFileIsReadAsEmptyAndNamed() throws Exception {
        Files.writeString(dir.resolve(CleanerCheckpoint.FILE_NAME), "0\n3\norders-0 12\n");
        String[] damage = new String[1];
        CleanerCheckpoint checkpoint = CleanerCheckpoint.read(dir, damage);
        assertEquals(Map.of(), checkpoint.asMap());
        assertTrue(damage[0].contains(CleanerCheckpoint.FILE_NAME) && damage[0].contains("promises 3 entries"),
                damage[0]);
    }

    @Test
    void deletedLogsAreForgotten() throws Exception {
        CleanerCheckpoint checkpoint = CleanerCheckpoint.read(dir, new String[1]);
        checkpoint.put("a-0", 1);
        checkpoint.put("b-0", 2);
        checkpoint.retainOnly(Set.of("b-0"));
        assertEquals(Map.of("b-0", 2L), CleanerCheckpoint.read(dir, new String[1]).asMap());
    }
}
