package io.spindle.perf;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The rounds of a side-by-side benchmark ({@code spindle perf compact}, {@code spindle perf share}): each round starts
 * Kafka, then Spindle (A B A B ...), as {@link Compare} starts them (fresh directory, child JVM, Spindle with its
 * class-data sharing archive), with the broker settings the benchmark gives; one measurement runs against each, its
 * figures are printed as they come (text and one JSON line), and after each broker its data is deleted and
 * {@code sync} run ({@link Compare#settleDisk}). Before each broker starts, fdatasync after a 64 KiB append is timed
 * in the work directory and printed beside its figures and beside the medians, since every figure here depends on
 * the disk of a shared machine.
 *
 * @param <F> the figures the benchmark measures, each with a label and a unit
 */
final class SideBySide<F extends Enum<F> & SideBySide.Figure> {
    /** A figure of one broker run (an enum constant), printed by its caption; its JSON key is its name in lower case. */
    interface Figure {
        Caption caption();

        String name();

        default String key() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** What a round starts and stops: one broker ({@link BrokerProcess}) or the brokers of a cluster. */
    interface Started extends AutoCloseable {
        /** The end of its output, for a failure message. */
        String tail();

        /** Stops it (SIGTERM, then SIGKILL after a grace period) and waits until it is gone. */
        @Override
        void close() throws InterruptedException;
    }

    /** Starts {@code broker} (Kafka or Spindle, from {@code spindleJar} with {@code archive}) in {@code dir}. */
    interface Launcher<B extends Started> {
        B start(String broker, Path dir, Path spindleJar, Path archive) throws InterruptedException;
    }

    /** One measurement against what {@link Launcher} started, in directory {@code dir}. */
    interface Measurement<F, B> {
        Map<F, Double> run(B broker, Path dir, boolean spindle) throws InterruptedException;
    }

    static final List<String> ORDER = List.of(KafkaLauncher.NAME, SpindleLauncher.NAME);

    private final String name;
    private final Class<F> type;
    private final Compare.Setup setup;
    private final PrintWriter out;
    private final Map<F, Map<String, List<Double>>> figures;
    private final Map<String, List<double[]>> fsyncs = new LinkedHashMap<>();

    /** {@code name} labels the JSON lines ({@code {"compact": "round", ...}}). */
    SideBySide(String name, Class<F> type, Compare.Setup setup, PrintWriter out) {
        this.name = name;
        this.type = type;
        this.setup = setup;
        this.out = out;
        this.figures = new EnumMap<>(type);
    }

    /**
     * Runs {@code rounds} rounds, each broker started with {@code settings} on top of its own defaults and measured
     * once it answers Metadata; prints the medians and the fdatasync probes; returns the medians as {kafka, spindle}
     * per figure and adds them to {@code summary}, which the caller completes and prints.
     */
    Map<F, double[]> run(int rounds, Map<String, String> settings, Measurement<F, BrokerProcess> measurement, Json summary)
            throws InterruptedException {
        Launcher<BrokerProcess> oneBroker = (broker, dir, spindleJar, archive) -> broker.equals(SpindleLauncher.NAME)
                ? SpindleLauncher.start(setup.java(), spindleJar, archive, dir, Compare.freePort(), settings)
                : KafkaLauncher.start(setup.java(), setup.kafkaLib(), dir, Compare.freePort(), Compare.freePort(), settings);
        return run(rounds, oneBroker, (broker, dir, spindle) -> {
            broker.awaitReady(Duration.ofSeconds(120));
            return measurement.run(broker, dir, spindle);
        }, summary);
    }

    /**
     * As above, with what each round starts up to {@code launcher} (a cluster of brokers, say) and its readiness up to
     * {@code measurement}, which may time it.
     */
    <B extends Started> Map<F, double[]> run(int rounds, Launcher<B> launcher, Measurement<F, B> measurement, Json summary)
            throws InterruptedException {
        Path spindleJar = Compare.pinJar(setup.spindleJar(), setup.workDir());
        Path archive = SpindleLauncher.trainArchive(setup.java(), spindleJar, setup.workDir(), out);
        for (int round = 1; round <= rounds; round++) {
            for (String broker : ORDER) {
                runOne(round, broker, spindleJar, archive, launcher, measurement);
            }
        }
        return summarize(rounds, summary);
    }

    private <B extends Started> void runOne(int round, String broker, Path spindleJar, Path archive, Launcher<B> launcher,
                                            Measurement<F, B> measurement) throws InterruptedException {
        Path dir = setup.workDir().resolve(broker + "-" + round);
        double[] fsync = Compare.probeFsync(setup.workDir());
        boolean spindle = broker.equals(SpindleLauncher.NAME);
        B started = launcher.start(broker, dir, spindleJar, archive);
        Map<F, Double> measured;
        try (started) {
            measured = measurement.run(started, dir, spindle);
        } catch (PerfException e) {
            throw new PerfException("Round " + round + " against " + broker + " failed: " + e.getMessage()
                    + "\n" + broker + " output ends:\n" + started.tail(), e);
        }
        Compare.settleDisk(dir);
        record(round, broker, measured, fsync);
    }

    private void record(int round, String broker, Map<F, Double> measured, double[] fsync) {
        Json json = new Json().put(name, "round").put("round", round).put("broker", broker);
        out.printf(Locale.ROOT, "round %d %s (fdatasync p50 %.2f ms, p99 %.2f ms):%n", round, broker, fsync[0], fsync[1]);
        for (Map.Entry<F, Double> e : measured.entrySet()) {
            figures.computeIfAbsent(e.getKey(), k -> new LinkedHashMap<>())
                    .computeIfAbsent(broker, k -> new ArrayList<>()).add(e.getValue());
            out.println(e.getKey().caption().line(50, e.getValue()));
            json.put(e.getKey().key(), e.getValue());
        }
        fsyncs.computeIfAbsent(broker, k -> new ArrayList<>()).add(fsync);
        out.println(json.put("fdatasyncP50Ms", fsync[0]).put("fdatasyncP99Ms", fsync[1]));
        out.flush();
    }

    private Map<F, double[]> summarize(int rounds, Json json) {
        out.printf(Locale.ROOT, "medians of %d rounds:%n", rounds);
        out.printf(Locale.ROOT, "  %-50s %12s %12s%n", "figure", "kafka", "spindle");
        json.put(name, "summary").put("rounds", rounds);
        Map<F, double[]> medians = new EnumMap<>(type);
        for (Map.Entry<F, Map<String, List<Double>>> e : figures.entrySet()) {
            double kafka = Stats.median(e.getValue().getOrDefault(KafkaLauncher.NAME, List.of()));
            double spindle = Stats.median(e.getValue().getOrDefault(SpindleLauncher.NAME, List.of()));
            medians.put(e.getKey(), new double[] {kafka, spindle});
            out.printf(Locale.ROOT, "  %-50s %12.2f %12.2f%n", e.getKey().caption().heading(), kafka, spindle);
            json.put(e.getKey().key(), new Json().put("kafka", kafka).put("spindle", spindle));
        }
        for (String broker : ORDER) {
            List<double[]> probes = fsyncs.getOrDefault(broker, List.of());
            double p50 = Stats.median(probes.stream().map(p -> p[0]).toList());
            double p99 = Stats.median(probes.stream().map(p -> p[1]).toList());
            out.printf(Locale.ROOT, "  machine before %s: fdatasync after 64 KiB append p50 %.2f ms, p99 %.2f ms%n",
                    broker, p50, p99);
            json.put("fdatasync_" + broker, new Json().put("p50Ms", p50).put("p99Ms", p99));
        }
        return medians;
    }
}
