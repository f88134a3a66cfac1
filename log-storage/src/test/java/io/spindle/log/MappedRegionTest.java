package io.spindle.log;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A mapped file: its length after open, its byte order, and what it refuses. */
class MappedRegionTest {
    @TempDir
    Path dir;

    @Test
    void aShortFileIsExtendedToExactlyTheCapacity() throws IOException {
        Path file = dir.resolve("short");
        Files.write(file, new byte[10]);
        try (MappedRegion region = MappedRegion.open(file.toFile(), 5000)) {
            assertEquals(5000, region.capacity());
        }
        assertEquals(5000, Files.size(file), "no rounding up to a page");
    }

    @Test
    void aFileLongerThanTheCapacityKeepsItsLength() throws IOException {
        Path file = dir.resolve("long");
        Files.write(file, new byte[7000]);
        MappedRegion.open(file.toFile(), 100).close();
        assertEquals(7000, Files.size(file));
    }

    @Test
    void valuesAreBigEndianAndSharedWithTheChannel() throws IOException {
        Path file = dir.resolve("order");
        try (MappedRegion region = MappedRegion.open(file.toFile(), 64)) {
            region.putInt(4, 0x01020304);
            region.putLong(8, 0x1122334455667788L);
            ByteBuffer written = ByteBuffer.allocate(4).putInt(0, 0x0A0B0C0D);
            region.write(20, written);
            assertEquals(0x0A0B0C0D, region.getInt(20), "a positional write is visible through the mapping");
            assertEquals((short) 0x0102, region.getShort(4));
            assertEquals((byte) 0x11, region.getByte(8));
            region.zero(8, 4);
            assertEquals(0x55667788L, region.getLong(8));
        }
        byte[] bytes = Files.readAllBytes(file);
        assertEquals(0x02, bytes[5]);
        assertEquals(0x04, bytes[7]);
        assertEquals(0x0D, bytes[23]);
    }

    @Test
    void aMappingOverTwoGibibytesIsRefusedNamingTheFile() {
        Path file = dir.resolve("huge");
        IOException e = assertThrows(IOException.class, () -> MappedRegion.open(file.toFile(), 1L << 31));
        assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
    }

    @Test
    void anAccessOutsideTheMappingThrowsInsteadOfReadingOtherMemory() throws IOException {
        try (MappedRegion region = MappedRegion.open(dir.resolve("bounds").toFile(), 16)) {
            assertThrows(IndexOutOfBoundsException.class, () -> region.getLong(12));
            assertThrows(IndexOutOfBoundsException.class, () -> region.getInt(-1));
        }
    }
}
