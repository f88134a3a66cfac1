package io.spindle.perf;

import java.io.File;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Spindle against Apache Kafka measured with Kafka's own perf tools instead of our client code: per round and
 * broker (Spindle then Kafka, each started as {@link Compare} starts it, in a fresh directory), it runs
 * {@code org.apache.kafka.tools.ProducerPerformance} (kafka-producer-perf-test), {@code ConsumerPerformance}
 * (kafka-consumer-perf-test) and {@code EndToEndLatency} from the kafka-tools 4.4.0 jar, each in a child JVM with
 * its own main class on the class path {@code kafka-tools/*:kafka-lib/*}, reads their figures from what they print
 * ({@link KafkaToolOutput}), and prints them per round, as medians, and as Spindle/Kafka ratios, with a JSON line
 * for each round and one for the summary.
 *
 * <p>Workloads, each on a topic created beforehand through the Admin API: ProducerPerformance acks=all, unthrottled,
 * payloads read from a file of 1,000 random lines (so that the tool does not spend its time making records), 1 KiB
 * to 1 partition, 1 KiB to 6 partitions, 100 B to 1 partition; ConsumerPerformance reading the 1-partition 1 KiB
 * topic from the beginning (in a consumer group, as the tool does); EndToEndLatency, one 1 KiB record at a time
 * with acks=all. The produce workloads first run {@link Plan#warmupPasses} times on topics of their own, unmeasured,
 * so that the broker's JIT has compiled its hot paths. The tools start a fresh JVM each, so no client warm-up round
 * is needed: both brokers meet equally cold clients.
 *
 * <p>Besides each broker as it comes, the two variants issue 18 measures against ({@link ToolBroker}): Kafka fsyncing
 * every message ({@code kafka-fsync}) and Spindle without fsync ({@code spindle-nofsync}); the summary prints the
 * ratio of each pair of {@link ToolBroker#RATIOS} that ran.
 *
 * <p>Before each broker starts, fdatasync after a 64 KiB append is timed in the work directory, as in Compare, and
 * the medians of those are printed beside every ratio: a durable broker's produce rate follows them.
 */
final class KafkaToolsCompare {
    /** The tool JVM's options: the heap kafka-producer-perf-test.sh and kafka-consumer-perf-test.sh give, and kafka-run-class.sh's G1 flags. */
    static final List<String> TOOL_JVM_OPTIONS = List.of("-Xmx512M", "-server", "-XX:+UseG1GC",
            "-XX:MaxGCPauseMillis=20", "-XX:InitiatingHeapOccupancyPercent=35", "-XX:+ExplicitGCInvokesConcurrent",
            "-Djava.awt.headless=true", "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn");
    private static final Duration TOOL_TIMEOUT = Duration.ofMinutes(10);
    private static final int PAYLOAD_LINES = 1000;
    /** The name under which an already running broker (--bootstrap) is reported. */
    static final String GIVEN = "given";

    enum Metric {
        PRODUCE_1K_1P("ProducerPerformance 1 KiB acks=all, 1 partition", "records/s", true),
        PRODUCE_1K_1P_P99("  its p99 send-to-ack latency", "ms", false),
        PRODUCE_1K_6P("ProducerPerformance 1 KiB acks=all, 6 partitions", "records/s", true),
        PRODUCE_1K_6P_P99("  its p99 send-to-ack latency", "ms", false),
        PRODUCE_100B_1P("ProducerPerformance 100 B acks=all, 1 partition", "records/s", true),
        PRODUCE_100B_1P_P99("  its p99 send-to-ack latency", "ms", false),
        CONSUME_FETCH("ConsumerPerformance catch-up, 1 KiB (fetch.nMsg.sec)", "records/s", true),
        CONSUME_TOTAL("  over the whole run, group join included (nMsg.sec)", "records/s", true),
        E2E_AVG("EndToEndLatency 1 KiB acks=all, one at a time, avg", "ms", false),
        E2E_P99("EndToEndLatency p99", "ms", false),
        FSYNC_P50("machine: fdatasync after 64 KiB append, p50", "ms", false),
        FSYNC_P99("machine: fdatasync after 64 KiB append, p99", "ms", false);

        final Caption caption;
        final boolean higherIsBetter;

        Metric(String label, String unit, boolean higherIsBetter) {
            this.caption = new Caption(label, unit);
            this.higherIsBetter = higherIsBetter;
        }

        String key() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /**
     * The sizes of a run.
     *
     * @param largeRecords 1 KiB records per ProducerPerformance run; ConsumerPerformance reads as many
     * @param smallRecords 100-byte records per ProducerPerformance run
     * @param e2eRecords   records EndToEndLatency sends, one at a time
     * @param warmupPasses unmeasured passes of the three produce workloads before the measured one, per broker run
     * @param brokers      which brokers to start, in the order of each round, by their {@link ToolBroker} names
     * @param bootstrap    instead of starting brokers, measure the broker already running here (null: start them)
     * @param workloads    which of {@link #WORKLOADS} to run; consume reads what produce-1k-1p wrote, so it needs it
     */
    record Plan(int rounds, long largeRecords, long smallRecords, int e2eRecords, int warmupPasses, List<String> brokers,
                String bootstrap, List<String> workloads) {
        static final String PRODUCE_1K_1P = "produce-1k-1p";
        static final String PRODUCE_1K_6P = "produce-1k-6p";
        static final String PRODUCE_100B_1P = "produce-100b-1p";
        static final String CONSUME = "consume";
        static final String E2E = "e2e";
        static final List<String> WORKLOADS = List.of(PRODUCE_1K_1P, PRODUCE_1K_6P, PRODUCE_100B_1P, CONSUME, E2E);

        Plan {
            for (String workload : workloads) {
                if (!WORKLOADS.contains(workload)) {
                    throw new IllegalArgumentException("unknown workload '" + workload + "'; the workloads are "
                            + String.join(", ", WORKLOADS));
                }
            }
            if (workloads.contains(CONSUME) && !workloads.contains(PRODUCE_1K_1P)) {
                throw new IllegalArgumentException(CONSUME + " reads the topic " + PRODUCE_1K_1P + " writes: name both");
            }
            workloads = List.copyOf(workloads);
        }

        static Plan defaults() {
            return new Plan(3, 200_000, 500_000, 1000, 1, List.of(SpindleLauncher.NAME, KafkaLauncher.NAME), null,
                    WORKLOADS);
        }

        List<String> brokerNames() {
            return bootstrap != null ? List.of(GIVEN) : brokers;
        }
    }

    /** Where things are: the java to run, Spindle's jar, Kafka's class path, the kafka-tools jar's directory, scratch. */
    record Setup(Path java, Path spindleJar, Path kafkaLib, Path kafkaToolsLib, Path workDir) {
    }

    private final Plan plan;
    private final Setup setup;
    private final PrintWriter out;
    /** metric -> broker -> one figure per round (index = round - 1). */
    private final Map<Metric, Map<String, List<Double>>> figures = new EnumMap<>(Metric.class);
    private Path spindleJar;
    private Path spindleArchive;
    private Path payload1k;
    private Path payload100;

    KafkaToolsCompare(Plan plan, Setup setup, PrintWriter out) {
        this.plan = plan;
        this.setup = setup;
        this.out = out;
    }

    void run() throws InterruptedException {
        checkToolsLib();
        out.printf(Locale.ROOT, "kafka-tools: %d rounds (%s), workloads %s; ProducerPerformance %d x 1 KiB, %d x 100 B; ConsumerPerformance"
                        + " %d records; EndToEndLatency %d records; %d warm-up passes; work dir %s%n", plan.rounds(),
                String.join(", ", plan.brokerNames()), String.join(",", plan.workloads()), plan.largeRecords(), plan.smallRecords(), plan.largeRecords(),
                plan.e2eRecords(), plan.warmupPasses(), setup.workDir());
        out.flush();
        payload1k = writePayloads(1024);
        payload100 = writePayloads(100);
        if (plan.bootstrap() == null && plan.brokers().stream().anyMatch(b -> broker(b).spindle)) {
            spindleJar = Compare.pinJar(setup.spindleJar(), setup.workDir());
            spindleArchive = SpindleLauncher.trainArchive(setup.java(), spindleJar, setup.workDir(), out);
        }
        for (int round = 1; round <= plan.rounds(); round++) {
            for (String broker : plan.brokerNames()) {
                record(round, broker, runOne(round, broker));
            }
        }
        summarize();
    }

    private void checkToolsLib() {
        boolean found;
        try (Stream<Path> files = Files.isDirectory(setup.kafkaToolsLib()) ? Files.list(setup.kafkaToolsLib()) : Stream.empty()) {
            found = files.anyMatch(f -> f.getFileName().toString().startsWith("kafka-tools-"));
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot list " + setup.kafkaToolsLib(), e);
        }
        if (!found) {
            throw new PerfException("No kafka-tools jar in " + setup.kafkaToolsLib() + ": build the perf module (mvn -pl perf -am"
                    + " package), which copies org.apache.kafka:kafka-tools there, or pass --kafka-tools-lib");
        }
        if (!Files.isDirectory(setup.kafkaLib())) {
            throw new PerfException("No Kafka class path at " + setup.kafkaLib() + ": build the perf module (mvn -pl perf -am"
                    + " package), or pass --kafka-lib");
        }
    }

    /** {@value #PAYLOAD_LINES} lines of {@code size} random ASCII letters, ProducerPerformance's --payload-file. */
    private Path writePayloads(int size) {
        Path file = setup.workDir().resolve("payload-" + size + ".txt");
        Random random = new Random(size);
        StringBuilder text = new StringBuilder(PAYLOAD_LINES * (size + 1));
        for (int line = 0; line < PAYLOAD_LINES; line++) {
            for (int i = 0; i < size; i++) {
                int letter = random.nextInt(52);
                text.append((char) (letter < 26 ? 'a' + letter : 'A' + letter - 26));
            }
            text.append('\n');
        }
        try {
            Files.createDirectories(setup.workDir());
            Files.writeString(file, text, StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot write the payload file " + file, e);
        }
        return file;
    }

    private Map<Metric, Double> runOne(int round, String broker) throws InterruptedException {
        Path dir = setup.workDir().resolve(broker + "-" + round);
        Path toolLogs = dir.resolve("tools");
        try {
            Files.createDirectories(toolLogs);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot create " + toolLogs, e);
        }
        Map<Metric, Double> figures1 = new EnumMap<>(Metric.class);
        double[] fsync = Compare.probeFsync(setup.workDir());
        figures1.put(Metric.FSYNC_P50, fsync[0]);
        figures1.put(Metric.FSYNC_P99, fsync[1]);
        BrokerProcess process = null;
        if (!broker.equals(GIVEN)) {
            ToolBroker kind = broker(broker);
            process = kind.spindle
                    ? SpindleLauncher.start(setup.java(), spindleJar, spindleArchive, dir, Compare.freePort(), kind.settings)
                    : KafkaLauncher.start(setup.java(), setup.kafkaLib(), dir, Compare.freePort(), Compare.freePort(),
                            kind.settings);
        }
        try {
            String bootstrap = process == null ? plan.bootstrap() : process.bootstrap();
            if (process != null) {
                process.awaitReady(Duration.ofSeconds(120));
            }
            String prefix = "kt" + round + "-";
            for (int pass = 1; pass <= plan.warmupPasses(); pass++) {
                produceWorkloads(bootstrap, prefix + "warmup" + pass + "-", toolLogs, new EnumMap<>(Metric.class));
            }
            produceWorkloads(bootstrap, prefix, toolLogs, figures1);
            if (plan.workloads().contains(Plan.CONSUME)) {
                KafkaToolOutput.Consumer consume = KafkaToolOutput.consumer(tool("ConsumerPerformance",
                        toolLogs.resolve("consume.out"), "--bootstrap-server", bootstrap, "--topic", prefix + "1k-1p",
                        "--num-records", Long.toString(plan.largeRecords()), "--timeout", "60000"));
                figures1.put(Metric.CONSUME_FETCH, consume.fetchRecordsPerSec());
                figures1.put(Metric.CONSUME_TOTAL, consume.recordsPerSec());
            }
            if (plan.workloads().contains(Plan.E2E)) {
                String e2eTopic = prefix + "e2e";
                Topics.ensure(bootstrap, e2eTopic, 1);
                KafkaToolOutput.EndToEnd e2e = KafkaToolOutput.endToEnd(tool("EndToEndLatency", toolLogs.resolve("e2e.out"),
                        "--bootstrap-server", bootstrap, "--topic", e2eTopic, "--num-records",
                        Integer.toString(plan.e2eRecords()), "--producer-acks", "all", "--record-size", "1024"));
                figures1.put(Metric.E2E_AVG, e2e.avgMs());
                figures1.put(Metric.E2E_P99, e2e.p99Ms());
            }
        } catch (PerfException e) {
            throw new PerfException("Round " + round + " against " + broker + " failed: " + e.getMessage()
                    + (process == null ? "" : "\n" + broker + " output ends:\n" + process.tail()), e);
        } finally {
            if (process != null) {
                process.close();
            }
        }
        if (process != null) {
            Compare.settleDisk(dir);
        }
        return figures1;
    }

    private void produceWorkloads(String bootstrap, String prefix, Path logs, Map<Metric, Double> into)
            throws InterruptedException {
        if (plan.workloads().contains(Plan.PRODUCE_1K_1P)) {
            KafkaToolOutput.Producer p1 = produce(bootstrap, prefix + "1k-1p", 1, plan.largeRecords(), payload1k, logs);
            into.put(Metric.PRODUCE_1K_1P, p1.recordsPerSec());
            into.put(Metric.PRODUCE_1K_1P_P99, p1.p99Ms());
        }
        if (plan.workloads().contains(Plan.PRODUCE_1K_6P)) {
            KafkaToolOutput.Producer p6 = produce(bootstrap, prefix + "1k-6p", 6, plan.largeRecords(), payload1k, logs);
            into.put(Metric.PRODUCE_1K_6P, p6.recordsPerSec());
            into.put(Metric.PRODUCE_1K_6P_P99, p6.p99Ms());
        }
        if (plan.workloads().contains(Plan.PRODUCE_100B_1P)) {
            KafkaToolOutput.Producer small = produce(bootstrap, prefix + "100b-1p", 1, plan.smallRecords(), payload100, logs);
            into.put(Metric.PRODUCE_100B_1P, small.recordsPerSec());
            into.put(Metric.PRODUCE_100B_1P_P99, small.p99Ms());
        }
    }

    private KafkaToolOutput.Producer produce(String bootstrap, String topic, int partitions, long records, Path payload,
                                             Path logs) throws InterruptedException {
        Topics.ensure(bootstrap, topic, partitions);
        return KafkaToolOutput.producer(tool("ProducerPerformance", logs.resolve("produce-" + topic + ".out"),
                "--bootstrap-server", bootstrap, "--topic", topic, "--num-records", Long.toString(records),
                "--throughput", "-1", "--payload-file", payload.toString(), "--command-property", "acks=all"));
    }

    /** The child JVM's command line for one of Kafka's tools. */
    static List<String> toolCommand(Path java, Path kafkaToolsLib, Path kafkaLib, String tool, List<String> args) {
        List<String> command = new ArrayList<>();
        command.add(java.toString());
        command.addAll(TOOL_JVM_OPTIONS);
        command.add("-cp");
        command.add(kafkaToolsLib.toAbsolutePath() + "/*" + File.pathSeparator + kafkaLib.toAbsolutePath() + "/*");
        command.add("org.apache.kafka.tools." + tool);
        command.addAll(args);
        return command;
    }

    /** Runs {@code org.apache.kafka.tools.<tool>} to its end, its output into {@code log}; returns that output's lines. */
    private List<String> tool(String tool, Path log, String... args) throws InterruptedException {
        List<String> command = toolCommand(setup.java(), setup.kafkaToolsLib(), setup.kafkaLib(), tool, List.of(args));
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
            Thread stopper = new Thread(process::destroyForcibly, "spindle-perf-stop-" + tool);
            Runtime.getRuntime().addShutdownHook(stopper);
            try {
                if (!process.waitFor(TOOL_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
                    process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                    throw new PerfException(tool + " did not finish within " + TOOL_TIMEOUT.toMinutes() + " minutes; its output is in "
                            + log);
                }
            } finally {
                Runtime.getRuntime().removeShutdownHook(stopper);
            }
            List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
            if (process.exitValue() != 0) {
                throw new PerfException(tool + " exited with status " + process.exitValue() + " (" + String.join(" ", command)
                        + "); its output ends:\n" + String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size())));
            }
            return lines;
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot run " + String.join(" ", command), e);
        }
    }

    private void record(int round, String broker, Map<Metric, Double> round1) {
        Json json = new Json().put("kafkaTools", "round").put("round", round).put("broker", broker);
        out.printf(Locale.ROOT, "round %d %s:%n", round, broker);
        for (Map.Entry<Metric, Double> e : round1.entrySet()) {
            figures.computeIfAbsent(e.getKey(), k -> new LinkedHashMap<>())
                    .computeIfAbsent(broker, k -> new ArrayList<>()).add(e.getValue());
            out.println(e.getKey().caption.line(55, e.getValue()));
            json.put(e.getKey().key(), e.getValue());
        }
        out.println(json);
        out.flush();
    }

    /**
     * Medians per broker; for each pair of {@link ToolBroker#RATIOS} that both ran, the ratio of the medians and the
     * median of the rounds' own ratios; on every line with a ratio, the median fdatasync p50/p99 of all broker runs.
     */
    private void summarize() {
        List<String> brokers = plan.brokerNames();
        List<List<ToolBroker>> pairs = plan.bootstrap() != null ? List.of() : ToolBroker.RATIOS.stream()
                .filter(pair -> brokers.contains(pair.get(0).label) && brokers.contains(pair.get(1).label)).toList();
        Json json = new Json().put("kafkaTools", "summary").put("rounds", plan.rounds());
        Map<String, Double> fsyncP50 = new LinkedHashMap<>();
        Map<String, Double> fsyncP99 = new LinkedHashMap<>();
        for (String broker : brokers) {
            fsyncP50.put(broker, Stats.median(figures.get(Metric.FSYNC_P50).getOrDefault(broker, List.of())));
            fsyncP99.put(broker, Stats.median(figures.get(Metric.FSYNC_P99).getOrDefault(broker, List.of())));
        }
        String fsync = String.format(Locale.ROOT, "%.2f/%.2f", allRuns(Metric.FSYNC_P50), allRuns(Metric.FSYNC_P99));
        out.printf(Locale.ROOT, "medians of %d rounds:%n", plan.rounds());
        StringBuilder header = new StringBuilder(String.format(Locale.ROOT, "  %-62s", "figure"));
        brokers.forEach(b -> header.append(String.format(Locale.ROOT, " %15s", b)));
        for (List<ToolBroker> pair : pairs) {
            header.append(String.format(Locale.ROOT, " %24s", pair.get(0).label + "/" + pair.get(1).label));
        }
        if (!pairs.isEmpty()) {
            header.append("   fdatasync p50/p99 ms");
        }
        out.println(header);
        for (Map.Entry<Metric, Map<String, List<Double>>> e : figures.entrySet()) {
            Metric metric = e.getKey();
            StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "  %-62s", metric.caption.heading()));
            Json one = new Json();
            for (String broker : brokers) {
                double median = Stats.median(e.getValue().getOrDefault(broker, List.of()));
                line.append(String.format(Locale.ROOT, " %15.2f", median));
                one.put(broker, median);
            }
            boolean machine = metric == Metric.FSYNC_P50 || metric == Metric.FSYNC_P99;
            for (List<ToolBroker> pair : pairs) {
                List<Double> a = e.getValue().getOrDefault(pair.get(0).label, List.of());
                List<Double> b = e.getValue().getOrDefault(pair.get(1).label, List.of());
                double ratio = Stats.ratio(Stats.median(a), Stats.median(b));
                double pairRatio = Stats.median(pairRatios(a, b));
                line.append(String.format(Locale.ROOT, " %14.3f (%7.3f)", ratio, pairRatio));
                String key = pair.get(0).label + "/" + pair.get(1).label;
                one.put(key, new Json().put("ratio", ratio).put("pairRatio", pairRatio));
            }
            if (!pairs.isEmpty()) {
                line.append("   ").append(machine ? "" : fsync);
                one.put("higherIsBetter", metric.higherIsBetter);
            }
            out.println(line);
            json.put(metric.key(), one);
        }
        if (!pairs.isEmpty()) {
            out.println("  a/b: the ratio of the medians (the median of each round's own ratio); spindle/kafka is target 1 of"
                    + " issue 18, spindle/kafka-fsync target 2, spindle-nofsync/kafka target 3; read every ratio beside the"
                    + " fdatasync latency it was measured under (median of all broker runs; per broker in the machine lines)");
        }
        json.put("fdatasyncP50Ms", fsyncP50).put("fdatasyncP99Ms", fsyncP99);
        out.println(json);
        out.flush();
    }

    private double allRuns(Metric metric) {
        return Stats.median(figures.getOrDefault(metric, Map.of()).values().stream().flatMap(List::stream).toList());
    }

    private static ToolBroker broker(String name) {
        return ToolBroker.named(name).orElseThrow(() -> new PerfException("No broker named '" + name + "'; "
                + ToolBroker.names()));
    }

    /** Round by round a/b, for the rounds both ran. */
    static List<Double> pairRatios(List<Double> a, List<Double> b) {
        List<Double> ratios = new ArrayList<>();
        for (int i = 0; i < Math.min(a.size(), b.size()); i++) {
            ratios.add(Stats.ratio(a.get(i), b.get(i)));
        }
        return ratios;
    }
}
