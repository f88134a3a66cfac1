package io.spindle.log;

import static io.spindle.fixtures.Batches.batch;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spindle.config.FlushMode;
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

/**
 * The flusher forces different partition logs in parallel, so one log's slow flush holds up no other log; an append
 * that asks to flush on its own thread is durable when it returns, in fsync mode only.
 */
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

    @Test
    void anAppendThatFlushesHereIsDurableWhenItReturnsAndWaitsForAFlushAlreadyRunning() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        AtomicBoolean held = new AtomicBoolean();
        try (LogManager manager = LogManager.open(dataDir, FlushPolicy.fsync(), 3_600_000,
                t -> TopicConfig.defaults(), clock)) {
            PartitionLog log = manager.getOrCreate("here", 0, TopicConfig.defaults());
            AppendResult first = log.append(batch("a", 2, 1000), true);
            assertTrue(first.durable().isDone(), "forced on this thread before append returned");
            assertEquals(2, log.durableOffset());
            assertEquals(1, log.fsyncCount());

            // A flush held up on a flusher thread (inside its durable listener, after its fsync): the next append
            // that flushes here must not be answered by it, and waits for it to end.
            log.addListener(new LogListener() {
                @Override
                public void durable(PartitionLog forced, long durableOffset) {
                    if (durableOffset == 3 && held.compareAndSet(false, true)) {
                        try {
                            release.await(30, TimeUnit.SECONDS);
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                    }
                }
            });
            log.append(batch("b", 1, 1000));
            await().atMost(Duration.ofSeconds(10)).untilTrue(held);
            Thread appender = new Thread(() -> log.append(batch("c", 1, 1000), true));
            appender.start();
            await().atMost(Duration.ofSeconds(10)).until(() -> log.logEndOffset() == 4);
            assertEquals(3, log.durableOffset(), "the record appended during the held flush is not durable yet");
            release.countDown();
            appender.join(10_000);
            assertFalse(appender.isAlive());
            assertEquals(4, log.durableOffset());
        }
    }

    @Test
    void anAppendThatFlushesHereForcesNothingWithoutFsyncMode() throws Exception {
        try (LogManager manager = LogManager.open(dataDir, new FlushPolicy(FlushMode.NONE, 1000, 10_000), 3_600_000,
                t -> TopicConfig.defaults(), clock)) {
            PartitionLog log = manager.getOrCreate("none", 0, TopicConfig.defaults());
            AppendResult result = log.append(batch("a", 2, 1000), true);

            assertTrue(result.durable().isDone(), "flush.mode=none acknowledges at once");
            assertEquals(0, log.fsyncCount());
        }
    }
}
