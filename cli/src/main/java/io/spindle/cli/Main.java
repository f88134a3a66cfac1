package io.spindle.cli;

import io.spindle.broker.Preload;
import java.io.PrintWriter;
import java.util.Map;
import java.util.Optional;
import picocli.CommandLine;

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
        int status = run(args, Shutdown.onProcessSignals(), System.getenv(), new PrintWriter(System.out, true),
                new PrintWriter(System.err, true));
        // Exit explicitly: a subcommand may leave non-daemon threads of libraries behind.
        System.exit(status);
    }

    /**
     * Runs the command line {@code args} and returns its exit status. A broker's usual flags are read by hand
     * ({@link BrokerFlags}); everything else, and every {@code broker} command line they do not read (help, version,
     * usage errors), goes to picocli.
     */
    static int run(String[] args, Shutdown shutdown, Map<String, String> environment, PrintWriter out, PrintWriter err) {
        boolean broker = args.length > 0 && "broker".equals(args[0]);
        Optional<BrokerFlags.Parsed> handRead = broker ? BrokerFlags.parse(args, shutdown, environment) : Optional.empty();
        if (handRead.isPresent()) {
            return handRead.get().run(out, err);
        }
        CommandLine commandLine = SpindleCommand.commandLine(shutdown, environment, broker);
        commandLine.setOut(out);
        commandLine.setErr(err);
        return commandLine.execute(args);
    }
}
