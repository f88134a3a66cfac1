package io.spindle.log;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.OptionalLong;

/**
 * The file a log leaves in its directory when it goes offline: the last offset it had forced. After a failed write
 * or fsync, the page cache may still hold bytes the disk never took (a failed write-back leaves the pages clean, so
 * a restart without a reboot reads them back, whole and with valid CRCs). Recovery alone would keep them and call
 * them durable; with this file the next open cuts the log back to the offset below which every byte was forced.
 * Nothing above it was ever acknowledged (an offline log acknowledges nothing more), so the cut loses nothing
 * acknowledged in {@code flush.mode=fsync}; in the other modes it drops records the page cache held, which those
 * modes never promised to keep.
 *
 * <p>Format: the offset in decimal and a newline, written to a temporary file, forced, renamed, and the directory
 * forced. Writing it is best effort (the disk is failing); {@link #read} ignores a damaged file.
 */
final class OfflineMarker {
    static final String FILE_NAME = "offline";

    private OfflineMarker() {
    }

    static void write(Path dir, long forcedOffset) throws IOException {
        FileWrites.replaceDurably(dir.resolve(FILE_NAME),
                ByteBuffer.wrap((forcedOffset + "\n").getBytes(StandardCharsets.US_ASCII)));
    }

    /** The forced offset a marker records; empty when there is none or it does not parse. */
    static OptionalLong read(Path dir) throws IOException {
        try {
            String text = Files.readString(dir.resolve(FILE_NAME), StandardCharsets.US_ASCII).trim();
            long offset = Long.parseLong(text);
            return offset >= 0 ? OptionalLong.of(offset) : OptionalLong.empty();
        } catch (NoSuchFileException e) {
            return OptionalLong.empty();
        } catch (NumberFormatException e) {
            return OptionalLong.empty();
        }
    }

    static void delete(Path dir) throws IOException {
        if (Files.deleteIfExists(dir.resolve(FILE_NAME))) {
            Checkpoint.forceDirectory(dir);
        }
    }
}
