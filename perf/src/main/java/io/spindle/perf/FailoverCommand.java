package io.spindle.perf;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code spindle perf failover}: issue 17's failover figures. A cluster of Apache Kafka 4.4.0 brokers in combined mode,
 * then one of Spindle brokers, each as {@code perf cluster} starts them ({@link ClusterLauncher}, both at their
 * defaults: Spindle in flush.mode=fsync), and against each {@link FailoverRun}: kill -9 of the leader of a partition
 * with replication factor 3 and min.insync.replicas=2 while an acks=all producer writes to it, restarted after each
 * kill. Prints every kill, p50 and p99 of the failover time of each broker, and fdatasync latency before each cluster.
 */
@Command(name = "failover", sortOptions = false,
        description = "Starts three Kafka 4.4.0 brokers in combined mode, then three Spindle brokers (child JVMs, defaults),"
                + " and on each kills the leader of a replicated partition (replication factor 3, min.insync.replicas=2)"
                + " with SIGKILL again and again while an acks=all kafka-clients producer sends to it every 2 ms,"
                + " restarting it after each kill. Failover time: from the SIGKILL to the first acknowledgement of a"
                + " record sent after it. Prints each kill, p50 and p99 of each broker, and fdatasync latency.")
final class FailoverCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--kills", paramLabel = "N", defaultValue = "20",
            description = "Leader kills per cluster (default: ${DEFAULT-VALUE}).")
    int kills;

    @Option(names = "--brokers", paramLabel = "N", defaultValue = "3",
            description = "Brokers of each cluster, all quorum voters (default: ${DEFAULT-VALUE}).")
    int brokers;

    @Option(names = "--only", paramLabel = "BROKER",
            description = "Run only one cluster: kafka or spindle (default: both, Kafka first).")
    String only;

    @Option(names = "--spindle-set", paramLabel = "KEY=VALUE",
            description = "A Spindle broker setting over its default, for comparing settings (repeatable; default:"
                    + " none, the figures are of the defaults).")
    Map<String, String> spindleSettings = new LinkedHashMap<>();

    @Option(names = "--timeout", paramLabel = "D", defaultValue = "2m",
            description = "The longest wait for one step, such as a failover or a restart (default: ${DEFAULT-VALUE}).")
    String timeout;

    @Mixin
    BrokerSources sources;

    @Mixin
    WorkDir workDir;

    @Override
    public Integer call() throws Exception {
        // kafka-clients warns at every retry to the killed broker, hundreds of lines per kill: those retries are the
        // failover being measured, and the figures say how long they lasted. Read once, before the first client logs.
        System.setProperty("org.slf4j.simpleLogger.log.org.apache.kafka", "error");
        CommandLine command = spec.commandLine();
        BrokerSources.requireAtLeast(command, "--kills", kills, 1);
        BrokerSources.requireAtLeast(command, "--brokers", brokers, 3);
        List<String> order = only == null ? SideBySide.ORDER : List.of(only);
        if (!SideBySide.ORDER.containsAll(order)) {
            throw new CommandLine.ParameterException(command, "--only takes kafka or spindle, not " + only);
        }
        FailoverRun.Plan plan;
        try {
            plan = new FailoverRun.Plan(brokers, kills, Durations.parse(timeout));
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(command, e.getMessage());
        }
        run(plan, order, Map.copyOf(spindleSettings), sources.setup(workDir.resolve("spindle-failover-")),
                command.getOut());
        return CommandLine.ExitCode.OK;
    }

    private static void run(FailoverRun.Plan plan, List<String> order, Map<String, String> spindleSettings,
                            Compare.Setup setup, PrintWriter out) throws InterruptedException {
        out.printf(Locale.ROOT, "failover: %d kills of a partition leader per cluster of %d brokers (every broker a quorum"
                        + " voter, Kafka in combined mode; both at their default settings, Spindle flush.mode=fsync);"
                        + " topic %s, 1 partition, replication factor 3, min.insync.replicas=2; an acks=all producer"
                        + " (kafka-clients defaults otherwise) sends 100 B every %d ms; failover time = from the SIGKILL"
                        + " to the first acknowledgement of a record sent after it; Spindle settings over its defaults: %s;"
                + " work dir %s%n", plan.kills(), plan.brokers(), FailoverRun.TOPIC, FailoverRun.SEND_INTERVAL_MS,
                spindleSettings.isEmpty() ? "none" : spindleSettings, setup.workDir());
        out.println(ClusterCompare.machine(plan.brokers()));
        out.flush();
        Path spindleJar = Compare.pinJar(setup.spindleJar(), setup.workDir());
        Path archive = order.contains(SpindleLauncher.NAME)
                ? SpindleLauncher.trainArchive(setup.java(), spindleJar, setup.workDir(), out) : null;
        Map<String, Map<FailoverRun.Figure, Double>> figures = new LinkedHashMap<>();
        Map<String, double[]> fsyncs = new LinkedHashMap<>();
        for (String broker : order) {
            Path dir = setup.workDir().resolve(broker);
            double[] fsync = Compare.probeFsync(setup.workDir());
            fsyncs.put(broker, fsync);
            out.printf(Locale.ROOT, "%s (fdatasync after 64 KiB append before it: p50 %.2f ms, p99 %.2f ms):%n", broker,
                    fsync[0], fsync[1]);
            out.flush();
            BrokerCluster cluster = broker.equals(SpindleLauncher.NAME)
                    ? ClusterLauncher.spindle(setup.java(), spindleJar, archive, dir, plan.brokers(),
                            spindleSettings)
                    : ClusterLauncher.kafka(setup.java(), setup.kafkaLib(), dir, plan.brokers(), Map.of());
            Map<FailoverRun.Figure, Double> measured;
            try (cluster) {
                for (int node = 1; node <= plan.brokers(); node++) {
                    cluster.node(node).awaitReady(plan.timeout());
                }
                measured = FailoverRun.run(plan, cluster, out);
            } catch (PerfException e) {
                throw new PerfException(broker + " failed: " + e.getMessage() + "\n" + broker + " output ends:\n"
                        + cluster.tail(), e);
            }
            Compare.settleDisk(dir);
            figures.put(broker, new EnumMap<>(measured));
            Json json = new Json().put("failover", "cluster").put("broker", broker).put("kills", plan.kills());
            for (FailoverRun.Figure figure : FailoverRun.Figure.values()) {
                out.println(figure.caption().line(70, measured.get(figure)));
                json.put(figure.key(), measured.get(figure));
            }
            out.println(json.put("fdatasyncP50Ms", fsync[0]).put("fdatasyncP99Ms", fsync[1]));
            out.flush();
        }
        summarize(figures, fsyncs, out);
    }

    private static void summarize(Map<String, Map<FailoverRun.Figure, Double>> figures, Map<String, double[]> fsyncs,
                                  PrintWriter out) {
        out.printf(Locale.ROOT, "  %-70s %12s %12s%n", "figure", "kafka", "spindle");
        Json json = new Json().put("failover", "summary");
        for (FailoverRun.Figure figure : FailoverRun.Figure.values()) {
            double kafka = figures.getOrDefault(KafkaLauncher.NAME, Map.of()).getOrDefault(figure, Double.NaN);
            double spindle = figures.getOrDefault(SpindleLauncher.NAME, Map.of()).getOrDefault(figure, Double.NaN);
            out.printf(Locale.ROOT, "  %-70s %12.0f %12.0f%n", figure.caption().heading(), kafka, spindle);
            json.put(figure.key(), new Json().put("kafka", kafka).put("spindle", spindle));
        }
        fsyncs.forEach((broker, fsync) -> {
            out.printf(Locale.ROOT, "  machine before %s: fdatasync after 64 KiB append p50 %.2f ms, p99 %.2f ms%n",
                    broker, fsync[0], fsync[1]);
            json.put("fdatasync_" + broker, new Json().put("p50Ms", fsync[0]).put("p99Ms", fsync[1]));
        });
        if (figures.size() == 2) {
            for (FailoverRun.Figure figure : List.of(FailoverRun.Figure.P50, FailoverRun.Figure.P99)) {
                boolean met = figures.get(SpindleLauncher.NAME).get(figure) < figures.get(KafkaLauncher.NAME).get(figure);
                out.printf(Locale.ROOT, "  %-70s Spindle below Kafka: %s%n", figure.caption().label(),
                        met ? "met" : "MISSED");
                json.put(figure.key() + "_below_kafka", met);
            }
        }
        out.println(json);
        out.flush();
    }
}
