package io.spindle.log;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.function.BiConsumer;
import java.util.function.BiFunction;
import java.util.zip.CRC32C;

/**
 * The format the data directory's records share ({@link CleanShutdown}, {@link RecoveryPoints}): one entry per
 * partition directory, written whole or not at all. Big-endian: magic (int), version (short), unused (short), entry
 * count (int), the entries (directory name as a short length and UTF-8 bytes, then the record's fixed-size fields),
 * CRC32C of everything before it (int). A record that is missing, damaged, of another magic or version, or whose
 * entries do not fill exactly what the CRC covers reads as empty.
 */
final class DirectoryRecord {
    private static final int HEADER = 4 + 2 + 2 + 4;

    private DirectoryRecord() {
    }

    /**
     * The bytes of a record of {@code entries} by directory name, each written by {@code fields} in exactly
     * {@code fieldBytes} bytes; ready to be written (flipped).
     */
    static <E> ByteBuffer encode(int magic, short version, Map<String, E> entries, int fieldBytes,
                                 BiConsumer<ByteBuffer, E> fields) {
        int size = HEADER + 4;
        for (String name : entries.keySet()) {
            size += 2 + name.getBytes(StandardCharsets.UTF_8).length + fieldBytes;
        }
        ByteBuffer b = ByteBuffer.allocate(size);
        b.putInt(magic).putShort(version).putShort((short) 0).putInt(entries.size());
        for (Map.Entry<String, E> entry : entries.entrySet()) {
            byte[] name = entry.getKey().getBytes(StandardCharsets.UTF_8);
            b.putShort((short) name.length).put(name);
            fields.accept(b, entry.getValue());
        }
        CRC32C crc = new CRC32C();
        crc.update(b.array(), 0, b.position());
        return b.putInt((int) crc.getValue()).flip();
    }

    /**
     * The entries of the record in {@code file} by directory name, each read by {@code fields} from the bytes after its
     * name (null when its values are impossible, which makes the whole record read as empty); empty when there is no
     * record or it is damaged.
     */
    static <E> Map<String, E> read(Path file, int magic, short version, BiFunction<String, ByteBuffer, E> fields)
            throws IOException {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            return Map.of();
        }
        if (bytes.length < HEADER + 4) {
            return Map.of();
        }
        ByteBuffer b = ByteBuffer.wrap(bytes);
        CRC32C crc = new CRC32C();
        crc.update(bytes, 0, bytes.length - 4);
        if (b.getInt(0) != magic || b.getShort(4) != version || b.getInt(bytes.length - 4) != (int) crc.getValue()) {
            return Map.of();
        }
        int count = b.getInt(8);
        b.position(HEADER).limit(bytes.length - 4);
        Map<String, E> entries = new HashMap<>();
        try {
            for (int i = 0; i < count; i++) {
                byte[] name = new byte[b.getShort() & 0xFFFF];
                b.get(name);
                String directory = new String(name, StandardCharsets.UTF_8);
                E entry = fields.apply(directory, b);
                if (entry == null) {
                    return Map.of();
                }
                entries.put(directory, entry);
            }
        } catch (RuntimeException e) {
            return Map.of(); // a count or a length that does not fit what the CRC covered
        }
        return b.remaining() == 0 ? entries : Map.of();
    }
}
