package io.spindle.perf;

import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code spindle perf cluster}: issue 16's figures of a cluster, Spindle's beside Kafka's ({@link ClusterCompare}). */
@Command(name = "cluster", sortOptions = false,
        description = "Starts a cluster of Spindle brokers and one of Apache Kafka 4.4.0 brokers in combined mode (every"
                + " broker a metadata quorum voter), in turn, each broker a child JVM; measures start to ready, CreateTopics"
                + " of many partitions until every broker names their leaders, and produce throughput to 6 partitions"
                + " spread over the brokers, and end-to-end latency at a fixed rate; with --replication-factor 3 the topics"
                + " produced to have min.insync.replicas=2 (issue 17's shape); prints medians, how many times better Spindle is, fdatasync latency and the"
                + " machine's limits.")
final class ClusterCommand implements Callable<Integer> {
    private static final Duration E2E_WARMUP = Duration.ofSeconds(5);

    @Spec
    CommandSpec spec;

    @Mixin
    Rounds rounds;

    @Option(names = "--brokers", paramLabel = "N", defaultValue = "3",
            description = "Brokers of each cluster, all voters (default: ${DEFAULT-VALUE}).")
    int brokers;

    @Option(names = "--replication-factor", paramLabel = "N", defaultValue = "1",
            description = "Replicas per partition of every topic created (default: ${DEFAULT-VALUE}); from 3 up, the"
                    + " topics produced to also get min.insync.replicas=2.")
    short replicationFactor;

    @Option(names = "--partitions", paramLabel = "N", defaultValue = "100",
            description = "Partitions of the topic whose creation is timed (default: ${DEFAULT-VALUE}).")
    int partitions;

    @Option(names = "--records", paramLabel = "N", defaultValue = "300000",
            description = "1 KiB records per produce pass (default: ${DEFAULT-VALUE}).")
    long records;

    @Option(names = "--warmup-passes", paramLabel = "N", defaultValue = "1",
            description = "Unmeasured produce passes per cluster before the measured one (default: ${DEFAULT-VALUE}).")
    int warmupPasses;

    @Option(names = "--e2e-rate", paramLabel = "RECORDS/S", defaultValue = "5000",
            description = "1 KiB records per second of the end-to-end run, which both clusters must sustain on this"
                    + " machine, so that its p99 is latency rather than queueing (default: ${DEFAULT-VALUE}).")
    int e2eRate;

    @Option(names = "--e2e-duration", paramLabel = "D", defaultValue = "20s",
            description = "Measured time of the end-to-end run, after a 5 s unmeasured start (default: ${DEFAULT-VALUE}).")
    String e2eDuration;

    @Option(names = "--timeout", paramLabel = "D", defaultValue = "2m",
            description = "The longest wait for one step, such as a cluster to be ready (default: ${DEFAULT-VALUE}).")
    String timeout;

    @Mixin
    BrokerSources sources;

    @Mixin
    WorkDir workDir;

    @Override
    public Integer call() throws Exception {
        CommandLine command = spec.commandLine();
        int roundCount = rounds.count();
        BrokerSources.requireAtLeast(command, "--brokers", brokers, 1);
        BrokerSources.requireAtLeast(command, "--replication-factor", replicationFactor, 1);
        if (replicationFactor > brokers) {
            throw new CommandLine.ParameterException(command, "--replication-factor " + replicationFactor
                    + " needs at least as many --brokers, not " + brokers);
        }
        BrokerSources.requireAtLeast(command, "--partitions", partitions, 1);
        BrokerSources.requireAtLeast(command, "--records", records, 1);
        BrokerSources.requireAtLeast(command, "--warmup-passes", warmupPasses, 0);
        BrokerSources.requireAtLeast(command, "--e2e-rate", e2eRate, 1);
        ClusterRun.Plan plan;
        try {
            plan = new ClusterRun.Plan(brokers, replicationFactor, partitions, records, warmupPasses, e2eRate,
                    E2E_WARMUP, Durations.parse(e2eDuration), Durations.parse(timeout));
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(command, e.getMessage());
        }
        new ClusterCompare(roundCount, plan, sources.setup(workDir.resolve("spindle-cluster-")), command.getOut()).run();
        return CommandLine.ExitCode.OK;
    }
}
