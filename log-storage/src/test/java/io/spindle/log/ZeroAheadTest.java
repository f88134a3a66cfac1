package io.spindle.log;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.sun.nio.file.ExtendedOpenOption;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link ZeroAhead}: the zeros it writes with direct I/O ahead of an active segment's appends never land on appended
 * bytes, even when the appends outrun it, and never outlive the segment's trim at seal.
 */
class ZeroAheadTest {
    @TempDir
    Path dir;

    private final ZeroAhead.Worker worker = new ZeroAhead.Worker();

    @AfterEach
    void stopWorker() {
        worker.close();
    }

    @Test
    void appendsOutrunningTheZerosKeepEveryByteAndTheSealedFileEndsAtTheLastAppend() throws IOException {
        Segment segment = Segment.create(dir, 0, 64 << 20);
        segment.zeroAheadWith(worker);
        Random random = new Random(42);
        ByteArrayOutputStream written = new ByteArrayOutputStream();
        // 40 MiB in writes of 1 to 32 KiB as fast as the page cache takes them: far faster than the zeros reach the
        // disk, so the writes keep running into the chunk being zeroed and must wait for it.
        while (written.size() < 40 << 20) {
            byte[] bytes = new byte[1 + random.nextInt(32 << 10)];
            random.nextBytes(bytes);
            segment.reserve(bytes.length);
            segment.write(ByteBuffer.wrap(bytes));
            segment.publish();
            written.write(bytes);
        }
        boolean direct = directIoWorks(segment.file());
        if (direct) {
            await().atMost(Duration.ofSeconds(10)).until(() -> segment.zeroedAheadTo() > written.size());
        }
        segment.seal();

        byte[] onDisk = Files.readAllBytes(segment.file());
        assertEquals(written.size(), onDisk.length, "the sealed file's length");
        assertArrayEquals(written.toByteArray(), onDisk, "every appended byte, as written");
        segment.close();
        assumeTrue(direct, "no direct I/O in " + dir + ": nothing was zeroed ahead there");
    }

    @Test
    void aSegmentClosedWhileZerosAreDueEndsAtItsContent() throws IOException {
        Segment segment = Segment.create(dir, 0, 64 << 20);
        segment.zeroAheadWith(worker);
        byte[] bytes = new byte[100_000];
        new Random(7).nextBytes(bytes);
        segment.reserve(bytes.length);
        segment.write(ByteBuffer.wrap(bytes));
        segment.publish();
        segment.close();
        assertArrayEquals(bytes, Files.readAllBytes(dir.resolve(Segment.fileName(0, ".log"))));
    }

    private static boolean directIoWorks(Path file) {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ, ExtendedOpenOption.DIRECT)) {
            return true;
        } catch (IOException | UnsupportedOperationException e) {
            return false;
        }
    }
}
