package io.spindle.broker.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spindle.broker.admin.BrokerNode;
import io.spindle.broker.meta.TopicRegistry;
import io.spindle.broker.partition.Partitions;
import io.spindle.config.BrokerConfig;
import io.spindle.groups.GroupCoordinator;
import io.spindle.log.CoordinatorLoop;
import io.spindle.log.CoordinatorResidency;
import io.spindle.log.LogManager;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A coordinator's home follows the leadership calls in the order the metadata gives them, whatever its loads are doing
 * meanwhile: the interleavings are driven here one step at a time on the real residency and loop.
 */
class CoordinatorHomeTest {
    private static final String OFFSETS = GroupCoordinator.OFFSETS_TOPIC;

    @TempDir
    Path dataDir;
    private LogManager logs;
    private MetadataAuthority authority;
    private final ScheduledThreadPoolExecutor loop = CoordinatorLoop.newLoop("coordinator-home-test");
    private final AtomicInteger loads = new AtomicInteger();
    private final AtomicInteger clears = new AtomicInteger();
    private final CountDownLatch firstLoadStarted = new CountDownLatch(1);
    private final CountDownLatch firstLoadMayEnd = new CountDownLatch(1);

    @BeforeEach
    void open() {
        BrokerConfig config = BrokerConfig.of(Map.of(BrokerConfig.DATA_DIR, dataDir.toString()));
        TopicRegistry topics = TopicRegistry.load(dataDir, config);
        logs = LogManager.open(config.storage(), topics::configFor, Clock.systemUTC());
        Partitions partitions = new Partitions(logs, config.nodeId());
        topics.attach(logs);
        authority = MetadataAuthorities.open(config, dataDir, topics, partitions,
                new BrokerNode(config.nodeId(), "127.0.0.1", () -> 9092, "home-test"), logs.logsIntactSinceLastStop());
    }

    @AfterEach
    void close() {
        firstLoadMayEnd.countDown();
        loop.shutdownNow();
        authority.close();
        logs.close();
    }

    @Test
    void aLeadershipLostWhileLoadingUnloadsWhenTheLoadEndsAndTheNextLeadershipReloads() throws Exception {
        CoordinatorResidency residency = new CoordinatorResidency(loop, "group", OFFSETS + "-0", this::load,
                clears::incrementAndGet);
        CoordinatorHome home = new CoordinatorHome(OFFSETS, "groups", authority, residency::load, residency::unload,
                residency::isLoaded);

        home.becameLeader(OFFSETS, 0, 1);
        assertTrue(firstLoadStarted.await(10, TimeUnit.SECONDS), "the load at leader epoch 1 started");
        home.lostLeadership(OFFSETS, 0);    // another broker leads (epoch 4) before the load has read the log
        firstLoadMayEnd.countDown();
        drainLoop();
        assertFalse(residency.isLoaded(), "the state a lost leadership was loading is not kept once the load ends");
        assertEquals(1, clears.get());
        assertTrue(home.refusal().isPresent(), "nothing is served from it");

        home.becameLeader(OFFSETS, 0, 5);
        drainLoop();
        assertTrue(residency.isLoaded());
        assertEquals(2, loads.get(), "leading again reads the partition again, with what the other leader wrote");
        assertTrue(home.refusal().isEmpty());
    }

    /** Reads the state; the first read holds on until the test lets it end. */
    private void load() {
        if (loads.incrementAndGet() == 1) {
            firstLoadStarted.countDown();
            try {
                firstLoadMayEnd.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while loading", e);
            }
        }
    }

    /** Returns once everything queued on the loop so far has run (the loop runs one task at a time, in order). */
    private void drainLoop() throws Exception {
        CompletableFuture.runAsync(() -> { }, loop).get(10, TimeUnit.SECONDS);
    }
}
