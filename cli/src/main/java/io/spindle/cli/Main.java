package io.spindle.cli;

import io.spindle.broker.Preload;

/**
 * Entry point of {@code spindle.jar}, which runs with a plain {@code java -jar} (no JVM flags): runs the command
 * line and exits with its status: 0 success, 1 a failure while running, 2 a usage or configuration error.
 */
public final class Main {
    private static final String NETTY_JFR = "io.netty.jfr.enabled";

    private Main() {
    }

    public static void main(String[] args) {
        boolean broker = args.length > 0 && "broker".equals(args[0]);
        if (broker) {
            // Netty 4.2's pooled allocator registers its JDK Flight Recorder events at its first allocation, i.e. while
            // the first request is answered: that loaded and initialized JFR, about 120 ms of a 1 s start to ready
            // here (docs/benchmarks.md, "Start to ready: where an empty broker's second goes"). Spindle does not use
            // those events; a user who wants them sets the property. Set before any Netty class initializes.
            if (System.getProperty(NETTY_JFR) == null) {
                System.setProperty(NETTY_JFR, "false");
            }
            Preload.startInBackground();
        }
        int status = SpindleCommand.commandLine(Shutdown.onProcessSignals(), System.getenv(), broker).execute(args);
        // Exit explicitly: a subcommand may leave non-daemon threads of libraries behind.
        System.exit(status);
    }
}
