package io.spindle.cli;

/**
 * Entry point of {@code spindle.jar}. Applies the {@code -D} part of the build's JVM flags (so that
 * {@code java -jar spindle.jar} behaves like {@code bin/spindle}), runs the command line and exits with its
 * status: 0 success, 1 a failure while running, 2 a usage or configuration error.
 */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) {
        BuildInfo.applySystemPropertyFlags();
        boolean broker = args.length > 0 && "broker".equals(args[0]);
        if (broker) {
            // After the -D flags: chronicle reads some of them when it initializes.
            io.spindle.broker.Preload.startInBackground();
        }
        int status = SpindleCommand.commandLine(Shutdown.onProcessSignals(), System.getenv(), broker).execute(args);
        // Exit explicitly: a subcommand may leave non-daemon threads of libraries behind.
        System.exit(status);
    }
}
