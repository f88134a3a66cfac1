package io.spindle.broker;

import io.netty.channel.epoll.Epoll;
import io.spindle.log.LogManager;
import org.apache.kafka.common.protocol.ApiKeys;

/**
 * Start-up work that does not depend on configuration, run on a second thread while the first parses the
 * command line and the configuration and builds the metrics: the slowest first uses of libraries, each entered
 * the way the broker enters it later, so that the broker's own thread finds them done (or waits for them)
 * instead of doing them itself. Measured on two cores, the three steps took about 250 ms of a 780 ms start.
 */
public final class Preload {
    private Preload() {
    }

    /** Starts the preloading on a daemon thread and returns at once. */
    public static void startInBackground() {
        Thread thread = new Thread(Preload::run, "spindle-preload");
        thread.setDaemon(true);
        thread.start();
    }

    static void run() {
        try {
            // Segments: the native fallocate binding (JNA and jnr-ffi).
            LogManager.preloadNativeAccess();
            // Every request: kafka-clients builds the schemas of all its APIs when ApiKeys is first used.
            ApiKeys.values();
            // The listener: Netty's native epoll transport.
            Epoll.isAvailable();
        } catch (RuntimeException | LinkageError e) {
            // The broker meets the same failure when it gets there, and reports it in context.
        }
    }
}
