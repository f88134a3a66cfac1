package io.spindle.cli;

import io.spindle.broker.Preload;

/**
 * Entry point of {@code spindle.jar}, which runs with a plain {@code java -jar} (no JVM flags): runs the command
 * line and exits with its status: 0 success, 1 a failure while running, 2 a usage or configuration error.
 */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) {
        boolean broker = args.length > 0 && "broker".equals(args[0]);
        if (broker) {
            Preload.startInBackground();
        }
        int status = SpindleCommand.commandLine(Shutdown.onProcessSignals(), System.getenv(), broker).execute(args);
        // Exit explicitly: a subcommand may leave non-daemon threads of libraries behind.
        System.exit(status);
    }
}
