package io.spindle.log;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.zip.CRC32C;

/**
 * A partition's small checkpoint file: below the recovery point every byte was forced to disk, so
 * recovery scans only from there; the log start offset is where retention has cut; {@code clean} says the
 * broker closed the log cleanly, so nothing needs scanning at all.
 *
 * <p>Format, big-endian, 28 bytes ({@code SIZE}): magic "SPCK" (int), version (short, 1), clean (byte), unused
 * (byte), recoveryPoint (long), logStartOffset (long), CRC32C of the preceding 24 bytes (int). Version 1 is the
 * first. It is written to a temporary file, forced, renamed over the old one, and the directory forced,
 * so a crash leaves either the old or the new checkpoint.
 */
record Checkpoint(long recoveryPoint, long logStartOffset, boolean clean) {
    static final String FILE_NAME = "checkpoint";
    private static final int MAGIC = 0x5350434B;
    private static final short VERSION = 1;
    private static final int SIZE = 28;

    /** Reads the checkpoint; null when there is none or it is damaged (then recovery scans everything). */
    static Checkpoint read(Path dir) throws IOException {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(dir.resolve(FILE_NAME));
        } catch (NoSuchFileException e) {
            return null;
        }
        if (bytes.length != SIZE) {
            return null;
        }
        ByteBuffer b = ByteBuffer.wrap(bytes);
        CRC32C crc = new CRC32C();
        crc.update(bytes, 0, SIZE - 4);
        if (b.getInt(0) != MAGIC || b.getShort(4) != VERSION || b.getInt(SIZE - 4) != (int) crc.getValue()) {
            return null;
        }
        boolean clean = b.get(6) == 1;
        long recoveryPoint = b.getLong(8);
        long logStartOffset = b.getLong(16);
        if (recoveryPoint < 0 || logStartOffset < 0) {
            return null;
        }
        return new Checkpoint(recoveryPoint, logStartOffset, clean);
    }

    void write(Path dir) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(SIZE);
        b.putInt(MAGIC).putShort(VERSION).put((byte) (clean ? 1 : 0)).put((byte) 0)
                .putLong(recoveryPoint).putLong(logStartOffset);
        CRC32C crc = new CRC32C();
        crc.update(b.array(), 0, SIZE - 4);
        b.putInt((int) crc.getValue()).flip();
        FileWrites.replaceDurably(dir.resolve(FILE_NAME), b);
    }

    /** Forces a directory's entries (new, renamed or deleted files) to disk. */
    static void forceDirectory(Path dir) throws IOException {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        }
    }
}
