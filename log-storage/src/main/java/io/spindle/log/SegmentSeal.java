package io.spindle.log;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.zip.CRC32C;

/**
 * What a sealed segment held when it was sealed, in a small checksummed file beside it ({@code <base>.seal}), so that
 * a start takes the segment at its word instead of reading its batches: its base offset, the offset after its last
 * batch, its length in bytes, and its largest timestamp and where that was first reached.
 *
 * <p>It is written after the segment was trimmed and forced ({@link Segment#seal}), and deleted with the segment. A
 * start uses it only when it reads back intact (magic, version, CRC) and agrees with the directory (the base offset
 * in the file name, the file's length); otherwise the segment is loaded batch by batch as before. What the seal does
 * not prove, that the bytes are still the bytes that were sealed, the segment checks on its first use or in the
 * background ({@link Segment#ensureVerified}): every batch's length, magic, offsets and CRC32C.
 *
 * <p>Format, big-endian, {@code SIZE} bytes: magic "SPSL" (int), version (short, 1), unused (short), baseOffset,
 * nextOffset, sizeInBytes, maxTimestamp, offsetOfMaxTimestamp (longs), CRC32C of the preceding bytes (int). Version 1
 * is the first. Written to a temporary file and renamed, so a crash leaves the whole file or none; it is not forced
 * (a seal lost to a power loss only makes the next start check that segment batch by batch).
 */
record SegmentSeal(long baseOffset, long nextOffset, long sizeInBytes, long maxTimestamp, long offsetOfMaxTimestamp) {
    static final String SUFFIX = ".seal";
    private static final int MAGIC = 0x5350534C;
    private static final short VERSION = 1;
    private static final int SIZE = 52;

    static Path file(Path dir, long baseOffset) {
        return dir.resolve(Segment.fileName(baseOffset, SUFFIX));
    }

    /** The seal of the segment at {@code baseOffset}; null when there is none or it is damaged. */
    static SegmentSeal read(Path dir, long baseOffset) throws IOException {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file(dir, baseOffset));
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
        SegmentSeal seal = new SegmentSeal(b.getLong(8), b.getLong(16), b.getLong(24), b.getLong(32), b.getLong(40));
        boolean consistent = seal.baseOffset == baseOffset && seal.nextOffset >= baseOffset && seal.sizeInBytes >= 0
                && seal.sizeInBytes <= Integer.MAX_VALUE && (seal.sizeInBytes == 0) == (seal.nextOffset == baseOffset);
        return consistent ? seal : null;
    }

    /** Writes the seal (temporary file, then a rename over any old one). */
    void write(Path dir) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(SIZE);
        b.putInt(MAGIC).putShort(VERSION).putShort((short) 0).putLong(baseOffset).putLong(nextOffset)
                .putLong(sizeInBytes).putLong(maxTimestamp).putLong(offsetOfMaxTimestamp);
        CRC32C crc = new CRC32C();
        crc.update(b.array(), 0, SIZE - 4);
        b.putInt((int) crc.getValue()).flip();
        Path target = file(dir, baseOffset);
        Path tmp = target.resolveSibling(target.getFileName() + ".tmp");
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            FileWrites.write(ch, b, 0, tmp);
        }
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    static void delete(Path dir, long baseOffset) throws IOException {
        Files.deleteIfExists(file(dir, baseOffset));
    }
}
