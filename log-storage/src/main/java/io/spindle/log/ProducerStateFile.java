package io.spindle.log;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.zip.CRC32C;

/**
 * A snapshot of a partition's {@link ProducerStateTable} and of its {@link TransactionTracker}'s open transactions and
 * coordinator epochs as of one offset (every batch below it counted, none at or above), in the file
 * {@code producer-state} of the partition directory, so that a start reads the batch headers only from that offset on
 * instead of every header of the log. Written at each roll (the offset is the new active
 * segment's base) and at a clean close (the log end); deleted when the log is truncated, since the batches it counted
 * may be gone.
 *
 * <p>Format, big-endian: magic "SPPS" (int), version (short, 2), unused (short), offset (long), length of the table
 * (int), the table ({@link ProducerStateTable#writeTo}), length of the transactions (int), the transactions
 * ({@link TransactionTracker#writeTo}), CRC32C of everything before it (int). Version 1 had no transactions: such a
 * file is not used (the start then reads every header, which finds the open transactions). Written over the old file
 * in place, not forced: a snapshot torn by a crash or a power loss fails its length check or its CRC, one the disk did
 * not take is an older one, and the start then reads more headers (from an older offset, or all of them). In place,
 * not through a temporary file and a rename: at a clean stop of 10,000 partitions the creation of 10,000 files and
 * the renames over (and so the freeing of) 10,000 others were about half of the stop (docs/benchmarks.md, "A clean stop
 * of 10,000 partitions"). Never cut to zero length first either: ext4 starts the write-back of a file cut to zero and
 * written again when it is closed.
 */
final class ProducerStateFile {
    static final String FILE_NAME = "producer-state";
    private static final int MAGIC = 0x53505053;
    private static final short VERSION = 2;
    private static final int HEADER = 4 + 2 + 2 + 8 + 4;

    private ProducerStateFile() {
    }

    /** Writes {@code producers} and {@code transactions} as of {@code offset}. */
    static void write(Path dir, ProducerStateTable producers, TransactionTracker transactions, long offset)
            throws IOException {
        int tableSize = producers.serializedSize();
        int transactionsSize = transactions.serializedSize();
        ByteBuffer b = ByteBuffer.allocate(HEADER + tableSize + 4 + transactionsSize + 4);
        b.putInt(MAGIC).putShort(VERSION).putShort((short) 0).putLong(offset).putInt(tableSize);
        producers.writeTo(b);
        b.putInt(transactionsSize);
        transactions.writeTo(b);
        CRC32C crc = new CRC32C();
        crc.update(b.array(), 0, b.position());
        b.putInt((int) crc.getValue()).flip();
        FileWrites.overwrite(dir.resolve(FILE_NAME), b);
    }

    /**
     * Loads the snapshot into {@code producers} and {@code transactions} and returns its offset; -1 (and both left
     * empty) when there is none or it is damaged.
     */
    static long read(Path dir, ProducerStateTable producers, TransactionTracker transactions) throws IOException {
        producers.clear();
        transactions.clear();
        long offset = readInto(dir, producers, transactions);
        if (offset < 0) {
            producers.clear();
            transactions.clear();
        }
        return offset;
    }

    private static long readInto(Path dir, ProducerStateTable producers, TransactionTracker transactions)
            throws IOException {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(dir.resolve(FILE_NAME));
        } catch (NoSuchFileException e) {
            return -1;
        }
        if (bytes.length < HEADER + 4) {
            return -1;
        }
        ByteBuffer b = ByteBuffer.wrap(bytes);
        int tableSize = b.getInt(16);
        if (b.getInt(0) != MAGIC || b.getShort(4) != VERSION || tableSize < 0
                || HEADER + (long) tableSize + 4 + 4 > bytes.length) {
            return -1;
        }
        int transactionsAt = HEADER + tableSize + 4;
        int transactionsSize = b.getInt(transactionsAt - 4);
        if (transactionsSize < 0 || transactionsAt + (long) transactionsSize + 4 != bytes.length) {
            return -1;
        }
        CRC32C crc = new CRC32C();
        crc.update(bytes, 0, bytes.length - 4);
        if (b.getInt(bytes.length - 4) != (int) crc.getValue()) {
            return -1;
        }
        long offset = b.getLong(8);
        if (offset < 0) {
            return -1;
        }
        try {
            producers.readFrom(b.position(HEADER).limit(HEADER + tableSize).slice());
            transactions.readFrom(b.limit(transactionsAt + transactionsSize).position(transactionsAt).slice());
        } catch (IllegalArgumentException e) {
            return -1;
        }
        return offset;
    }

    static void delete(Path dir) throws IOException {
        Files.deleteIfExists(dir.resolve(FILE_NAME));
    }
}
