package io.spindle.log;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spindle.fixtures.Tmpfs;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A short write is a failed write. The short write is a real one: a tmpfs with three free pages takes the part of a
 * larger write that fits and returns its length without an error, as a FUSE filesystem does when a later request of
 * a write fails (skipped where no tmpfs can be mounted).
 */
class FileWritesTest {
    @TempDir
    Path dir;

    @Test
    void aWriteThatStopsPartWayFailsNamingTheFileThePositionAndHowFarItGot() throws Exception {
        try (Tmpfs disk = Tmpfs.mount(dir, "1m")) {
            Path filler = disk.root().resolve("filler");
            try (FileChannel fill = FileChannel.open(filler, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
                ByteBuffer page = ByteBuffer.allocate(4096);
                try {
                    while (true) {
                        fill.write(page.clear());
                    }
                } catch (IOException full) {
                    fill.truncate(fill.size() - 3 * 4096);   // three pages free
                }
            }
            Path file = disk.root().resolve("00000000000000000000.log");
            ByteBuffer source = ByteBuffer.wrap(new byte[40_000]);
            try (FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
                IOException failure = assertThrows(IOException.class,
                        () -> FileWrites.write(channel, source, 100, file));
                Matcher m = Pattern.compile("short write to " + Pattern.quote(file.toString())
                        + " at position 100: (\\d+) of 40000 bytes written").matcher(failure.getMessage());
                assertTrue(m.find(), failure.getMessage());
                long written = Long.parseLong(m.group(1));
                assertTrue(written > 0 && written < 40_000, failure.getMessage());
                assertEquals(100 + written, channel.size(), "what the write did take stays, nothing more is written");
            }
            assertEquals(0, source.position(), "the source's position");
        }
    }

    @Test
    void aWholeWriteLandsAtItsPositionAndLeavesTheSourceAsItWas() throws Exception {
        Path file = dir.resolve("00000000000000000000.index");
        byte[] bytes = new byte[10_000];
        Arrays.fill(bytes, (byte) 7);
        ByteBuffer source = ByteBuffer.wrap(bytes).position(1_000);
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            FileWrites.write(channel, source, 50, file);
        }
        assertEquals(1_000, source.position());
        byte[] content = Files.readAllBytes(file);
        assertEquals(50 + 9_000, content.length);
        assertArrayEquals(new byte[50], Arrays.copyOfRange(content, 0, 50));
        assertArrayEquals(Arrays.copyOfRange(bytes, 1_000, 10_000), Arrays.copyOfRange(content, 50, content.length));
    }

    @Test
    void anOverwriteLeavesTheFileExactlyTheNewBytesAndNoTemporaryFile() throws Exception {
        Path file = dir.resolve("producer-state");
        byte[] longer = new byte[5_000];
        Arrays.fill(longer, (byte) 1);
        FileWrites.overwrite(file, ByteBuffer.wrap(longer));
        byte[] shorter = new byte[300];
        Arrays.fill(shorter, (byte) 2);
        ByteBuffer source = ByteBuffer.wrap(shorter);
        FileWrites.overwrite(file, source);
        assertArrayEquals(shorter, Files.readAllBytes(file), "the old bytes past the new ones were kept");
        assertEquals(0, source.position());
        try (var entries = Files.list(dir)) {
            assertEquals(1, entries.count(), "files left beside it");
        }
    }
}
