package io.spindle.perf;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;

/**
 * {@code spindle perf}: load tools that work against any Kafka-protocol broker with kafka-clients, and the
 * compare of Spindle with Apache Kafka. Each run prints a line for people and one JSON line for machines.
 * Failures propagate as exceptions. Runs from perf's own jar ({@link PerfMain}); {@code --help} and
 * {@code --version} reach every subcommand.
 */
@Command(name = "perf",
        scope = ScopeType.INHERIT,
        mixinStandardHelpOptions = true,
        versionProvider = PerfCommand.Version.class,
        description = "Measures a broker with kafka-clients: produce, consume, e2e; compare runs Spindle against Apache Kafka.",
        synopsisSubcommandLabel = "COMMAND",
        subcommands = {PerfCommand.Produce.class, PerfCommand.Consume.class, PerfCommand.EndToEnd.class,
            PerfCommand.CompareCommand.class, PerfCommand.KafkaToolsCommand.class, PerfCommand.CompactCommand.class,
            PerfCommand.ShareCommand.class, PerfCommand.TransactionsCommand.class, PerfCommand.StartCommand.class,
            ScaleCommand.class, ConnectionsCommand.class, ClusterCommand.class, FailoverCommand.class})
public final class PerfCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getErr());
        return CommandLine.ExitCode.USAGE;
    }

    /** The version of the jar this runs from, as its manifest (or the build, in the IDE: "unknown") says. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String version = PerfCommand.class.getPackage().getImplementationVersion();
            return new String[] {"spindle perf " + (version != null ? version : "unknown")};
        }
    }

    /** The options every load run takes. */
    static final class WorkloadOptions {
        @Option(names = "--bootstrap", paramLabel = "HOST:PORT", defaultValue = "127.0.0.1:9092",
                description = "The broker (default: ${DEFAULT-VALUE}).")
        String bootstrap;

        @Option(names = "--topic", defaultValue = "spindle-perf",
                description = "Created with --partitions partitions if missing (default: ${DEFAULT-VALUE}).")
        String topic;

        @Option(names = "--records", paramLabel = "N", description = "Records to send (default 100000 unless --duration).")
        Long records;

        @Option(names = "--duration", paramLabel = "D", description = "Send for this long instead: 30s, 2m, 500ms.")
        String duration;

        @Option(names = "--record-size", paramLabel = "BYTES", defaultValue = "1024",
                description = "Bytes per record value (default: ${DEFAULT-VALUE}).")
        int recordSize;

        @Option(names = "--keys", paramLabel = "DIST", defaultValue = "none",
                description = "Keys: none, random:N (uniform over N keys) or sequential:N (default: ${DEFAULT-VALUE}).")
        String keys;

        @Option(names = "--acks", defaultValue = "all", description = "all, 1 or 0 (default: ${DEFAULT-VALUE}).")
        String acks;

        @Option(names = "--batch-size", paramLabel = "BYTES", defaultValue = "65536",
                description = "The producer's batch.size (default: ${DEFAULT-VALUE}).")
        int batchSize;

        @Option(names = "--linger-ms", paramLabel = "MS", defaultValue = "5",
                description = "The producer's linger.ms (default: ${DEFAULT-VALUE}).")
        int lingerMs;

        @Option(names = "--compression", defaultValue = "none",
                description = "none, gzip, snappy, lz4 or zstd (default: ${DEFAULT-VALUE}).")
        String compression;

        @Option(names = "--partitions", paramLabel = "N", defaultValue = "1",
                description = "Partitions of the topic if it is created (default: ${DEFAULT-VALUE}).")
        int partitions;

        @Option(names = "--rate", paramLabel = "RECORDS/S", defaultValue = "0",
                description = "Target rate over all partitions; 0 for as fast as possible (default: ${DEFAULT-VALUE}).")
        int rate;

        @Option(names = "--transaction-records", paramLabel = "N", defaultValue = "0",
                description = "Produce with a transactional producer, committing every N records; 0 for none (default: ${DEFAULT-VALUE}).")
        int transactionRecords;

        Workload workload(CommandLine command, long defaultRecords) {
            if (records != null && duration != null) {
                throw new CommandLine.ParameterException(command, "--records and --duration exclude each other");
            }
            Duration d = duration == null ? null : Durations.parse(duration);
            long n = d != null ? 0 : records != null ? records : defaultRecords;
            return new Workload(bootstrap, topic, n, d, recordSize, keys, acks, batchSize, lingerMs, compression,
                    partitions, rate, transactionRecords, Workload.READ_UNCOMMITTED);
        }
    }

    static Json parameters(Workload w) {
        return new Json().put("bootstrap", w.bootstrap()).put("topic", w.topic()).put("recordSize", w.recordSize())
                .put("keys", w.keys()).put("acks", w.acks()).put("batchSize", w.batchSize()).put("lingerMs", w.lingerMs())
                .put("compression", w.compression()).put("partitions", w.partitions()).put("rate", w.rate())
                .put("transactionRecords", w.transactionRecords());
    }

    static void print(PrintWriter out, RunResult result, Workload workload) {
        out.println(result.summary());
        out.println(result.json().put("parameters", parameters(workload)));
        out.flush();
    }

    @Command(name = "produce", sortOptions = false,
            description = "Produces records and reports records/s, MB/s and send-to-acknowledgement latency.")
    static final class Produce implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Mixin
        WorkloadOptions options;

        @Override
        public Integer call() throws InterruptedException {
            Workload workload = options.workload(spec.commandLine(), 100_000);
            print(spec.commandLine().getOut(), ProduceRun.run(workload), workload);
            return CommandLine.ExitCode.OK;
        }
    }

    @Command(name = "consume", sortOptions = false,
            description = "Reads a topic from the beginning (catch-up) and reports records/s, MB/s, poll latency, the"
                    + " consumer's fetch metrics and the CPU time of the consumer and the broker.")
    static final class Consume implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = "--bootstrap", paramLabel = "HOST:PORT", defaultValue = "127.0.0.1:9092",
                description = "The broker (default: ${DEFAULT-VALUE}).")
        String bootstrap;

        @Option(names = "--topic", defaultValue = "spindle-perf", description = "The topic (default: ${DEFAULT-VALUE}).")
        String topic;

        @Option(names = "--records", paramLabel = "N", defaultValue = "0",
                description = "Records to read; 0 for everything up to the end offsets at start (default).")
        long records;

        @Option(names = "--timeout", paramLabel = "D", defaultValue = "5m",
                description = "Give up after this long (default: ${DEFAULT-VALUE}).")
        String timeout;

        @Option(names = "--isolation", defaultValue = Workload.READ_UNCOMMITTED,
                description = "read_uncommitted or read_committed (default: ${DEFAULT-VALUE}).")
        String isolation;

        @Option(names = "--broker-pid", paramLabel = "PID", description = "The broker's process on this machine, whose"
                + " CPU time over the run is printed. Default: the process listening on the --bootstrap port, if this"
                + " user can see it.")
        Long brokerPid;

        @Override
        public Integer call() {
            Workload workload = Workload.defaults(bootstrap, topic, 1).withIsolation(isolation);
            OptionalLong broker = brokerPid != null ? OptionalLong.of(brokerPid) : PortOwner.of(bootstrap);
            ConsumeRun.CatchUp catchUp = ConsumeRun.catchUp(workload, records, Durations.parse(timeout), broker);
            PrintWriter out = spec.commandLine().getOut();
            out.println(catchUp.result().summary());
            out.println(catchUp.summary());
            out.println(catchUp.json().put("parameters", new Json().put("bootstrap", bootstrap).put("topic", topic)
                    .put("isolation", isolation)));
            out.flush();
            return CommandLine.ExitCode.OK;
        }
    }

    @Command(name = "e2e", sortOptions = false,
            description = "Produces at --rate while a consumer reads; reports scheduled-send-to-receipt latency.")
    static final class EndToEnd implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Mixin
        WorkloadOptions options;

        @Option(names = "--warmup", paramLabel = "D", defaultValue = "2s",
                description = "Sent first and not measured (default: ${DEFAULT-VALUE}).")
        String warmup;

        @Override
        public Integer call() throws InterruptedException {
            Workload workload = options.workload(spec.commandLine(), 100_000);
            if (workload.rate() == 0) {
                throw new CommandLine.ParameterException(spec.commandLine(), "e2e needs --rate (records/s), e.g. --rate 20000");
            }
            print(spec.commandLine().getOut(), EndToEndRun.run(workload, Durations.parse(warmup)), workload);
            return CommandLine.ExitCode.OK;
        }
    }

    @Command(name = "compare", sortOptions = false, resourceBundle = "io.spindle.perf.OptionTexts$Compare",
            description = "Starts Spindle and Apache Kafka 4.4.0 (KRaft, one node, -Xmx1g) in child JVMs in turn, runs the"
                    + " same workloads against each for --rounds rounds, and prints medians and Spindle/Kafka ratios.")
    static final class CompareCommand implements Callable<Integer> {
        static final String ALL_WORKLOADS = "produce-1k-1p,produce-1k-6p,produce-100b-1p,consume,transactions,e2e";

        @Spec
        CommandSpec spec;

        @Mixin
        Rounds rounds;

        @Option(names = "--large-records", paramLabel = "N", defaultValue = "300000",
                description = "1 KiB records per produce run (default: ${DEFAULT-VALUE}).")
        long largeRecords;

        @Option(names = "--small-records", paramLabel = "N", defaultValue = "1000000",
                description = "100-byte records per produce run (default: ${DEFAULT-VALUE}).")
        long smallRecords;

        @Option(names = "--e2e-rate", paramLabel = "RECORDS/S", defaultValue = "20000",
                description = "Rate of the end-to-end run (default: ${DEFAULT-VALUE}).")
        int e2eRate;

        @Option(names = "--e2e-duration", paramLabel = "D", defaultValue = "15s",
                description = "Measured part of the end-to-end run (default: ${DEFAULT-VALUE}).")
        String e2eDuration;

        @Option(names = "--warmup-passes", paramLabel = "N", defaultValue = "2",
                description = "Unmeasured passes of the produce and catch-up workloads per round, so that each broker's"
                        + " JIT has compiled its hot paths (default: ${DEFAULT-VALUE}).")
        int warmupPasses;

        @Option(names = "--workloads", paramLabel = "LIST", split = ",", defaultValue = ALL_WORKLOADS,
                description = "Which workloads to run, comma-separated (default: all, ${DEFAULT-VALUE}); consume needs"
                        + " produce-1k-1p, whose topic it reads.")
        List<String> workloads;

        @Option(names = "--brokers", paramLabel = "NAMES", split = ",", defaultValue = "spindle,kafka",
                description = "Which brokers to start each round, in that order (default: ${DEFAULT-VALUE}); spindle"
                        + " alone compares two builds of Spindle in alternated runs, without Kafka (no ratios).")
        List<String> brokers;

        @Mixin
        BrokerSources sources;

        @Mixin
        WorkDir workDir;

        @Override
        public Integer call() throws Exception {
            int roundCount = rounds.count();
            List<String> names = brokers.stream().map(String::strip).toList();
            if (names.isEmpty() || !Compare.BROKERS.containsAll(names) || Set.copyOf(names).size() != names.size()) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--brokers takes some of "
                        + Compare.BROKERS + ", each at most once, not " + names);
            }
            BrokerSources.requireAtLeast(spec.commandLine(), "--warmup-passes", warmupPasses, 0);
            Compare.Plan defaults = Compare.Plan.defaults();
            Compare.Plan plan;
            try {
                Set<Compare.Part> parts = EnumSet.noneOf(Compare.Part.class);
                for (String name : workloads) {
                    parts.add(Compare.Part.named(name.trim()));
                }
                plan = new Compare.Plan(roundCount, largeRecords, smallRecords, e2eRate, Durations.parse(e2eDuration),
                        defaults.e2eWarmup(), warmupPasses, defaults.idleSettle(), parts);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--workloads: " + e.getMessage());
            }
            new Compare(plan, sources.setup(workDir.resolve("spindle-compare-")), spec.commandLine().getOut(), names).run();
            return CommandLine.ExitCode.OK;
        }
    }

    @Command(name = "kafka-tools", sortOptions = false, resourceBundle = "io.spindle.perf.OptionTexts$KafkaTools",
            description = "Measures Spindle and Apache Kafka 4.4.0 (each started as compare starts it, in turn, for --rounds"
                    + " rounds) with Kafka's own perf tools: ProducerPerformance (kafka-producer-perf-test) with payloads"
                    + " from a file, ConsumerPerformance and EndToEndLatency, each in a child JVM; prints their figures per"
                    + " round, medians, Spindle/Kafka ratios and the fdatasync latency each was measured under.")
    static final class KafkaToolsCommand implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        Rounds rounds;

        @Option(names = "--large-records", paramLabel = "N", defaultValue = "200000",
                description = "1 KiB records per ProducerPerformance run; ConsumerPerformance reads as many (default: ${DEFAULT-VALUE}).")
        long largeRecords;

        @Option(names = "--small-records", paramLabel = "N", defaultValue = "500000",
                description = "100-byte records per ProducerPerformance run (default: ${DEFAULT-VALUE}).")
        long smallRecords;

        @Option(names = "--e2e-records", paramLabel = "N", defaultValue = "1000",
                description = "Records EndToEndLatency sends one at a time (default: ${DEFAULT-VALUE}).")
        int e2eRecords;

        @Option(names = "--warmup-passes", paramLabel = "N", defaultValue = "1",
                description = "Unmeasured passes of the three produce workloads per broker run (default: ${DEFAULT-VALUE}).")
        int warmupPasses;

        @Option(names = "--brokers", paramLabel = "NAMES", split = ",", defaultValue = "spindle,kafka",
                description = "Which brokers to start, in each round's order: spindle, kafka, kafka-fsync (Kafka with"
                        + " log.flush.interval.messages=1), spindle-nofsync (flush.mode=none) (default: ${DEFAULT-VALUE}).")
        List<String> brokers;

        @Option(names = "--bootstrap", paramLabel = "HOST:PORT",
                description = "Start no broker: measure the one already running there (reported as \"given\").")
        String bootstrap;

        @Option(names = "--workloads", paramLabel = "LIST", split = ",",
                defaultValue = "produce-1k-1p,produce-1k-6p,produce-100b-1p,consume,e2e",
                description = "Which workloads to run, comma-separated (default: all, ${DEFAULT-VALUE}); consume needs"
                        + " produce-1k-1p.")
        List<String> workloads;

        @Mixin
        BrokerSources sources;

        @Option(names = "--kafka-tools-lib", paramLabel = "DIR",
                description = "The kafka-tools jar's directory. Default: kafka-tools beside the Kafka lib (perf/target/kafka-tools).")
        Path kafkaToolsLib;

        @Mixin
        WorkDir workDir;

        @Override
        public Integer call() throws Exception {
            CommandLine command = spec.commandLine();
            int roundCount = rounds.count();
            if (largeRecords < 1 || smallRecords < 1 || e2eRecords < 1) {
                throw new CommandLine.ParameterException(command, "--large-records, --small-records and --e2e-records must be"
                        + " at least 1, not " + largeRecords + ", " + smallRecords + ", " + e2eRecords);
            }
            BrokerSources.requireAtLeast(command, "--warmup-passes", warmupPasses, 0);
            List<String> names = brokers.stream().map(String::strip).toList();
            for (String name : names) {
                if (ToolBroker.named(name).isEmpty()) {
                    throw new CommandLine.ParameterException(command, "--brokers takes " + ToolBroker.names() + ", not '"
                            + name + "'");
                }
            }
            if (names.isEmpty() || names.stream().distinct().count() != names.size()) {
                throw new CommandLine.ParameterException(command, "--brokers names each broker at most once: " + names);
            }
            Path jar = sources.spindleJar();
            Path lib = sources.kafkaLib();
            Path tools = kafkaToolsLib != null ? kafkaToolsLib : defaultKafkaToolsLib(lib);
            Path work = workDir.resolve("spindle-kafka-tools-");
            Path java = BrokerSources.java();
            KafkaToolsCompare.Plan plan;
            try {
                plan = new KafkaToolsCompare.Plan(roundCount, largeRecords, smallRecords, e2eRecords, warmupPasses, names,
                        bootstrap, workloads.stream().map(String::strip).toList());
            } catch (IllegalArgumentException e) {
                throw new CommandLine.ParameterException(command, "--workloads: " + e.getMessage());
            }
            new KafkaToolsCompare(plan, new KafkaToolsCompare.Setup(java, jar, lib, tools, work), command.getOut()).run();
            return CommandLine.ExitCode.OK;
        }

        private static Path defaultKafkaToolsLib(Path kafkaLib) {
            String property = System.getProperty("spindle.perf.kafkaToolsLib");
            return property != null ? Paths.get(property) : kafkaLib.toAbsolutePath().resolveSibling("kafka-tools");
        }
    }

    @Command(name = "compact", sortOptions = false,
            description = "Compares Spindle's log cleaner with Apache Kafka 4.4.0's: starts each in turn (Kafka, Spindle,"
                    + " ...) with the same cleaner settings, writes two topics with the same keyed producer, and measures"
                    + " the time until one is compacted, the broker's memory meanwhile, and the produce rate to a third"
                    + " topic with and without a clean running; prints medians and Spindle/Kafka ratios.")
    static final class CompactCommand implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        Rounds rounds;

        @Option(names = "--bytes", paramLabel = "SIZE", defaultValue = "1g",
                description = "Value bytes written to each compacted topic: 256m, 1g (default: ${DEFAULT-VALUE}).")
        String bytes;

        @Option(names = "--record-size", paramLabel = "BYTES", defaultValue = "1024",
                description = "Bytes per record value (default: ${DEFAULT-VALUE}).")
        int recordSize;

        @Option(names = "--key-percent", paramLabel = "PCT", defaultValue = "10",
                description = "Distinct keys, in per cent of the records (default: ${DEFAULT-VALUE}).")
        int keyPercent;

        @Option(names = "--segment-bytes", paramLabel = "SIZE", defaultValue = "64m",
                description = "segment.bytes of the compacted topics (default: ${DEFAULT-VALUE}).")
        String segmentBytes;

        @Option(names = "--dedupe-buffer", paramLabel = "SIZE", defaultValue = "32m",
                description = "log.cleaner.dedupe.buffer.size of both brokers (default: ${DEFAULT-VALUE}, Spindle's default).")
        String dedupeBuffer;

        @Option(names = "--backoff-ms", paramLabel = "MS", defaultValue = "100",
                description = "log.cleaner.backoff.ms of both brokers (default: ${DEFAULT-VALUE}).")
        long backoffMs;

        @Option(names = "--load-window", paramLabel = "D", defaultValue = "5s",
                description = "How long the produce rate is taken with no clean running (default: ${DEFAULT-VALUE}).")
        String loadWindow;

        @Option(names = "--timeout", paramLabel = "D", defaultValue = "10m",
                description = "The longest wait for one clean (default: ${DEFAULT-VALUE}).")
        String timeout;

        @Mixin
        BrokerSources sources;

        @Mixin
        WorkDir workDir;

        @Override
        public Integer call() throws Exception {
            CommandLine command = spec.commandLine();
            int roundCount = rounds.count();
            BrokerSources.requireAtLeast(command, "--backoff-ms", backoffMs, 0);
            CompactCompare.Plan plan;
            try {
                long segment = ByteSize.parse(segmentBytes);
                if (segment < 1 << 20 || segment > Integer.MAX_VALUE) {
                    throw new IllegalArgumentException("--segment-bytes must be 1m to 2g-1 (Kafka's bounds), not " + segmentBytes);
                }
                CompactRun.Plan run = new CompactRun.Plan(ByteSize.parse(bytes), recordSize, keyPercent, (int) segment,
                        Durations.parse(loadWindow), Durations.parse(timeout));
                plan = new CompactCompare.Plan(roundCount, run, ByteSize.parse(dedupeBuffer), backoffMs);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.ParameterException(command, e.getMessage());
            }
            new CompactCompare(plan, sources.setup(workDir.resolve("spindle-compact-")), command.getOut()).run();
            return CommandLine.ExitCode.OK;
        }
    }

    @Command(name = "share", sortOptions = false,
            description = "Compares Spindle's share groups (KIP-932) with Apache Kafka 4.4.0's, with kafka-clients'"
                    + " KafkaShareConsumer: starts each in turn (Kafka, Spindle, ...), measures the catch-up rate of a share"
                    + " group of 1 and of 4 consumers on one partition, and the time 8 consumers take to handle slow tasks"
                    + " in a share group and in a consumer group; prints medians, ratios and fdatasync latency.")
    static final class ShareCommand implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        Rounds rounds;

        @Option(names = "--records", paramLabel = "N", defaultValue = "300000",
                description = "1 KiB records each catch-up reads (default: ${DEFAULT-VALUE}).")
        long records;

        @Option(names = "--slow-records", paramLabel = "N", defaultValue = "400",
                description = "Records of each slow-task run (default: ${DEFAULT-VALUE}).")
        long slowRecords;

        @Option(names = "--handle-time", paramLabel = "D", defaultValue = "20ms",
                description = "How long one slow task takes (default: ${DEFAULT-VALUE}).")
        String handleTime;

        @Option(names = "--consumers", paramLabel = "N", defaultValue = "8",
                description = "Consumers of each slow-task group (default: ${DEFAULT-VALUE}).")
        int consumers;

        @Option(names = "--timeout", paramLabel = "D", defaultValue = "5m",
                description = "The longest wait for one step: a group to settle, a run to finish (default: ${DEFAULT-VALUE}).")
        String timeout;

        @Mixin
        BrokerSources sources;

        @Mixin
        WorkDir workDir;

        @Override
        public Integer call() throws Exception {
            CommandLine command = spec.commandLine();
            int roundCount = rounds.count();
            ShareRun.Plan plan;
            try {
                plan = new ShareRun.Plan(records, slowRecords, Durations.parse(handleTime), consumers,
                        Durations.parse(timeout));
            } catch (IllegalArgumentException e) {
                throw new CommandLine.ParameterException(command, e.getMessage());
            }
            new ShareCompare(roundCount, plan, sources.setup(workDir.resolve("spindle-share-")), command.getOut()).run();
            return CommandLine.ExitCode.OK;
        }
    }

    @Command(name = "transactions", sortOptions = false,
            description = "Compares transactional produce (1 KiB records, 100 and 1,000 per transaction) and read_committed"
                    + " catch-up on Spindle and Apache Kafka 4.4.0, started in turn (Kafka, Spindle, ...) at their defaults"
                    + " and at the transaction version asked for; prints rates, per-transaction times, medians, ratios and"
                    + " fdatasync latency.")
    static final class TransactionsCommand implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        Rounds rounds;

        @Option(names = "--records", paramLabel = "N", defaultValue = "300000",
                description = "1 KiB records per producer run (default: ${DEFAULT-VALUE}).")
        long records;

        @Option(names = "--transaction-version", paramLabel = "V", defaultValue = "2",
                description = "Transaction version both brokers offer, 1 or 2 (KIP-890) (default: ${DEFAULT-VALUE}).")
        int transactionVersion;

        @Option(names = "--warmup-passes", paramLabel = "N", defaultValue = "1",
                description = "Unmeasured passes per broker before the measured one (default: ${DEFAULT-VALUE}).")
        int warmupPasses;

        @Mixin
        BrokerSources sources;

        @Mixin
        WorkDir workDir;

        @Override
        public Integer call() throws Exception {
            CommandLine command = spec.commandLine();
            int roundCount = rounds.count();
            TxnCompare.Plan plan;
            try {
                plan = new TxnCompare.Plan(records, transactionVersion, warmupPasses);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.ParameterException(command, e.getMessage());
            }
            new TxnCompare(roundCount, plan, sources.setup(workDir.resolve("spindle-txn-")), command.getOut()).run();
            return CommandLine.ExitCode.OK;
        }
    }

    @Command(name = "start", sortOptions = false, resourceBundle = "io.spindle.perf.OptionTexts$Start",
            description = "Starts a Spindle broker in a child JVM --starts times, as compare does, and prints each start's time"
                    + " to ready (a Metadata request answered) and their median.")
    static final class StartCommand implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = "--starts", paramLabel = "N", defaultValue = "7", description = "Starts to time (default: ${DEFAULT-VALUE}).")
        int starts;

        @Option(names = "--no-archive", description = "Start without the class-data sharing archive that bin/spindle and compare use.")
        boolean noArchive;

        @Option(names = "--spindle-jar", paramLabel = "JAR", description = "Default: the running spindle.jar, else cli/target/spindle.jar.")
        Path spindleJar;

        @Mixin
        WorkDir workDir;

        @Option(names = "--data-dir", paramLabel = "DIR", description = "Start every broker on this data directory and"
                + " what it holds (e.g. one filled by spindle perf produce) instead of a new empty one per start.")
        Path dataDir;

        @Option(names = "--stop", paramLabel = "HOW", defaultValue = "clean", description = "How each broker is stopped"
                + " once ready: clean (SIGTERM) or kill (SIGKILL, so the next start on --data-dir recovers as after a"
                + " crash). Default: ${DEFAULT-VALUE}.")
        String stop;

        @Override
        public Integer call() throws Exception {
            if (!stop.equals("clean") && !stop.equals("kill")) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--stop must be clean or kill, not " + stop);
            }
            BrokerSources.requireAtLeast(spec.commandLine(), "--starts", starts, 1);
            Path jar = spindleJar != null ? spindleJar : BrokerSources.defaultSpindleJar();
            Path work = workDir.resolve("spindle-start-");
            Path java = BrokerSources.java();
            PrintWriter out = spec.commandLine().getOut();
            Path archive = noArchive ? null : SpindleLauncher.trainArchive(java, jar, work, out);
            List<Double> times = new ArrayList<>();
            for (int i = 1; i <= starts; i++) {
                Path dir = work.resolve("start-" + i);
                try (BrokerProcess broker = SpindleLauncher.start(java, jar, archive, dir,
                        dataDir != null ? dataDir.toAbsolutePath() : dir.resolve("data"), Compare.freePort(), Map.of())) {
                    times.add(broker.awaitReady(Duration.ofSeconds(600)));
                    if (stop.equals("kill")) {
                        broker.kill();
                    }
                }
                out.printf(Locale.ROOT, "start %d: %.0f ms to ready%n", i, times.get(i - 1));
                out.flush();
            }
            double median = Stats.median(times);
            out.printf(Locale.ROOT, "start to ready, median of %d starts%s: %.0f ms%n", starts,
                    archive == null ? " without an archive" : " with a class-data sharing archive", median);
            out.println(new Json().put("start", "spindle").put("starts", starts).put("archive", archive != null)
                    .put("dataDir", dataDir == null ? "empty" : dataDir.toAbsolutePath().toString()).put("stop", stop)
                    .put("medianMs", median));
            return CommandLine.ExitCode.OK;
        }
    }
}
