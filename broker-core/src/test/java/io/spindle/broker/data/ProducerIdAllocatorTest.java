package io.spindle.broker.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProducerIdAllocatorTest {
    @TempDir
    Path dataDir;

    @Test
    void idsOfOneRunAreDistinctAndReservedOnDiskBeforeTheyAreHandedOut() throws Exception {
        ProducerIdAllocator allocator = ProducerIdAllocator.open(dataDir);
        Set<Long> ids = new HashSet<>();
        for (int i = 0; i < 2_500; i++) {
            assertTrue(ids.add(allocator.allocate()), "id repeated after " + i + " allocations");
        }
        String reservation = Files.readString(dataDir.resolve(ProducerIdAllocator.FILE_NAME), StandardCharsets.UTF_8);
        assertTrue(reservation.contains("next.unreserved=3000"), reservation);
    }

    @Test
    void reopeningContinuesAfterTheReservedBlockSoIdsNeverRepeatAcrossRestarts() {
        ProducerIdAllocator first = ProducerIdAllocator.open(dataDir);
        long lastOfFirstRun = -1;
        for (int i = 0; i < 3; i++) {
            lastOfFirstRun = first.allocate();
        }
        // A crash loses the rest of the block: the next run starts after it, never inside it.
        ProducerIdAllocator second = ProducerIdAllocator.open(dataDir);
        long firstOfSecondRun = second.allocate();
        assertTrue(firstOfSecondRun > lastOfFirstRun);
        assertEquals(ProducerIdAllocator.BLOCK_SIZE, firstOfSecondRun);
    }

    @Test
    void anUnreadableReservationStopsTheBrokerInsteadOfRepeatingIds() throws Exception {
        Path file = dataDir.resolve(ProducerIdAllocator.FILE_NAME);
        Files.writeString(file, "garbage\n", StandardCharsets.UTF_8);
        IllegalStateException failure = assertThrows(IllegalStateException.class, () -> ProducerIdAllocator.open(dataDir));
        assertTrue(failure.getMessage().contains(file.toString()), failure.getMessage());
    }
}
