package io.spindle.perf;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Spindle against Apache Kafka on this machine: each round starts Spindle, then Kafka (A B A B ...), each in its
 * own child JVM with a fresh data directory, runs the same workloads against it with the same client in this JVM,
 * and stops it. Per round and broker it prints one line per figure and one JSON line; at the end the medians, the
 * Spindle/Kafka ratios and whether each target is met, and a JSON line of those.
 *
 * <p>{@link Plan#parts} chooses the workloads (all by default). A round 0 against Spindle, whose figures are dropped, warms up the client first. In each round the produce
 * and catch-up workloads run {@link Plan#warmupPasses} times on topics of their own before the measured pass.
 * Workloads, in order: 1 KiB records acks=all to 1 partition and to 6
 * partitions; 100-byte records acks=all to 1 partition; catch-up consumption of the 1-partition 1 KiB topic;
 * a transactional producer of 1 KiB records committing every 100 and every 1,000 records, and a read_committed
 * catch-up of the first; end-to-end latency at a fixed rate. Memory is read from /proc: idle a few seconds after ready, and the peak
 * sampled every 200 ms during the workloads. After each broker stops, its data is deleted and {@code sync} run, so
 * that no broker pays for the write-back of another's data. Spindle starts as {@code bin/spindle} starts it, with a
 * class-data sharing archive that one training run of the pinned jar makes before the first round.
 *
 * <p>A durable broker's produce speed follows its disk's fsync latency, which differs most between machines and
 * from minute to minute on a shared one; so before each broker starts, the compare measures fdatasync after a
 * 64 KiB append ({@value #FSYNC_PROBES} times) in the work directory and reports it beside the broker's figures.
 */
public final class Compare {
    /** The figures compared, and the target ratio (Spindle/Kafka) where the issue sets one. */
    enum Metric {
        PRODUCE_1K_1P("produce 1 KiB acks=all, 1 partition", "records/s", true, 1.5),
        PRODUCE_1K_6P("produce 1 KiB acks=all, 6 partitions", "records/s", true, 1.5),
        PRODUCE_100B_1P("produce 100 B acks=all, 1 partition", "records/s", true, 1.5),
        PRODUCE_1K_1P_P99("produce 1 KiB 1 partition, send-to-ack p99", "ms", false, Double.NaN),
        PRODUCE_1K_6P_P99("produce 1 KiB 6 partitions, send-to-ack p99", "ms", false, Double.NaN),
        CONSUME_1K("consumer catch-up, 1 KiB records", "records/s", true, 1.5),
        TXN_PRODUCE_100("transactional produce 1 KiB, 100 records/txn", "records/s", true, 1.5),
        TXN_PRODUCE_1000("transactional produce 1 KiB, 1000 records/txn", "records/s", true, 1.5),
        TXN_CONSUME("read_committed catch-up, 100 records/txn", "records/s", true, 1.5),
        E2E_P50("end-to-end p50 at fixed rate", "ms", false, Double.NaN),
        E2E_P99("end-to-end p99 at fixed rate", "ms", false, 0.5),
        E2E_P999("end-to-end p99.9 at fixed rate", "ms", false, Double.NaN),
        BROKER_CPU("broker CPU time (user+sys) for all workloads", "s", false, Double.NaN),
        START_TO_READY("start to ready (Metadata answered)", "ms", false, 0.1),
        IDLE_RSS("resident memory (VmRSS), idle", "MiB", false, 0.5),
        IDLE_ANON("  of it anonymous (RssAnon), idle", "MiB", false, Double.NaN),
        LOAD_RSS("resident memory (VmRSS), peak under load", "MiB", false, Double.NaN),
        LOAD_ANON("  of it anonymous (RssAnon), peak under load", "MiB", false, Double.NaN),
        FSYNC_P50("machine: fdatasync after 64 KiB append, p50", "ms", false, Double.NaN),
        FSYNC_P99("machine: fdatasync after 64 KiB append, p99", "ms", false, Double.NaN);

        final Caption caption;
        final boolean higherIsBetter;
        final double target;

        Metric(String label, String unit, boolean higherIsBetter, double target) {
            this.caption = new Caption(label, unit);
            this.higherIsBetter = higherIsBetter;
            this.target = target;
        }

        String key() {
            return name().toLowerCase(Locale.ROOT);
        }

        /** Whether a ratio meets the target; true when there is no target. */
        boolean met(double ratio) {
            if (Double.isNaN(target)) {
                return true;
            }
            return higherIsBetter ? ratio >= target : ratio <= target;
        }
    }

    /**
     * The sizes of a compare.
     *
     * @param largeRecords records of 1 KiB per produce run
     * @param smallRecords records of 100 bytes per produce run
     * @param e2eRate      records per second of the end-to-end run
     * @param warmupPasses how many times each round runs the produce and catch-up workloads, on topics of their own,
     *                     before the pass it measures: the brokers' JITs compile their hot paths meanwhile, and a
     *                     broker is measured as it serves after its first seconds, not while it compiles
     */
    public record Plan(int rounds, long largeRecords, long smallRecords, int e2eRate, Duration e2eDuration,
                       Duration e2eWarmup, int warmupPasses, Duration idleSettle, Set<Part> parts) {
        public Plan {
            parts = Set.copyOf(parts);
            if (parts.isEmpty()) {
                throw new IllegalArgumentException("a compare needs at least one workload");
            }
            if (parts.contains(Part.CONSUME) && !parts.contains(Part.PRODUCE_1K_1P)) {
                throw new IllegalArgumentException("workload " + Part.CONSUME.name + " reads the topic of "
                        + Part.PRODUCE_1K_1P.name + ", so it needs that workload too");
            }
        }

        public static Plan defaults() {
            return new Plan(3, 300_000, 1_000_000, 20_000, Duration.ofSeconds(15), Duration.ofSeconds(3), 2,
                    Duration.ofSeconds(3), EnumSet.allOf(Part.class));
        }
    }

    /**
     * The workloads a compare can run (all by default); a subset, such as {@code produce-1k-6p} alone, measures one
     * figure in a fraction of the time. Start to ready and memory are measured whatever is chosen.
     */
    public enum Part {
        PRODUCE_1K_1P("produce-1k-1p"),
        PRODUCE_1K_6P("produce-1k-6p"),
        PRODUCE_100B_1P("produce-100b-1p"),
        CONSUME("consume"),
        TRANSACTIONS("transactions"),
        E2E("e2e");

        final String name;

        Part(String name) {
            this.name = name;
        }

        /** The part named {@code name} (as {@code --workloads} spells it). */
        static Part named(String name) {
            for (Part part : values()) {
                if (part.name.equals(name)) {
                    return part;
                }
            }
            List<String> names = new ArrayList<>();
            for (Part part : values()) {
                names.add(part.name);
            }
            throw new IllegalArgumentException("unknown workload '" + name + "'; known: " + String.join(", ", names));
        }
    }

    /** Where things are: the java to run, Spindle's fat jar, Kafka's class path, a scratch directory. */
    public record Setup(Path java, Path spindleJar, Path kafkaLib, Path workDir) {
    }

    /** fdatasync calls timed before each broker run. */
    static final int FSYNC_PROBES = 200;

    /** The brokers a compare can start, in their default order. */
    static final List<String> BROKERS = List.of(SpindleLauncher.NAME, KafkaLauncher.NAME);

    private final Plan plan;
    private final List<String> brokers;
    private final Setup setup;
    private final PrintWriter out;
    private final Map<Metric, Map<String, List<Double>>> figures = new EnumMap<>(Metric.class);
    private Path spindleArchive;

    public Compare(Plan plan, Setup setup, PrintWriter out) {
        this(plan, setup, out, BROKERS);
    }

    /**
     * As above, starting only {@code brokers} (in that order each round): {@code spindle} alone measures two builds of
     * Spindle in alternated runs without spending half the time on Kafka; the ratios are then NaN.
     */
    public Compare(Plan plan, Setup setup, PrintWriter out, List<String> brokers) {
        if (brokers.isEmpty() || !BROKERS.containsAll(brokers) || Set.copyOf(brokers).size() != brokers.size()) {
            throw new IllegalArgumentException("brokers must be some of " + BROKERS + ", each once, not " + brokers);
        }
        this.plan = plan;
        this.setup = setup;
        this.out = out;
        this.brokers = List.copyOf(brokers);
    }

    public void run() throws InterruptedException {
        Setup pinned = pinSpindleJar();
        if (pinned != setup) {
            new Compare(plan, pinned, out, brokers).run();
            return;
        }
        out.printf(Locale.ROOT, "compare: %d rounds (spindle, kafka, ...); %d x 1 KiB, %d x 100 B per produce run; e2e %d records/s"
                        + " for %d s after %d s warm-up; work dir %s%n", plan.rounds(), plan.largeRecords(), plan.smallRecords(),
                plan.e2eRate(), plan.e2eDuration().toSeconds(), plan.e2eWarmup().toSeconds(), setup.workDir());
        out.flush();
        spindleArchive = SpindleLauncher.trainArchive(setup.java(), setup.spindleJar(),
                setup.workDir(), out);
        out.flush();
        // Round 0 warms up this JVM's client (its JIT compiles the producer and consumer paths) against a Spindle
        // broker whose figures are dropped; without it, the first broker of round 1 met a cold client and lost a
        // third of its throughput to it.
        out.println("round 0 (client warm-up, figures dropped):");
        out.flush();
        runOne(0, SpindleLauncher.NAME);
        for (int round = 1; round <= plan.rounds(); round++) {
            for (String broker : brokers) {
                record(round, broker, runOne(round, broker));
            }
        }
        summarize();
    }

    private Map<Metric, Double> runOne(int round, String broker) throws InterruptedException {
        Path dir = setup.workDir().resolve(broker + "-" + round);
        double[] fsync = probeFsync();
        int port = freePort();
        BrokerProcess process = broker.equals(SpindleLauncher.NAME)
                ? SpindleLauncher.start(setup.java(), setup.spindleJar(), spindleArchive, dir, port)
                : KafkaLauncher.start(setup.java(), setup.kafkaLib(), dir, port, freePort());
        Map<Metric, Double> round1 = new EnumMap<>(Metric.class);
        round1.put(Metric.FSYNC_P50, fsync[0]);
        round1.put(Metric.FSYNC_P99, fsync[1]);
        try (process) {
            round1.put(Metric.START_TO_READY, process.awaitReady(Duration.ofSeconds(120)));
            Thread.sleep(plan.idleSettle().toMillis());
            round1.put(Metric.IDLE_RSS, process.rssMiB());
            round1.put(Metric.IDLE_ANON, process.anonMiB());
            AtomicLong peakKiB = new AtomicLong();
            AtomicLong peakAnonKiB = new AtomicLong();
            ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "spindle-perf-rss-sampler");
                t.setDaemon(true);
                return t;
            });
            sampler.scheduleAtFixedRate(() -> {
                peakKiB.accumulateAndGet(ProcessMemory.rssKiB(process.pid()), Math::max);
                peakAnonKiB.accumulateAndGet(ProcessMemory.anonKiB(process.pid()), Math::max);
            }, 0, 200, TimeUnit.MILLISECONDS);
            double cpuBefore;
            try {
                Workload base = Workload.defaults(process.bootstrap(), "unused", 1);
                for (int pass = 1; pass <= plan.warmupPasses(); pass++) {
                    throughputWorkloads(base, "warmup" + pass + "-", new EnumMap<>(Metric.class));
                }
                cpuBefore = process.cpuSeconds();
                throughputWorkloads(base, "", round1);
                if (plan.parts().contains(Part.E2E)) {
                    RunResult e2e = EndToEndRun.run(base.withTopic("e2e").withDuration(plan.e2eDuration())
                            .withRate(plan.e2eRate()).withLingerMs(0), plan.e2eWarmup());
                    round1.put(Metric.E2E_P50, e2e.latencyMs(50));
                    round1.put(Metric.E2E_P99, e2e.latencyMs(99));
                    round1.put(Metric.E2E_P999, e2e.latencyMs(99.9));
                    if (e2e.recordsPerSecond() < plan.e2eRate() * 0.95) {
                        out.printf(Locale.ROOT, "  warning: %s e2e reached %.0f records/s of the %d asked for%n", broker,
                                e2e.recordsPerSecond(), plan.e2eRate());
                    }
                }
                round1.put(Metric.BROKER_CPU, process.cpuSeconds() - cpuBefore);
            } finally {
                sampler.shutdownNow();
                sampler.awaitTermination(5, TimeUnit.SECONDS);
            }
            round1.put(Metric.LOAD_RSS, peakKiB.get() / 1024.0);
            round1.put(Metric.LOAD_ANON, peakAnonKiB.get() / 1024.0);
        } catch (PerfException e) {
            throw new PerfException("Round " + round + " against " + broker + " failed: " + e.getMessage()
                    + "\n" + broker + " output ends:\n" + process.tail(), e);
        }
        settleDisk(dir);
        return round1;
    }

    /** {p50, p99, max} ms of fdatasync after a 64 KiB append in the work directory, where the brokers write. */
    private double[] probeFsync() {
        return probeFsync(setup.workDir());
    }

    /** {p50, p99, max} ms of {@value #FSYNC_PROBES} fdatasync calls, each after a 64 KiB append, in {@code workDir}. */
    static double[] probeFsync(Path workDir) {
        try {
            java.nio.file.Files.createDirectories(workDir);
            return MachineProbe.fdatasyncAfterAppend(workDir, FSYNC_PROBES);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot measure fdatasync latency in " + workDir, e);
        }
    }

    /** The produce runs and the catch-up consumption, on topics named with {@code prefix}; their figures into {@code into}. */
    private void throughputWorkloads(Workload base, String prefix, Map<Metric, Double> into) throws InterruptedException {
        Set<Part> parts = plan.parts();
        if (parts.contains(Part.PRODUCE_1K_1P)) {
            RunResult p1 = ProduceRun.run(base.withTopic(prefix + "produce-1k-1p").withRecords(plan.largeRecords()));
            into.put(Metric.PRODUCE_1K_1P, p1.recordsPerSecond());
            into.put(Metric.PRODUCE_1K_1P_P99, p1.latencyMs(99));
        }
        if (parts.contains(Part.PRODUCE_1K_6P)) {
            RunResult p6 = ProduceRun.run(base.withTopic(prefix + "produce-1k-6p").withRecords(plan.largeRecords())
                    .withPartitions(6));
            into.put(Metric.PRODUCE_1K_6P, p6.recordsPerSecond());
            into.put(Metric.PRODUCE_1K_6P_P99, p6.latencyMs(99));
        }
        if (parts.contains(Part.PRODUCE_100B_1P)) {
            RunResult small = ProduceRun.run(base.withTopic(prefix + "produce-100b-1p").withRecords(plan.smallRecords())
                    .withRecordSize(100));
            into.put(Metric.PRODUCE_100B_1P, small.recordsPerSecond());
        }
        if (parts.contains(Part.CONSUME)) {
            RunResult consume = ConsumeRun.run(base.withTopic(prefix + "produce-1k-1p"), 0, Duration.ofMinutes(5));
            into.put(Metric.CONSUME_1K, consume.recordsPerSecond());
        }
        if (parts.contains(Part.TRANSACTIONS)) {
            transactionalWorkloads(base.withRecords(plan.largeRecords()), prefix, into);
        }
    }

    /**
     * Issue 14's transactional figures: a transactional producer of 1 KiB records committing every 100, then every
     * 1,000 records (1 partition, acks=all as every transactional producer), and a read_committed consumer catching
     * up on the first topic ({@link TxnCompare#measureOnce}, which {@code spindle perf transactions} runs alone).
     */
    static void transactionalWorkloads(Workload base, String prefix, Map<Metric, Double> into) throws InterruptedException {
        Map<TxnCompare.Figure, Double> measured = TxnCompare.measureOnce(base, prefix);
        into.put(Metric.TXN_PRODUCE_100, measured.get(TxnCompare.Figure.PRODUCE_100));
        into.put(Metric.TXN_PRODUCE_1000, measured.get(TxnCompare.Figure.PRODUCE_1000));
        into.put(Metric.TXN_CONSUME, measured.get(TxnCompare.Figure.READ_COMMITTED));
    }

    private void record(int round, String broker, Map<Metric, Double> round1) {
        Json json = new Json().put("compare", "round").put("round", round).put("broker", broker);
        out.printf(Locale.ROOT, "round %d %s:%n", round, broker);
        for (Map.Entry<Metric, Double> e : round1.entrySet()) {
            figures.computeIfAbsent(e.getKey(), k -> new LinkedHashMap<>())
                    .computeIfAbsent(broker, k -> new ArrayList<>()).add(e.getValue());
            out.println(e.getKey().caption.line(45, e.getValue()));
            json.put(e.getKey().key(), e.getValue());
        }
        out.println(json);
        out.flush();
    }

    private void summarize() {
        out.printf(Locale.ROOT, "medians of %d rounds:%n", plan.rounds());
        out.printf(Locale.ROOT, "  %-45s %12s %12s %8s %8s%n", "figure", "spindle", "kafka", "ratio", "target");
        Json json = new Json().put("compare", "summary").put("rounds", plan.rounds());
        for (Map.Entry<Metric, Map<String, List<Double>>> e : figures.entrySet()) {
            Metric metric = e.getKey();
            double spindle = Stats.median(e.getValue().getOrDefault(SpindleLauncher.NAME, List.of()));
            double kafka = Stats.median(e.getValue().getOrDefault(KafkaLauncher.NAME, List.of()));
            double ratio = Stats.ratio(spindle, kafka);
            String target = Double.isNaN(metric.target) || Double.isNaN(ratio) ? ""
                    : (metric.higherIsBetter ? ">=" : "<=") + String.format(Locale.ROOT, "%.1f", metric.target)
                    + (metric.met(ratio) ? " met" : " MISSED");
            out.printf(Locale.ROOT, "  %-45s %12.2f %12.2f %8.3f %s%n", metric.caption.heading(), spindle,
                    kafka, ratio, target);
            Json one = new Json().put("spindle", spindle).put("kafka", kafka).put("ratio", ratio);
            if (!Double.isNaN(metric.target)) {
                one.put("target", (metric.higherIsBetter ? ">=" : "<=") + metric.target).put("met", metric.met(ratio));
            }
            json.put(metric.key(), one);
        }
        out.println(json);
        out.flush();
    }

    /**
     * Leaves the disk as the next broker should find it: this broker's data deleted and everything written back.
     * Kafka never forces its log, so without this the gigabytes it leaves dirty in the page cache would be written
     * back (and its files' deletion discarded) while the next broker runs, stalling that broker's fsyncs. The brokers
     * of a cluster ({@link ClusterLauncher}) keep their data in {@code dir}'s node directories.
     */
    static void settleDisk(Path dir) throws InterruptedException {
        List<Path> brokerDirs = new ArrayList<>(List.of(dir));
        brokerDirs.addAll(ClusterLauncher.nodeDirs(dir));
        for (Path brokerDir : brokerDirs) {
            for (String data : List.of("data", "kafka-logs")) {
                try {
                    deleteRecursively(brokerDir.resolve(data));
                } catch (IOException e) {
                    throw new UncheckedIOException("Cannot delete the broker data in " + brokerDir.resolve(data), e);
                }
            }
        }
        try {
            Process sync = new ProcessBuilder("sync").inheritIO().start();
            if (!sync.waitFor(120, TimeUnit.SECONDS)) {
                sync.destroyForcibly();
                throw new PerfException("sync did not finish within 120 s");
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot run sync", e);
        }
    }

    private static void deleteRecursively(Path dir) throws IOException {
        if (!java.nio.file.Files.exists(dir)) {
            return;
        }
        try (java.util.stream.Stream<Path> walk = java.nio.file.Files.walk(dir)) {
            for (Path p : (Iterable<Path>) walk.sorted(java.util.Comparator.reverseOrder())::iterator) {
                java.nio.file.Files.deleteIfExists(p);
            }
        }
    }

    /**
     * Runs Spindle from a copy of its jar in the work directory: the jar under cli/target can be
     * rebuilt while a compare runs, and a JVM whose jar is replaced fails on its next class load.
     */
    private Setup pinSpindleJar() {
        Path jarCopy = pinJar(setup.spindleJar(), setup.workDir());
        return jarCopy.equals(setup.spindleJar()) ? setup
                : new Setup(setup.java(), jarCopy, setup.kafkaLib(), setup.workDir());
    }

    /** Copies {@code jar} into {@code workDir} as spindle.jar (unless it is that copy already); returns the copy. */
    static Path pinJar(Path jar, Path workDir) {
        Path jarCopy = workDir.resolve("spindle.jar");
        if (jar.equals(jarCopy)) {
            return jar;
        }
        try {
            java.nio.file.Files.createDirectories(workDir);
            java.nio.file.Files.copy(jar, jarCopy, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot copy " + jar + " to " + workDir, e);
        }
        return jarCopy;
    }

    static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot find a free port on loopback", e);
        }
    }
}
