package io.spindle.broker.fault;

import static org.awaitility.Awaitility.await;

import io.spindle.fixtures.CrashFs;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Random;
import java.util.function.IntSupplier;

/**
 * What happens to a broker in a child JVM ({@link BrokerProcess}) between two of its runs: killed, perhaps the power
 * cut, started again. {@link #repeat} is the crash loop of the fault tests: crashes at seeded random moments, each
 * after a random number of further acknowledgements, so that every run of the broker has served producers before it
 * dies with sends still in flight.
 */
interface Crash {
    void happen() throws Exception;

    /** SIGKILL and a start on the same data directory: the page cache survives (a process crash). */
    static Crash sigkill(BrokerProcess broker) {
        return () -> {
            broker.kill();
            broker.start();
        };
    }

    /** SIGKILL, then a power cut of {@code disk} (only what was forced survives), then a start on what is left. */
    static Crash powerLoss(BrokerProcess broker, CrashFs disk) {
        return () -> {
            broker.kill();
            disk.powerCut();
            disk.mount();
            broker.start();
        };
    }

    /**
     * A clean stop (SIGTERM), then a power cut right after it (only what the stop forced survives), then a start: the
     * stop's one record vouches for the logs, and must vouch for nothing that was not forced.
     */
    static Crash cleanStopThenPowerLoss(BrokerProcess broker, CrashFs disk) {
        return () -> {
            broker.stop();
            disk.powerCut();
            disk.mount();
            broker.start();
        };
    }

    /** What a fault test does to a broker in a child JVM (not started yet) while {@code crash} strikes it. */
    interface Scenario {
        void run(BrokerProcess broker, Crash crash) throws Exception;
    }

    /** Runs {@code scenario} on a broker with {@code settings} whose data lives in {@code work}/data, crashing by SIGKILL. */
    static void withSigkills(Path work, Map<String, String> settings, Scenario scenario) throws Exception {
        Path dataDir = Files.createDirectory(work.resolve("data"));
        try (BrokerProcess broker = new BrokerProcess(dataDir, work, settings)) {
            scenario.run(broker, sigkill(broker));
        }
    }

    /**
     * Runs {@code scenario} on a broker with {@code settings} whose data lives on a crashfs mount in {@code work},
     * crashing by power cuts; skipped (JUnit assumption) where crashfs cannot run.
     */
    static void withPowerLosses(Path work, Map<String, String> settings, Scenario scenario) throws Exception {
        try (CrashFs disk = CrashFs.requireAvailable(work).mount();
             BrokerProcess broker = new BrokerProcess(disk.root().resolve("data"), work, settings)) {
            scenario.run(broker, powerLoss(broker, disk));
            broker.kill();
        }
    }

    /**
     * Makes {@code crash} happen {@code times} times, each once {@code acked} has grown by 1 to
     * {@code maxAcksBetween} (drawn from {@code random}) since the one before.
     *
     * @param ackTimeout how long the acknowledgements before one crash may take
     */
    static void repeat(Crash crash, int times, Random random, int maxAcksBetween, Duration ackTimeout,
                       IntSupplier acked) throws Exception {
        for (int i = 0; i < times; i++) {
            int target = acked.getAsInt() + 1 + random.nextInt(maxAcksBetween);
            await().atMost(ackTimeout).pollInterval(Duration.ofMillis(1)).until(() -> acked.getAsInt() >= target);
            crash.happen();
        }
    }
}
