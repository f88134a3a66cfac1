package io.spindle.perf;

import io.spindle.perf.ClusterRun.Figure;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;

/**
 * {@code spindle perf cluster}: a cluster of Spindle brokers against one of Apache Kafka 4.4.0 in the same shape
 * (every broker a member of the metadata quorum, {@link ClusterLauncher}), started in turn (Kafka, Spindle, ...) in
 * fresh directories for each round ({@link SideBySide}, which also times fdatasync before each cluster) and measured by
 * {@link ClusterRun}. Prints the machine's limits first, since the brokers and this client share its cores; at the end
 * the medians and, per figure with a target, how many times better Spindle is (Kafka's time over Spindle's, or
 * Spindle's rate over Kafka's; issue 16 asks for 1.5), and Spindle's end-to-end p99 as a share of Kafka's (issue 17
 * asks for at most half).
 */
final class ClusterCompare {
    static final double TARGET = 1.5;
    /** Spindle's end-to-end p99 over Kafka's, at most (issue 17). */
    static final double E2E_P99_TARGET = 0.5;

    private final int rounds;
    private final ClusterRun.Plan plan;
    private final Compare.Setup setup;
    private final PrintWriter out;

    ClusterCompare(int rounds, ClusterRun.Plan plan, Compare.Setup setup, PrintWriter out) {
        this.rounds = rounds;
        this.plan = plan;
        this.setup = setup;
        this.out = out;
    }

    void run() throws InterruptedException {
        out.printf(Locale.ROOT, "cluster: %d rounds (kafka, spindle, ...) of %d brokers, each a metadata quorum voter (Kafka in"
                        + " combined mode); replication factor %d, produced topics' settings %s; CreateTopics of %d partitions;"
                        + " produce %d x 1 KiB acks=all to %d partitions after %d warm-up passes; end-to-end at %d records/s"
                        + " for %d s after %d s unmeasured; work dir %s%n", rounds, plan.brokers(),
                plan.replicationFactor(), plan.produceTopicConfigs(), plan.createPartitions(), plan.records(),
                ClusterRun.PRODUCE_PARTITIONS, plan.warmupPasses(), plan.e2eRate(), plan.e2eDuration().toSeconds(),
                plan.e2eWarmup().toSeconds(), setup.workDir());
        out.println(machine(plan.brokers()));
        out.flush();
        loadClientClasses();
        Json json = new Json();
        SideBySide.Launcher<BrokerCluster> launcher = (broker, dir, spindleJar, archive) -> broker.equals(SpindleLauncher.NAME)
                ? ClusterLauncher.spindle(setup.java(), spindleJar, archive, dir, plan.brokers(), Map.of())
                : ClusterLauncher.kafka(setup.java(), setup.kafkaLib(), dir, plan.brokers(), Map.of());
        Map<Figure, double[]> medians = new SideBySide<>("cluster", Figure.class, setup, out).run(rounds, launcher,
                (cluster, dir, spindle) -> ClusterRun.run(plan, cluster), json);
        for (Figure figure : List.of(Figure.START_TO_READY, Figure.CREATE, Figure.PRODUCE)) {
            double[] kafkaSpindle = medians.get(figure);
            double better = figure == Figure.PRODUCE ? Stats.ratio(kafkaSpindle[1], kafkaSpindle[0])
                    : Stats.ratio(kafkaSpindle[0], kafkaSpindle[1]);
            boolean met = better >= TARGET;
            out.printf(Locale.ROOT, "  %-50s Spindle %.2fx better than Kafka; target >= %.1f %s%n", figure.caption().label(),
                    better, TARGET, met ? "met" : "MISSED");
            json.put(figure.key() + "_better", new Json().put("times", better).put("met", met));
        }
        double[] e2e = medians.get(Figure.E2E_P99);
        double share = Stats.ratio(e2e[1], e2e[0]);
        boolean met = share <= E2E_P99_TARGET;
        out.printf(Locale.ROOT, "  %-50s Spindle's %.2f of Kafka's; target <= %.1f %s%n", Figure.E2E_P99.caption().label(),
                share, E2E_P99_TARGET, met ? "met" : "MISSED");
        json.put(Figure.E2E_P99.key() + "_share", new Json().put("ofKafka", share).put("met", met));
        double[] reached = medians.get(Figure.E2E_RATE);
        for (int i = 0; i < 2; i++) {
            if (reached[i] < plan.e2eRate() * 0.95) {
                out.printf(Locale.ROOT, "  warning: %s's end-to-end run reached %.0f records/s of the %d asked for, so its p99"
                        + " includes queueing%n", SideBySide.ORDER.get(i), reached[i], plan.e2eRate());
            }
        }
        out.println(json.put("brokers", plan.brokers()).put("replicationFactor", plan.replicationFactor())
                .put("cores", Runtime.getRuntime().availableProcessors()));
        out.flush();
    }

    /** The machine's limits: cores, memory and load, which the brokers and this client all share. */
    static String machine(int brokers) {
        return String.format(Locale.ROOT, "machine: %d cores shared by the %d brokers and this client, memory %s,"
                        + " load average at start %s", Runtime.getRuntime().availableProcessors(), brokers,
                firstLine(Path.of("/proc/meminfo")).replaceAll("\\s+", " "), firstLine(Path.of("/proc/loadavg")));
    }

    private static String firstLine(Path file) {
        try {
            return Files.readAllLines(file).stream().findFirst().orElse("?").strip();
        } catch (IOException | RuntimeException e) {
            return "? (" + file + " unreadable)";
        }
    }

    /**
     * Creates and closes an Admin client and a producer with nowhere to connect, so that the first cluster of round 1
     * (always Kafka) does not pay for loading their classes in its start-to-ready time.
     */
    private static void loadClientClasses() {
        Properties p = new Properties();
        p.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:" + Compare.freePort());
        Admin.create(p).close(Duration.ZERO);
        Workload workload = Workload.defaults("127.0.0.1:" + Compare.freePort(), "unused", 1);
        new KafkaProducer<byte[], byte[]>(workload.producerProperties()).close(Duration.ZERO);
    }
}
