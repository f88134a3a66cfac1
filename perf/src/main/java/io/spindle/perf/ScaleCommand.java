package io.spindle.perf;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code spindle perf scale}: issue 18's table for many partitions, on Spindle and Apache Kafka 4.4.0 (each started as
 * compare starts it, in turn): create one topic of {@code --partitions} partitions and produce {@code --records}
 * records spread over them, consume them all, read the broker's anonymous memory, mappings and file descriptors from
 * {@code /proc}, stop it cleanly (SIGTERM to exit), start it again on its data (to ready: Metadata answered), kill it
 * (SIGKILL) and start it once more. Prints one line per figure and broker, and one JSON line per round. Kafka 4.4
 * creates at most 9,999 partitions in one topic; past that its partitions go into topics of 5,000 (the output says so).
 */
@Command(name = "scale", sortOptions = false,
        description = "Many partitions on Spindle and Apache Kafka 4.4.0, in turn: create and produce, memory, mappings"
                + " and file descriptors, clean stop, start after a clean stop, start after kill -9.")
final class ScaleCommand implements Callable<Integer> {
    private static final String TOPIC = "scale";
    /**
     * The most partitions Kafka 4.4's controller creates in one topic: it takes at most 10,000 metadata records per
     * operation, one per partition plus the topic's own (a topic of 10,000 is refused, "Unable to perform excessively
     * large batch operation"). Past it, Kafka's partitions go into several topics of at most {@link #KAFKA_TOPIC_SIZE}.
     */
    static final int KAFKA_MAX_PARTITIONS_PER_TOPIC = 9_999;
    static final int KAFKA_TOPIC_SIZE = 5_000;
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(600);

    @Spec
    CommandSpec spec;

    @Mixin
    BrokerSources sources;

    @Option(names = "--partitions", paramLabel = "N", defaultValue = "5000", description = "Partitions of the topic (default: ${DEFAULT-VALUE}).")
    int partitions;

    @Option(names = "--records", paramLabel = "N", description = "Records to produce over them (default: 100 per partition).")
    Long records;

    @Option(names = "--record-size", paramLabel = "BYTES", defaultValue = "200", description = "Bytes per record value (default: ${DEFAULT-VALUE}).")
    int recordSize;

    @Option(names = "--acks", defaultValue = "1", description = "The producer's acks (default: ${DEFAULT-VALUE}).")
    String acks;

    @Option(names = "--brokers", paramLabel = "WHICH", defaultValue = "both", description = "spindle, kafka or both (default: ${DEFAULT-VALUE}).")
    String brokers;

    @Option(names = "--rounds", paramLabel = "N", defaultValue = "1", description = "Rounds per broker (default: ${DEFAULT-VALUE}).")
    int rounds;

    @Mixin
    WorkDir workDir;

    /** What one round measured of one broker. */
    private record Round(double createSeconds, double produceSeconds, double consumeSeconds, double anonMiB,
                         long mappings, long fds, double stopSeconds, double cleanStartMs, double killStartMs) {
    }

    @Override
    public Integer call() throws Exception {
        CommandLine command = spec.commandLine();
        BrokerSources.requireAtLeast(command, "--partitions", partitions, 1);
        BrokerSources.requireAtLeast(command, "--rounds", rounds, 1);
        List<String> names = brokerNames(command, brokers);
        long n = records != null ? records : 100L * partitions;
        Compare.Setup setup = sources.setup(workDir.resolve("spindle-scale-"));
        PrintWriter out = command.getOut();
        Path archive = names.contains(SpindleLauncher.NAME)
                ? SpindleLauncher.trainArchive(setup.java(), setup.spindleJar(), setup.workDir(), out) : null;
        for (int round = 1; round <= rounds; round++) {
            for (String name : names) {
                Path dir = setup.workDir().resolve(name + "-" + round);
                List<Integer> sizes = topicSizes(name, partitions);
                if (sizes.size() > 1) {
                    out.printf(Locale.ROOT, "%s, round %d: %d partitions as %d topics of %s partitions (Kafka 4.4 creates"
                                    + " at most %d partitions in one topic: 10,000 records per operation); create,"
                                    + " produce and consume are the sums over the topics, one after another%n", name,
                            round, partitions, sizes.size(), sizes, KAFKA_MAX_PARTITIONS_PER_TOPIC);
                }
                Round r = measure(setup, archive, name, dir, n);
                out.printf(Locale.ROOT, "%s, round %d, %d partitions, %d records of %d B: create %.1f s, produce %.1f s,"
                                + " consume %.1f s; RssAnon %.0f MiB, %d mappings, %d fds; clean stop %.2f s; start after"
                                + " clean stop %.0f ms; start after kill -9 %.0f ms%n", name, round, partitions, n,
                        recordSize, r.createSeconds(), r.produceSeconds(), r.consumeSeconds(), r.anonMiB(), r.mappings(),
                        r.fds(), r.stopSeconds(), r.cleanStartMs(), r.killStartMs());
                out.println(new Json().put("scale", name).put("round", round).put("partitions", partitions)
                        .put("records", n).put("recordSize", recordSize).put("createSeconds", r.createSeconds())
                        .put("produceSeconds", r.produceSeconds()).put("consumeSeconds", r.consumeSeconds())
                        .put("anonMiB", r.anonMiB()).put("mappings", r.mappings()).put("fds", r.fds())
                        .put("stopSeconds", r.stopSeconds()).put("cleanStartMs", r.cleanStartMs())
                        .put("killStartMs", r.killStartMs()));
                out.flush();
            }
        }
        return CommandLine.ExitCode.OK;
    }

    private Round measure(Compare.Setup setup, Path archive, String name, Path dir, long n) throws Exception {
        int port = Compare.freePort();
        int controllerPort = Compare.freePort();
        double create;
        double produce;
        double consume;
        double anon;
        long mappings;
        long fds;
        double stop;
        try (BrokerProcess broker = start(setup, archive, name, dir, port, controllerPort, true)) {
            broker.awaitReady(READY_TIMEOUT);
            List<Integer> sizes = topicSizes(name, partitions);
            List<Workload> workloads = new ArrayList<>();
            long assigned = 0;
            for (int i = 0; i < sizes.size(); i++) {
                long share = i == sizes.size() - 1 ? n - assigned : n * sizes.get(i) / partitions;
                assigned += share;
                workloads.add(new Workload(broker.bootstrap(), sizes.size() == 1 ? TOPIC : TOPIC + "-" + i, share, null,
                        recordSize, "none", acks, 64 * 1024, 5, "none", sizes.get(i), 0, 0, Workload.READ_UNCOMMITTED));
            }
            long t0 = System.nanoTime();
            for (Workload w : workloads) {
                Topics.ensure(broker.bootstrap(), w.topic(), w.partitions());
            }
            create = (System.nanoTime() - t0) / 1e9;
            produce = 0;
            consume = 0;
            for (Workload w : workloads) {
                produce += ProduceRun.run(w).seconds();
            }
            for (Workload w : workloads) {
                consume += ConsumeRun.run(w, w.records(), Duration.ofMinutes(10)).seconds();
            }
            anon = broker.anonMiB();
            mappings = count(Path.of("/proc", Long.toString(broker.pid()), "maps"), true);
            fds = count(Path.of("/proc", Long.toString(broker.pid()), "fd"), false);
            long s0 = System.nanoTime();
            broker.close();
            stop = (System.nanoTime() - s0) / 1e9;
        }
        double cleanStart;
        try (BrokerProcess broker = start(setup, archive, name, dir, port, controllerPort, false)) {
            cleanStart = broker.awaitReady(READY_TIMEOUT);
            broker.kill();
        }
        double killStart;
        try (BrokerProcess broker = start(setup, archive, name, dir, port, controllerPort, false)) {
            killStart = broker.awaitReady(READY_TIMEOUT);
        }
        return new Round(create, produce, consume, anon, mappings, fds, stop, cleanStart, killStart);
    }

    /**
     * The partitions of each topic {@code name} gets: one topic of all of them, except Kafka past
     * {@link #KAFKA_MAX_PARTITIONS_PER_TOPIC}, which gets topics of {@link #KAFKA_TOPIC_SIZE} and one of the rest.
     */
    static List<Integer> topicSizes(String name, int partitions) {
        if (!name.equals(KafkaLauncher.NAME) || partitions <= KAFKA_MAX_PARTITIONS_PER_TOPIC) {
            return List.of(partitions);
        }
        List<Integer> sizes = new ArrayList<>();
        for (int left = partitions; left > 0; left -= KAFKA_TOPIC_SIZE) {
            sizes.add(Math.min(KAFKA_TOPIC_SIZE, left));
        }
        return List.copyOf(sizes);
    }

    /** The brokers {@code --brokers} names, in the order they run: "both" is Kafka, then Spindle. */
    static List<String> brokerNames(CommandLine command, String brokers) {
        return switch (brokers) {
            case "both" -> List.of(KafkaLauncher.NAME, SpindleLauncher.NAME);
            case "spindle", "kafka" -> List.of(brokers);
            default -> throw new CommandLine.ParameterException(command, "--brokers must be spindle, kafka or both, not " + brokers);
        };
    }

    /** Starts {@code name} in {@code dir}: on a new data directory when {@code fresh}, else on what it holds. */
    static BrokerProcess start(Compare.Setup setup, Path archive, String name, Path dir, int port,
                                       int controllerPort, boolean fresh) throws InterruptedException {
        if (name.equals(SpindleLauncher.NAME)) {
            return SpindleLauncher.start(setup.java(), setup.spindleJar(), archive, dir, port, Map.of());
        }
        return fresh ? KafkaLauncher.start(setup.java(), setup.kafkaLib(), dir, port, controllerPort)
                : KafkaLauncher.restart(setup.java(), setup.kafkaLib(), dir, port);
    }

    /** Lines of a /proc file, or entries of a /proc directory; -1 when gone. */
    static long count(Path path, boolean lines) {
        try (Stream<?> s = lines ? Files.lines(path) : Files.list(path)) {
            return s.count();
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }
}
