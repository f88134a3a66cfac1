package io.spindle.log.compact;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The cleaner's pacing on a manual clock and a hand-moved count of appended bytes: it yields only to real load. */
class ForegroundPacerTest {
    private static final long MS = 1_000_000L;
    private long now = 1_000 * MS;
    private long appended;
    private final List<Long> pauses = new ArrayList<>();
    private final ForegroundPacer.ForegroundLoad load = new ForegroundPacer.ForegroundLoad(() -> appended);
    private final ForegroundPacer pacer = new ForegroundPacer(load, () -> now, nanos -> {
        pauses.add(nanos);
        now += nanos;
    });

    /** Appends at {@code bytesPerSecond} for {@code millis} of work, then lets the cleaner pace. */
    private void workWhileAppending(long millis, double bytesPerSecond) throws Exception {
        now += millis * MS;
        appended += (long) (bytesPerSecond * millis / 1000);
        pacer.pace();
    }

    @Test
    void anIdleBrokerNeverPausesTheCleaner() throws Exception {
        pacer.startWork();
        for (int i = 0; i < 100; i++) {
            workWhileAppending(5, 0);
        }
        assertEquals(List.of(), pauses);
    }

    @Test
    void trickleOfOffsetCommitsDoesNotCountAsBusy() throws Exception {
        pacer.startWork();
        for (int i = 0; i < 100; i++) {
            workWhileAppending(5, 100_000);          // 100 kB/s, below the busy rate
        }
        assertEquals(List.of(), pauses);
    }

    @Test
    void underLoadTheCleanerWorksAQuarterOfItsTime() throws Exception {
        pacer.startWork();
        long start = now;
        long worked = 0;
        for (int i = 0; i < 200; i++) {
            workWhileAppending(4, 100e6);            // a producer at 100 MB/s
            worked += 4 * MS;
        }
        // The first 100 ms pass before the first sample says busy; after it every chunk pauses three times its work.
        long busyWork = worked - 100 * MS;
        assertEquals(busyWork * 3, pauses.stream().mapToLong(Long::longValue).sum(), 4 * MS * 3);
        assertEquals(12 * MS, pauses.get(pauses.size() - 1));
        double duty = (double) worked / (now - start);
        assertEquals(ForegroundPacer.DUTY, duty, 0.05);
    }

    @Test
    void theCleanerRunsFlatOutAgainOnceTheLoadStops() throws Exception {
        pacer.startWork();
        for (int i = 0; i < 50; i++) {
            workWhileAppending(4, 100e6);
        }
        int pausedUnderLoad = pauses.size();
        for (int i = 0; i < 100; i++) {
            workWhileAppending(4, 0);
        }
        // Only chunks within the sample that saw the load stop still pause: two samples of 100 ms at most, at 16 ms a
        // paused chunk.
        assertEquals(true, pauses.size() - pausedUnderLoad <= 14, "pauses after the load stopped: "
                + (pauses.size() - pausedUnderLoad));
        int settled = pauses.size();
        workWhileAppending(4, 0);
        assertEquals(settled, pauses.size());
    }

    @Test
    void aLongChunkBuysAPauseNoLongerThanTheCap() throws Exception {
        pacer.startWork();
        workWhileAppending(150, 100e6);              // first sample, busy from here on
        workWhileAppending(2_000, 100e6);            // a chunk stalled on a slow disk
        assertEquals(ForegroundPacer.MAX_PAUSE_NANOS, pauses.get(pauses.size() - 1));
    }

    @Test
    void waitingForWorkIsNotWork() throws Exception {
        pacer.startWork();
        workWhileAppending(150, 100e6);
        now += 10_000 * MS;                         // the thread waited for a dirty log
        appended += 1_000_000_000L;
        pacer.startWork();
        workWhileAppending(2, 100e6);
        assertEquals(6 * MS, pauses.get(pauses.size() - 1), "three times the 2 ms worked since the clean began");
    }

    @Test
    void aDeletedPartitionLoweringTheTotalCountsAsNoLoad() throws Exception {
        pacer.startWork();
        appended = 10_000_000_000L;
        workWhileAppending(150, 0);
        appended = 0;                                // the busiest partition was deleted
        workWhileAppending(150, 0);
        workWhileAppending(4, 0);
        assertEquals(0, pauses.stream().filter(p -> p > 0 && p != ForegroundPacer.MAX_PAUSE_NANOS).count());
    }
}
