package io.spindle.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * {@code spindle broker}'s flags read by hand, so that a broker's start does not build picocli's command model: that
 * took about 0.25 s of a 1 s start to ready on the main thread, since picocli's jar is Java 5 bytecode, which the
 * class-data sharing archive cannot hold, so its ~170 classes are read and verified at every start (docs/benchmarks.md,
 * "Start to ready: where an empty broker's second goes").
 *
 * <p>It reads only a command line picocli would read the same way: the flags of {@link BrokerCommand} and
 * {@code --verbose}, each as {@code --flag value} or {@code --flag=value}, {@code --set KEY=VALUE} repeatable, the
 * others at most once, whole decimal numbers. Anything else — {@code --help}, {@code --version}, an unknown or
 * repeated flag, a missing or malformed value, a value that starts with '-' or '@', an argument file, {@code --} —
 * is left to picocli ({@link #parse} returns empty), so help, version and every usage error (naming the bad flag) come
 * out exactly as before, and only the rare command line that fails pays for picocli. {@code BrokerFlagsTest} checks
 * that both read the same command lines to the same settings.
 */
final class BrokerFlags {
    private static final String COMMAND = "broker";
    private static final String QUALIFIED_NAME = "spindle " + COMMAND;
    private static final Set<String> VALUE_FLAGS =
            Set.of("--config", "--data-dir", "--host", "--port", "--node-id", "--cluster", "--set");
    private static final Set<String> SWITCHES = Set.of("--exit-when-ready", "--train-quorum", "--verbose");

    private BrokerFlags() {
    }

    /**
     * {@code args} (starting with {@code broker}) read into a broker command, or empty when picocli must read them.
     */
    static Optional<Parsed> parse(String[] args, Shutdown shutdown, Map<String, String> environment) {
        if (args.length == 0 || !COMMAND.equals(args[0])) {
            return Optional.empty();
        }
        BrokerCommand command = new BrokerCommand(shutdown, environment);
        boolean verbose = false;
        Set<String> seen = new HashSet<>();
        for (int i = 1; i < args.length; i++) {
            String arg = args[i];
            String flag = arg;
            String value = null;
            int equals = arg.indexOf('=');
            if (arg.startsWith("--") && equals > 0) {
                flag = arg.substring(0, equals);
                value = arg.substring(equals + 1);
            }
            boolean takesValue = VALUE_FLAGS.contains(flag);
            if (!takesValue && !SWITCHES.contains(flag) || !flag.equals("--set") && !seen.add(flag)) {
                return Optional.empty();
            }
            if (!takesValue) {
                if (value != null) {
                    return Optional.empty();
                }
                switch (flag) {
                    case "--verbose" -> verbose = true;
                    case "--train-quorum" -> command.trainQuorum = true;
                    default -> command.exitWhenReady = true;
                }
                continue;
            }
            if (value == null) {
                if (i + 1 >= args.length) {
                    return Optional.empty();
                }
                value = args[++i];
            }
            if (!plainValue(value) || !assign(command, flag, value)) {
                return Optional.empty();
            }
        }
        return Optional.of(new Parsed(command, verbose));
    }

    /** A value picocli would take as it is: not empty, not option-like, not an argument file. */
    private static boolean plainValue(String value) {
        return !value.isEmpty() && !value.startsWith("-") && !value.startsWith("@");
    }

    private static boolean assign(BrokerCommand command, String flag, String value) {
        switch (flag) {
            case "--config" -> command.configFile = Path.of(value);
            case "--data-dir" -> command.dataDir = value;
            case "--host" -> command.host = value;
            case "--port" -> {
                Integer port = decimal(value);
                if (port == null) {
                    return false;
                }
                command.port = port;
            }
            case "--node-id" -> {
                Integer nodeId = decimal(value);
                if (nodeId == null) {
                    return false;
                }
                command.nodeId = nodeId;
            }
            case "--cluster" -> command.cluster = value;
            case "--set" -> {
                int equals = value.indexOf('=');
                if (equals <= 0) {
                    return false;
                }
                command.settings.put(value.substring(0, equals), value.substring(equals + 1));
            }
            default -> {
                return false;
            }
        }
        return true;
    }

    /** A whole decimal number that fits an int, else null (picocli then reports the value). */
    private static Integer decimal(String value) {
        if (value.length() > 10 || !value.chars().allMatch(c -> c >= '0' && c <= '9')) {
            return null;
        }
        long parsed = Long.parseLong(value);
        return parsed > Integer.MAX_VALUE ? null : (int) parsed;
    }

    /** A broker command read by hand, and whether {@code --verbose} was given. */
    record Parsed(BrokerCommand command, boolean verbose) {
        /**
         * Runs the broker as picocli's {@code execute} would: its status, or a failure reported on {@code err} as
         * {@link SpindleCommand} reports it ({@link FailureReport}) (one line, the stack trace only with {@code --verbose}).
         */
        int run(PrintWriter out, PrintWriter err) {
            try {
                return command.run(out);
            } catch (Exception e) {
                return FailureReport.report(e, QUALIFIED_NAME, verbose, err);
            }
        }
    }
}
