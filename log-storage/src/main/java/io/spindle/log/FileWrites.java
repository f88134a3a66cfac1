package io.spindle.log;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * Positional writes to files that treat a short write as a failed write.
 *
 * <p>A write(2) to a regular file returns fewer bytes than asked only when it stopped part-way: Linux reports the
 * bytes that did get written and drops the error that stopped the rest (an I/O error, a full disk, a file size limit).
 * On a FUSE or network filesystem one write becomes several requests (FUSE without a write-back cache sends a page
 * that is not wholly in the page cache as a request of its own, so an append that starts inside such a page is two
 * requests), and an I/O error in any request after the first comes back as a short count, with no errno. Writing the
 * rest again, as a loop over a socket would, can then succeed where the disk just failed, and the log would go on
 * acknowledging after a failure: {@code FsyncFailureTest}'s failed-write case did, in about one run in three, when
 * crashfs failed the second request of an append. So the rest is not retried: the write fails, naming the file, the
 * position and how far it got.
 */
final class FileWrites {
    /** Linux writes at most 0x7ffff000 bytes in one call; pieces of 1 GiB stay below that, so each must be whole. */
    private static final int PIECE = 1 << 30;

    private FileWrites() {
    }

    /**
     * Writes {@code source}'s remaining bytes at {@code position} of {@code file} through {@code channel}, leaving
     * source's position unchanged.
     *
     * @throws IOException when the operating system fails the write, or writes only part of it
     */
    static void write(FileChannel channel, ByteBuffer source, long position, Path file) throws IOException {
        ByteBuffer piece = source.duplicate();
        int end = source.limit();
        long at = position;
        while (piece.position() < end) {
            int length = Math.min(PIECE, end - piece.position());
            piece.limit(piece.position() + length);
            int written = channel.write(piece, at);
            if (written != length) {
                throw new IOException("short write to " + file + " at position " + at + ": " + written + " of "
                        + length + " bytes written; the rest failed (a file write stops part-way only on an error, "
                        + "such as an I/O error, that the operating system does not report)");
            }
            at += length;
        }
    }

    /**
     * Makes {@code file} (created if missing) hold exactly {@code source}'s remaining bytes, written over its old bytes
     * in place and not forced: for files that are checked when read (a length and a CRC), so that a write torn by a
     * crash is found and an older whole one is still correct. Never cuts the file to zero length first: ext4 starts the
     * write-back of a file cut to zero and written again when it is closed (its {@code auto_da_alloc}), a disk write per
     * file where none is wanted.
     */
    static void overwrite(Path file, ByteBuffer source) throws IOException {
        overwrite(file, source, false);
    }

    /** As {@link #overwrite(Path, ByteBuffer)}, forcing the file when {@code force}. */
    static void overwrite(Path file, ByteBuffer source, boolean force) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            write(ch, source, 0, file);
            ch.truncate(source.remaining());
            if (force) {
                ch.force(true);
            }
        }
    }

    /**
     * Replaces {@code file} with {@code source}'s remaining bytes so that a crash or power loss at any point leaves
     * either the old file or the new one, whole: the bytes go to {@code <file>.tmp} (which a partition's load deletes
     * as a leftover), which is forced, renamed over {@code file}, and the directory is forced. For the small files
     * beside the segments (the checkpoint, the leader epochs, the offline marker).
     */
    static void replaceDurably(Path file, ByteBuffer source) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            write(ch, source, 0, tmp);
            ch.force(true);
        }
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        Checkpoint.forceDirectory(file.getParent());
    }

    /**
     * Writes {@code file} in place with {@code source}'s remaining bytes, forcing nothing: only for a file of which no
     * valid version exists, so that whatever a crash leaves (nothing, a part, the whole) is either this version or
     * something its reader takes for missing (the first leader epochs of a new log, {@link LeaderEpochCache}).
     */
    static void replace(Path file, ByteBuffer source) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            write(ch, source, 0, file);
        }
    }
}
