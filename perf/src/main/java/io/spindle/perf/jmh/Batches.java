package io.spindle.perf.jmh;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.SimpleRecord;

/** Inputs of the benchmarks: record batches as a producer frames them, and scratch directories. */
final class Batches {
    private Batches() {
    }

    /** One v2 batch of {@code count} records of {@code recordBytes} random-ish bytes, encoded by kafka-clients. */
    static ByteBuffer batch(int count, int recordBytes) {
        SimpleRecord[] records = new SimpleRecord[count];
        byte[] value = new byte[recordBytes];
        for (int i = 0; i < value.length; i++) {
            value[i] = (byte) (i * 31 + 7);
        }
        long now = System.currentTimeMillis();
        for (int i = 0; i < count; i++) {
            records[i] = new SimpleRecord(now, value);
        }
        return MemoryRecords.withRecords(Compression.NONE, records).buffer();
    }

    static ByteBuffer direct(ByteBuffer heap) {
        ByteBuffer direct = ByteBuffer.allocateDirect(heap.remaining());
        direct.put(heap.duplicate()).flip();
        return direct;
    }

    static void deleteRecursively(Path dir) throws IOException {
        if (dir == null || !Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) walk.sorted(Comparator.reverseOrder())::iterator) {
                Files.deleteIfExists(p);
            }
        }
    }
}
