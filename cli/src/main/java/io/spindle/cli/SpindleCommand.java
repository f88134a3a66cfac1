package io.spindle.cli;

import io.spindle.config.ConfigException;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.ExitCode;
import picocli.CommandLine.IVersionProvider;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;

/**
 * The top command, {@code spindle}. It does nothing itself but list its subcommands; each subcommand is a
 * class of its own registered in {@link #commandLine(Shutdown, Map)}, and inherits {@code --help},
 * {@code --version} and {@code --verbose} from here.
 *
 * <p>Exit statuses, the same for every subcommand: {@value #OK} success, {@value #FAILED} a failure while
 * running, {@value #BAD_USAGE} a usage or configuration error. An error is reported as one line on stderr,
 * "spindle broker: what went wrong", with the stack trace only under {@code --verbose}.
 *
 * <p>A new subcommand (topic, produce, consume, group) is a {@code @Command} class implementing
 * {@code Callable<Integer>}, added in {@link #commandLine}. It prints results on {@code spec.commandLine().getOut()}
 * and lets exceptions propagate to the handlers here (a {@link ConfigException} means status 2). One that runs
 * until stopped arms and awaits the {@link Shutdown}, as {@link BrokerCommand} does.
 */
@Command(name = "spindle",
        mixinStandardHelpOptions = true,
        scope = ScopeType.INHERIT,
        versionProvider = SpindleCommand.Version.class,
        synopsisSubcommandLabel = "COMMAND",
        usageHelpAutoWidth = true,
        description = "Spindle, a durable append-only log broker that speaks the Apache Kafka protocol.",
        commandListHeading = "%nCommands (each has --help):%n",
        footer = {"", "Load tools and the comparison with Apache Kafka are in their own jar:"
                + " bin/spindle perf --help (perf/target/spindle-perf.jar)."})
final class SpindleCommand implements Callable<Integer> {
    static final int OK = ExitCode.OK;
    static final int FAILED = FailureReport.FAILED;
    static final int BAD_USAGE = FailureReport.BAD_USAGE;

    @Spec
    CommandSpec spec;

    @Option(names = "--verbose", scope = ScopeType.INHERIT,
            description = "On an error, print its stack trace too.")
    boolean verbose;

    /**
     * The command line with every subcommand, ready to {@link CommandLine#execute(String...)}.
     *
     * @param shutdown    how a long-running subcommand learns it should stop
     * @param environment the process environment, where {@code SPINDLE_*} variables are configuration
     */
    static CommandLine commandLine(Shutdown shutdown, Map<String, String> environment) {
        return commandLine(shutdown, environment, false);
    }

    /**
     * The command line; with {@code brokerOnly}, the top command and {@code broker} alone, for a process whose
     * first argument is {@code broker}. picocli builds the model of every registered command up front, and the
     * others (perf above all, when it was one of them) took about 100 ms of a broker's start.
     */
    static CommandLine commandLine(Shutdown shutdown, Map<String, String> environment, boolean brokerOnly) {
        Objects.requireNonNull(shutdown, "shutdown");
        Objects.requireNonNull(environment, "environment");
        SpindleCommand top = new SpindleCommand();
        CommandLine commandLine = new CommandLine(top);
        commandLine.addSubcommand("broker", new BrokerCommand(shutdown, environment));
        if (!brokerOnly) {
            addOtherSubcommands(commandLine, shutdown);
        }
        commandLine.getSubcommands().get("broker").getCommandSpec().usageMessage()
                .footer(BrokerCommand.settingsHelp());
        commandLine.setParameterExceptionHandler(SpindleCommand::reportUsageError);
        commandLine.setExecutionExceptionHandler((error, failed, parseResult) -> top.reportFailure(error, failed));
        return commandLine;
    }

    private static void addOtherSubcommands(CommandLine commandLine, Shutdown shutdown) {
        commandLine.addSubcommand("topic", new TopicCommand());
        commandLine.addSubcommand("produce", new ProduceCommand());
        commandLine.addSubcommand("consume", new ConsumeCommand(shutdown, java.time.Clock.systemUTC()));
        commandLine.addSubcommand("replay", new ReplayCommand(shutdown));
        commandLine.addSubcommand("group", new GroupCommand());
        commandLine.addSubcommand("lag", new LagCommand());
        commandLine.addSubcommand("txn", new TxnCommand());
        commandLine.addSubcommand("queue", new CommandLine(new QueueCommand())
                .addSubcommand("consume", new QueueCommand.Consume(shutdown)));
        commandLine.addSubcommand("cluster", new CommandLine(new ClusterCommand())
                .addSubcommand("up", new ClusterCommand.Up(shutdown))
                .addSubcommand("voters", new CommandLine(new VotersCommand())
                        .addSubcommand("add", new VotersCommand.Add())
                        .addSubcommand("remove", new VotersCommand.Remove())));
        commandLine.addSubcommand("completion", new CompletionCommand());
    }

    /** Without a subcommand: the usage, on stderr, as a usage error. */
    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getErr());
        return BAD_USAGE;
    }

    private static int reportUsageError(ParameterException error, String[] args) {
        CommandLine failed = error.getCommandLine();
        String name = failed.getCommandSpec().qualifiedName();
        failed.getErr().println(name + ": " + FailureReport.oneLine(error.getMessage()) + " (see '" + name + " --help')");
        return BAD_USAGE;
    }

    private int reportFailure(Exception error, CommandLine failed) {
        return FailureReport.report(error, failed.getCommandSpec().qualifiedName(), verbose, failed.getErr());
    }

    /** {@code --version}: Spindle's version and the JVM running it. */
    static final class Version implements IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {
                "spindle " + BuildInfo.version(),
                "Java " + Runtime.version() + " (" + System.getProperty("java.vendor") + ", "
                        + System.getProperty("java.home") + ")"
            };
        }
    }
}
