package io.spindle.cli;

/**
 * Turns SIGTERM and SIGINT into a callback instead of a JVM shutdown (see {@link Shutdown} for why).
 *
 * <p>This is the one use of {@code sun.misc.Signal} (module jdk.unsupported, exported to everyone and
 * supported on Java 17+; javac warns that it is internal API, and that warning cannot be suppressed).
 * Where a signal cannot be handled (unknown on the platform, or reserved by the JVM, e.g. under
 * {@code -Xrs}) its default stays, which runs the shutdown hook and so still stops cleanly.
 */
final class ProcessSignals {
    private static final String[] TERMINATING = {"TERM", "INT"};

    private ProcessSignals() {
    }

    static void onTerminate(Runnable action) {
        for (String name : TERMINATING) {
            try {
                sun.misc.Signal.handle(new sun.misc.Signal(name), signal -> action.run());
            } catch (IllegalArgumentException unavailable) {
                // Left to the JVM default on purpose: that runs Shutdown's hook, which stops cleanly too.
            }
        }
    }
}
