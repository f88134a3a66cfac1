package io.spindle.log;

import static io.spindle.fixtures.Batches.batch;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.spindle.config.TopicConfig;
import io.spindle.fixtures.ManualClock;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The flusher forces different partition logs in parallel, so one log's slow flush holds up no other log. */
class FlusherTest {
    @TempDir
    Path dataDir;

    private final ManualClock clock = new ManualClock(1_700_000_000_000L);

    @Test
    void aLogWhoseFlushIsHeldUpDoesNotHoldUpAnotherLogsAcknowledgement() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        AtomicBoolean held = new AtomicBoolean();
        try (LogManager manager = LogManager.open(dataDir, FlushPolicy.fsync(), 3_600_000,
                t -> TopicConfig.defaults(), clock)) {
            PartitionLog slow = manager.getOrCreate("slow", 0, TopicConfig.defaults());
            PartitionLog other = manager.getOrCreate("other", 0, TopicConfig.defaults());
            // The listener runs on the flusher thread that forced the log, inside its flush: while it waits, that
            // thread is as busy as with a very slow fsync.
            slow.addListener(new LogListener() {
                @Override
                public void durable(PartitionLog log, long durableOffset) {
                    held.set(true);
                    try {
                        release.await(30, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
            });
            try {
                slow.append(batch("s", 1, 1000));
                await().atMost(Duration.ofSeconds(10)).untilTrue(held);

                List<AppendResult> others = new ArrayList<>();
                for (int i = 0; i < 3; i++) {
                    others.add(other.append(batch("o" + i, 2, 1000)));
                }
                for (AppendResult r : others) {
                    r.durable().get(10, TimeUnit.SECONDS);
                }
                assertEquals(6, other.durableOffset());
                AppendResult second = slow.append(batch("s2", 1, 1000));
                assertFalse(second.durable().isDone(), "the held log's next flush waits for the one running");
            } finally {
                release.countDown();
            }
            slow.append(batch("s3", 1, 1000)).durable().get(10, TimeUnit.SECONDS);
            assertEquals(3, slow.durableOffset());
        }
    }
}
