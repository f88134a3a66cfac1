package io.spindle.cli;

import io.spindle.config.BrokerConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;
import java.util.stream.IntStream;

/**
 * A cluster of brokers on this machine, each its own child process: the layout that {@code spindle cluster up}
 * starts, and the process control it and the tests' {@code ClusterProcesses} share.
 *
 * <p>Layout, for brokers 1..n from base port P and directory D (all on 127.0.0.1 unless a {@link Placement} puts each
 * broker on an address of its own):
 * <ul>
 *   <li>broker i has node.id i and serves Kafka on port {@code P+i-1};</li>
 *   <li>brokers 1 to v are the voters of the metadata quorum (v is every broker up to {@value #DEFAULT_MAX_VOTERS},
 *       and {@value #DEFAULT_MAX_VOTERS} in a bigger cluster, unless given), the others observers;</li>
 *   <li>its Raft port (a voter's entry in controller.quorum.voters, an observer's
 *       controller.quorum.observer.address) is {@code P+100+i-1};</li>
 *   <li>its metrics and health port is {@code P+312+i-1}, so broker 1 of the default cluster (P = 9092) answers on
 *       the usual 9404, where the cli's {@code --metrics-url} looks by default;</li>
 *   <li>its data directory is {@code D/node-i}, holding also {@code pid} (the broker process's pid, written once it
 *       has started) and {@code broker.log} (its stdout and stderr, appended across restarts).</li>
 * </ul>
 * With at most {@value #MAX_BROKERS} brokers the three port ranges never overlap.
 *
 * <p>A broker is {@code java <this JVM's options> -cp <this class path> io.spindle.cli.Main broker ...}: the same jar
 * (or class path, in tests) and the same JVM, and the pid of that process is the broker's own, so a kill -9 of it
 * closes its ports. Broker i is ready when its {@code /health/ready} answers 200. Not thread-safe: one owner drives
 * it; {@link #process(int)} may be read from any thread.
 */
final class LocalCluster {
    /** Each broker is a JVM of its own on one machine. */
    static final int MAX_BROKERS = 9;
    /**
     * Up to this many brokers all vote, as in KRaft's combined mode; a bigger cluster keeps this many voters and makes
     * the rest observers, so that a commit waits for no more disks (and an election for no more replies) than five.
     */
    static final int DEFAULT_MAX_VOTERS = 5;
    static final int RAFT_PORT_OFFSET = 100;
    static final int METRICS_PORT_OFFSET = 312;
    static final String PID_FILE = "pid";
    static final String LOG_FILE = "broker.log";
    private static final String HOST = "127.0.0.1";
    private static final Duration PROBE_TIMEOUT = Duration.ofMillis(500);

    private final int brokers;
    private final int voterCount;
    private final int basePort;
    private final Path dir;
    private final Path configFile;
    private final Map<String, String> settings;
    private final IntFunction<Map<String, String>> nodeSettings;
    private final List<String> jvmOptions;
    private final Placement placement;
    private final Process[] processes;

    /**
     * Where each broker runs: the address it binds and advertises (Kafka listener, quorum member, metrics) and the
     * words before {@code java} on its command line. {@link #LOOPBACK}, the default, puts every broker on 127.0.0.1 of
     * this network namespace; the fault tests put each broker in a network namespace of its own
     * ({@code ip netns exec <namespace>}, which execs java in place, so the pid stays the broker's).
     */
    record Placement(IntFunction<String> host, IntFunction<List<String>> launcher) {
        static final Placement LOOPBACK = new Placement(node -> HOST, node -> List.of());
    }

    /**
     * @param brokers    how many, 1 to {@value #MAX_BROKERS}
     * @param basePort   broker 1's Kafka port; the highest port used, {@code basePort+312+brokers-1}, must be valid
     * @param dir        where the brokers' directories go; made absolute
     * @param configFile a properties file every broker reads ({@code --config}), or null
     * @param settings   settings given to every broker ({@code --set}); the layout's own win over them
     * @param jvmOptions options of each broker's JVM
     * @throws IllegalArgumentException naming the bad count or port
     */
    LocalCluster(int brokers, int basePort, Path dir, Path configFile, Map<String, String> settings,
                 List<String> jvmOptions) {
        this(brokers, basePort, dir, configFile, settings, node -> Map.of(), jvmOptions);
    }

    /**
     * As above, with {@code nodeSettings} giving each broker settings of its own (e.g. an {@code advertised.port} that
     * sends clients through a proxy); they win over {@code settings}, and the layout's own win over both.
     */
    LocalCluster(int brokers, int basePort, Path dir, Path configFile, Map<String, String> settings,
                 IntFunction<Map<String, String>> nodeSettings, List<String> jvmOptions) {
        this(brokers, defaultVoters(brokers), basePort, dir, configFile, settings, nodeSettings, jvmOptions);
    }

    /**
     * As above, with brokers 1 to {@code voters} the voters of the metadata quorum and the others observers.
     *
     * @throws IllegalArgumentException naming the bad count of brokers or voters, or the port
     */
    LocalCluster(int brokers, int voters, int basePort, Path dir, Path configFile, Map<String, String> settings,
                 IntFunction<Map<String, String>> nodeSettings, List<String> jvmOptions) {
        this(brokers, voters, basePort, dir, configFile, settings, nodeSettings, jvmOptions, Placement.LOOPBACK);
    }

    /** As the first, each broker where {@code placement} puts it. */
    LocalCluster(int brokers, int basePort, Path dir, Path configFile, Map<String, String> settings,
                 IntFunction<Map<String, String>> nodeSettings, List<String> jvmOptions, Placement placement) {
        this(brokers, defaultVoters(brokers), basePort, dir, configFile, settings, nodeSettings, jvmOptions, placement);
    }

    /** The most general: {@code voters} voters, each broker where {@code placement} puts it. */
    LocalCluster(int brokers, int voters, int basePort, Path dir, Path configFile, Map<String, String> settings,
                 IntFunction<Map<String, String>> nodeSettings, List<String> jvmOptions, Placement placement) {
        if (brokers < 1 || brokers > MAX_BROKERS) {
            throw new IllegalArgumentException("a local cluster has 1 to " + MAX_BROKERS + " brokers (each is a JVM of "
                    + "its own on this machine), not " + brokers);
        }
        if (voters < 1 || voters > brokers) {
            throw new IllegalArgumentException("a local cluster of " + brokers + " broker(s) has 1 to " + brokers
                    + " voter(s), not " + voters);
        }
        int highest = basePort + METRICS_PORT_OFFSET + brokers - 1;
        if (basePort < 1 || highest > 65_535) {
            throw new IllegalArgumentException("base port " + basePort + " leaves no room for " + brokers + " brokers: "
                    + "they use ports up to base port + " + (METRICS_PORT_OFFSET + brokers - 1) + " (at most 65535)");
        }
        this.brokers = brokers;
        this.voterCount = voters;
        this.basePort = basePort;
        this.dir = dir.toAbsolutePath().normalize();
        this.configFile = configFile == null ? null : configFile.toAbsolutePath().normalize();
        this.settings = Map.copyOf(settings);
        this.nodeSettings = nodeSettings;
        this.jvmOptions = List.copyOf(jvmOptions);
        this.placement = placement;
        this.processes = new Process[brokers + 1];
    }

    /**
     * The options of this JVM, to start brokers like it (class-data sharing, heap, {@code JAVA_OPTS}): all but a
     * debugger agent, whose port only one process can hold, and a class-data archive being written.
     */
    static List<String> thisJvmsOptions() {
        return ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
                .filter(option -> !option.startsWith("-agentlib:jdwp") && !option.startsWith("-Xrunjdwp")
                        && !option.startsWith("-XX:ArchiveClassesAtExit"))
                .toList();
    }

    /** How many of {@code brokers} vote by default: all up to {@value #DEFAULT_MAX_VOTERS}, else that many. */
    static int defaultVoters(int brokers) {
        return Math.min(brokers, DEFAULT_MAX_VOTERS);
    }

    int brokers() {
        return brokers;
    }

    /** Brokers 1 to this are the voters; the others are observers. */
    int voterCount() {
        return voterCount;
    }

    boolean isVoter(int node) {
        return checked(node) <= voterCount;
    }

    Path dir() {
        return dir;
    }

    int kafkaPort(int node) {
        return basePort + checked(node) - 1;
    }

    int raftPort(int node) {
        return basePort + RAFT_PORT_OFFSET + checked(node) - 1;
    }

    int metricsPort(int node) {
        return basePort + METRICS_PORT_OFFSET + checked(node) - 1;
    }

    Path nodeDir(int node) {
        return dir.resolve("node-" + checked(node));
    }

    Path pidFile(int node) {
        return nodeDir(node).resolve(PID_FILE);
    }

    Path logFile(int node) {
        return nodeDir(node).resolve(LOG_FILE);
    }

    /** Every broker's Kafka address, broker 1 first: {@code 127.0.0.1:9092,127.0.0.1:9093}. */
    String bootstrapServers() {
        return String.join(",", nodes().mapToObj(this::bootstrapServer).toList());
    }

    String bootstrapServer(int node) {
        return host(node) + ":" + kafkaPort(node);
    }

    /** controller.quorum.voters: {@code 1@127.0.0.1:9192,2@127.0.0.1:9193}, brokers 1 to {@link #voterCount}. */
    String voters() {
        return String.join(",", IntStream.rangeClosed(1, voterCount)
                .mapToObj(node -> node + "@" + host(node) + ":" + raftPort(node)).toList());
    }

    /** The address broker {@code node} binds and advertises. */
    String host(int node) {
        return placement.host().apply(checked(node));
    }

    /** 1..n. */
    IntStream nodes() {
        return IntStream.rangeClosed(1, brokers);
    }

    /** The command line that starts broker {@code node}. */
    List<String> command(int node) {
        List<String> command = new ArrayList<>(placement.launcher().apply(checked(node)));
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvmOptions);
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(Main.class.getName());
        command.add("broker");
        if (configFile != null) {
            command.add("--config");
            command.add(configFile.toString());
        }
        settings.forEach((key, value) -> {
            command.add("--set");
            command.add(key + "=" + value);
        });
        nodeSettings.apply(node).forEach((key, value) -> {
            command.add("--set");
            command.add(key + "=" + value);
        });
        // After the --set's: for the same key picocli keeps the last, and the layout must hold.
        command.add("--set");
        command.add(BrokerConfig.METRICS_HOST + "=" + host(node));
        command.add("--set");
        command.add(BrokerConfig.METRICS_PORT + "=" + metricsPort(node));
        command.add("--host");
        command.add(host(node));
        command.add("--port");
        command.add(Integer.toString(kafkaPort(node)));
        command.add("--data-dir");
        command.add(nodeDir(node).toString());
        command.add("--node-id");
        command.add(Integer.toString(node));
        command.add("--cluster");
        command.add(voters());
        if (!isVoter(node)) {
            command.add("--observer-address");
            command.add(host(node) + ":" + raftPort(node));
        }
        return command;
    }

    /**
     * Starts broker {@code node} (which must not be running), its output appended to its {@code broker.log}, and
     * writes its pid file. Returns at once; {@link #isReady(int)} tells when it serves.
     */
    Process start(int node) throws IOException {
        Process running = processes[checked(node)];
        if (running != null && running.isAlive()) {
            throw new IllegalStateException("broker " + node + " is already running (pid " + running.pid() + ")");
        }
        Files.createDirectories(nodeDir(node));
        Process process = new ProcessBuilder(command(node))
                .directory(nodeDir(node).toFile())       // where a JVM crash report (hs_err_pid*.log) lands
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile(node).toFile()))
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                .start();
        processes[node] = process;
        Path temporary = nodeDir(node).resolve(PID_FILE + ".tmp");
        Files.writeString(temporary, process.pid() + "\n");
        Files.move(temporary, pidFile(node), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        return process;
    }

    /** The process last started for broker {@code node}, if any. */
    Optional<Process> process(int node) {
        return Optional.ofNullable(processes[checked(node)]);
    }

    /** Whether broker {@code node}'s {@code /health/ready} answers 200 now. */
    boolean isReady(int node) {
        try {
            HttpURLConnection connection = (HttpURLConnection)
                    URI.create("http://" + host(node) + ":" + metricsPort(node) + "/health/ready").toURL().openConnection();
            connection.setConnectTimeout((int) PROBE_TIMEOUT.toMillis());
            connection.setReadTimeout((int) PROBE_TIMEOUT.toMillis());
            try {
                return connection.getResponseCode() == HttpURLConnection.HTTP_OK;
            } finally {
                connection.disconnect();
            }
        } catch (IOException notYet) {
            return false;       // not listening yet, or too busy to answer within the probe timeout
        }
    }

    /**
     * Stops every running broker: SIGTERM to all at once (each stops cleanly), then SIGKILL to any still running
     * after {@code timeout}. Removes the pid files of the brokers it stopped. Returns the nodes that had to be killed.
     */
    List<Integer> stopAll(Duration timeout) throws InterruptedException {
        nodes().forEach(node -> process(node).filter(Process::isAlive).ifPresent(Process::destroy));
        Instant deadline = Instant.now().plus(timeout);
        List<Integer> killed = new ArrayList<>();
        for (int node = 1; node <= brokers; node++) {
            Process process = processes[node];
            if (process == null) {
                continue;
            }
            long left = Math.max(0, Duration.between(Instant.now(), deadline).toMillis());
            if (!process.waitFor(left, TimeUnit.MILLISECONDS)) {
                killed.add(node);
                process.destroyForcibly().waitFor();
            }
            removePidFile(node, process.pid());
        }
        return killed;
    }

    /** Deletes broker {@code node}'s pid file if it still names {@code pid}, so a pid file names a live broker. */
    void removePidFile(int node, long pid) {
        try {
            Path file = pidFile(node);
            if (Files.exists(file) && Files.readString(file).strip().equals(Long.toString(pid))) {
                Files.delete(file);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot remove " + pidFile(node), e);
        }
    }

    /** The last non-blank line of broker {@code node}'s log (its error, when it failed to start), or "". */
    String lastLogLine(int node) {
        try {
            List<String> lines = Files.readAllLines(logFile(node));
            for (int i = lines.size() - 1; i >= 0; i--) {
                if (!lines.get(i).isBlank()) {
                    return lines.get(i).strip();
                }
            }
            return "";
        } catch (IOException e) {
            return "";
        }
    }

    private int checked(int node) {
        if (node < 1 || node > brokers) {
            throw new IllegalArgumentException("no broker " + node + " in a cluster of " + brokers);
        }
        return node;
    }
}
