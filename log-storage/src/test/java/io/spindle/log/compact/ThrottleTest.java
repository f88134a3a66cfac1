package io.spindle.log.compact;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The cleaner's I/O cap on a fake clock: each transfer waits as long as its bytes take at the cap. */
class ThrottleTest {
    private long now;
    private final List<Long> waits = new ArrayList<>();

    private Throttle throttle(double bytesPerSecond) {
        return new Throttle(bytesPerSecond, () -> now, nanos -> {
            waits.add(nanos);
            now += nanos;
        });
    }

    @Test
    void transfersAtTheCapWaitTheirBytesWorthOfTime() throws Exception {
        Throttle throttle = throttle(1000);
        throttle.acquire(500);
        throttle.acquire(1500);
        assertEquals(List.of(500_000_000L, 1_500_000_000L), waits);
        assertEquals(2_000_000_000L, now, "2000 bytes at 1000 bytes a second take two seconds");
    }

    @Test
    void timeSpentWorkingCountsTowardsTheNextWait() throws Exception {
        Throttle throttle = throttle(1000);
        throttle.acquire(1000);
        now += 400_000_000L;                    // the transfer after it took 0.4 s by itself
        throttle.acquire(1000);
        assertEquals(List.of(1_000_000_000L, 1_000_000_000L), waits);
    }

    @Test
    void noCreditIsSavedUpWhileIdle() throws Exception {
        Throttle throttle = throttle(1000);
        throttle.acquire(1000);
        now += 60_000_000_000L;
        throttle.acquire(1000);
        assertEquals(1_000_000_000L, waits.get(1), "a minute idle buys no burst");
    }

    @Test
    void withoutACapNothingWaits() throws Exception {
        Throttle throttle = throttle(Double.MAX_VALUE);
        throttle.acquire(1L << 40);
        assertEquals(List.of(), waits);
    }
}
