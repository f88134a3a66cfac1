package io.spindle.cli;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A one-shot request to stop a long-running command, and the acknowledgement that it has stopped.
 *
 * <p>The command {@linkplain #arm() arms} it, starts its work, {@linkplain #awaitRequest() waits} for the
 * request, stops on its own thread and then {@linkplain #finish() acknowledges}. Who requests depends on the
 * factory: {@link #onRequest()} only a {@link #request()} call (tests, embedding); {@link #onProcessSignals()}
 * also SIGTERM and SIGINT (Ctrl-C) and every other JVM shutdown.
 *
 * <p>Why signal handlers and not only a shutdown hook: a JVM that runs its shutdown hooks because of SIGTERM
 * exits with status 143 whatever the hooks do, and a stop that went cleanly should exit 0. So SIGTERM and
 * SIGINT become a plain request and the command returns normally. Any other shutdown (System.exit elsewhere,
 * SIGHUP, a platform without these signals) still runs the hook, which requests the stop and holds the JVM
 * up to {@link #HOOK_WAIT} until the command has finished stopping. Thread-safe.
 */
final class Shutdown {
    /** How long a JVM shutdown waits for the command to finish stopping. */
    static final Duration HOOK_WAIT = Duration.ofSeconds(20);

    private final boolean processSignals;
    private final AtomicBoolean armed = new AtomicBoolean();
    private final CountDownLatch requested = new CountDownLatch(1);
    private final CountDownLatch finished = new CountDownLatch(1);

    private Shutdown(boolean processSignals) {
        this.processSignals = processSignals;
    }

    /** Stops only when {@link #request()} is called. */
    static Shutdown onRequest() {
        return new Shutdown(false);
    }

    /** Stops on {@link #request()}, SIGTERM, SIGINT and JVM shutdown, once {@linkplain #arm() armed}. */
    static Shutdown onProcessSignals() {
        return new Shutdown(true);
    }

    /**
     * Starts listening to the process's signals (for {@link #onProcessSignals()}); idempotent. Called by a
     * command just before it starts what must be stopped cleanly, not earlier, so that short commands keep
     * the JVM's default Ctrl-C.
     */
    void arm() {
        if (!processSignals || !armed.compareAndSet(false, true)) {
            return;
        }
        ProcessSignals.onTerminate(this::request);
        Thread hook = new Thread(() -> {
            request();
            awaitFinished(HOOK_WAIT);
        }, "spindle-shutdown-hook");
        Runtime.getRuntime().addShutdownHook(hook);
    }

    /**
     * Whether the process ends once the command returns ({@link #onProcessSignals()}: {@link Main} exits with its
     * status), so that what the end of a process releases on its own need not be released one by one.
     */
    boolean processEndsAfter() {
        return processSignals;
    }

    /** Asks the command to stop; returns at once. Later calls do nothing. */
    void request() {
        requested.countDown();
    }

    boolean isRequested() {
        return requested.getCount() == 0;
    }

    /** Blocks until a stop is requested. */
    void awaitRequest() throws InterruptedException {
        requested.await();
    }

    /** Blocks until a stop is requested or {@code timeout} has passed; whether it was requested. */
    boolean awaitRequest(Duration timeout) throws InterruptedException {
        return requested.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** The command has stopped (or never started): releases a JVM shutdown waiting in the hook. */
    void finish() {
        finished.countDown();
    }

    /** Whether the command finished stopping within {@code timeout}. */
    boolean awaitFinished(Duration timeout) {
        try {
            return finished.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
