package io.spindle.log;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class CoordinatorResidencyTest {
    private final ScheduledThreadPoolExecutor loop = CoordinatorLoop.newLoop("residency-test");
    private final AtomicInteger loads = new AtomicInteger();
    private final AtomicInteger clears = new AtomicInteger();

    @AfterEach
    void stop() {
        loop.shutdownNow();
    }

    @Test
    void loadsOnceUntilUnloadedAndAgainAfter() {
        CoordinatorResidency residency = new CoordinatorResidency(loop, "group", "offsets-0",
                loads::incrementAndGet, clears::incrementAndGet);
        assertFalse(residency.isLoaded());

        residency.loadAtStart(() -> { });
        residency.load().join();
        assertTrue(residency.isLoaded());
        assertEquals(1, loads.get(), "a loaded state is not read again");

        residency.unload().join();
        assertFalse(residency.isLoaded());
        assertEquals(1, clears.get());

        residency.load().join();
        assertTrue(residency.isLoaded());
        assertEquals(2, loads.get(), "leading the partition again reads the log again");
    }

    @Test
    void unloadWinsOverALoadQueuedBeforeIt() {
        CoordinatorResidency residency = new CoordinatorResidency(loop, "share", "state-0",
                loads::incrementAndGet, clears::incrementAndGet);
        var load = residency.load();
        var unload = residency.unload();
        load.join();
        unload.join();
        assertFalse(residency.isLoaded(), "the later unload decides");
    }

    @Test
    void aStateThatCannotBeReadStopsTheCoordinatorAndNamesTheLog() {
        AtomicInteger closed = new AtomicInteger();
        CoordinatorResidency residency = new CoordinatorResidency(loop, "transaction", "__transaction_state-0",
                () -> {
                    throw new IllegalArgumentException("bad record at offset 7");
                }, clears::incrementAndGet);

        IllegalStateException e = assertThrows(IllegalStateException.class, () -> residency.loadAtStart(closed::incrementAndGet));
        assertTrue(e.getMessage().contains("cannot load the transaction state from __transaction_state-0"), e.getMessage());
        assertTrue(e.getMessage().contains("bad record at offset 7"), e.getMessage());
        assertEquals(1, closed.get());
        assertFalse(residency.isLoaded());
    }
}
