package io.spindle.broker.fault;

import static org.awaitility.Awaitility.await;

import java.time.Duration;
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
