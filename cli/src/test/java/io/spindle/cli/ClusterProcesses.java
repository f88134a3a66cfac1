package io.spindle.cli;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;
import java.util.stream.IntStream;
import org.awaitility.core.ConditionTimeoutException;

/**
 * A cluster of brokers as child processes on 127.0.0.1, for multi-broker tests: the same layout, command lines and
 * pid files as {@code spindle cluster up} ({@link LocalCluster}), driven from the test so that one broker can be
 * killed with SIGKILL and started again on its ports and its data.
 *
 * <pre>{@code
 * try (ClusterProcesses cluster = ClusterProcesses.start(3, tempDir)) {
 *     produce(cluster.bootstrapServers(), ...);
 *     cluster.kill(2);            // kill -9 of broker 2's pid; returns once it is gone
 *     cluster.restart(2);         // same ports, same data; returns once it is ready
 * }                               // SIGTERM to all, SIGKILL after 30 s
 * }</pre>
 *
 * Brokers run with a small heap and the client compiler only, so that three start in seconds on two cores.
 * Not thread-safe: the test thread drives it.
 */
public final class ClusterProcesses implements AutoCloseable {
    static final Duration START_TIMEOUT = Duration.ofSeconds(90);
    static final Duration STOP_TIMEOUT = Duration.ofSeconds(30);
    /** Options of each broker's JVM (and of a {@code cluster up} child, which hands its own on to its brokers). */
    static final List<String> JVM_OPTIONS = List.of("-Xmx384m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC");

    private final LocalCluster cluster;

    private ClusterProcesses(LocalCluster cluster) {
        this.cluster = cluster;
    }

    /** Starts {@code brokers} brokers with data under {@code dir} and waits until every one is ready. */
    public static ClusterProcesses start(int brokers, Path dir) throws IOException {
        return start(brokers, dir, Map.of());
    }

    /** The same, with {@code settings} given to every broker. */
    public static ClusterProcesses start(int brokers, Path dir, Map<String, String> settings) throws IOException {
        return start(brokers, dir, settings, node -> Map.of());
    }

    /**
     * The same, with {@code nodeSettings} giving each broker (by node id) settings of its own that win over
     * {@code settings}: the fault tests' {@code advertised.port} of a proxy in front of each broker.
     */
    public static ClusterProcesses start(int brokers, Path dir, Map<String, String> settings,
                                         IntFunction<Map<String, String>> nodeSettings) throws IOException {
        return startAll(new LocalCluster(brokers, freeBasePort(brokers), dir, null, settings, nodeSettings,
                JVM_OPTIONS));
    }

    /**
     * The same, broker {@code node} binding and advertising {@code host.apply(node)} (Kafka listener, quorum member,
     * metrics) and started behind {@code launcher.apply(node)}, the words before {@code java}: the network-partition
     * fault tests put each broker in a network namespace of its own ({@code ip netns exec <namespace>}).
     */
    public static ClusterProcesses start(int brokers, Path dir, Map<String, String> settings, IntFunction<String> host,
                                         IntFunction<List<String>> launcher) throws IOException {
        return startAll(new LocalCluster(brokers, freeBasePort(brokers), dir, null, settings, node -> Map.of(),
                JVM_OPTIONS, new LocalCluster.Placement(host, launcher)));
    }

    private static ClusterProcesses startAll(LocalCluster cluster) throws IOException {
        ClusterProcesses processes = new ClusterProcesses(cluster);
        try {
            for (int node = 1; node <= cluster.brokers(); node++) {
                processes.cluster.start(node);
            }
            for (int node = 1; node <= cluster.brokers(); node++) {
                processes.awaitReady(node);
            }
            return processes;
        } catch (RuntimeException | IOException e) {
            processes.close();
            throw e;
        }
    }

    /**
     * {@code brokers} brokers of which 1 to {@code voters} are the voters and the others observers, every one started
     * and ready.
     */
    public static ClusterProcesses startWithVoters(int brokers, int voters, Path dir, Map<String, String> settings)
            throws IOException {
        return startAll(new LocalCluster(brokers, voters, freeBasePort(brokers), dir, null, settings, node -> Map.of(),
                JVM_OPTIONS));
    }

    /**
     * A cluster laid out for {@code brokers} brokers, every one a voter, of which only brokers 1 to {@code running}
     * are started now (they must be a majority of the voters); {@link #startBroker} starts the others later.
     */
    public static ClusterProcesses startFirst(int running, int brokers, Path dir, Map<String, String> settings)
            throws IOException {
        ClusterProcesses processes = new ClusterProcesses(
                new LocalCluster(brokers, freeBasePort(brokers), dir, null, settings, node -> Map.of(), JVM_OPTIONS));
        try {
            for (int node = 1; node <= running; node++) {
                processes.cluster.start(node);
            }
            for (int node = 1; node <= running; node++) {
                processes.awaitReady(node);
            }
            return processes;
        } catch (RuntimeException | IOException e) {
            processes.close();
            throw e;
        }
    }

    /** Starts broker {@code node} (for the first time, or again) and waits until it is ready. */
    public void startBroker(int node) throws IOException {
        restart(node);
    }

    /** Every broker's address, broker 1 first. */
    public String bootstrapServers() {
        return cluster.bootstrapServers();
    }

    /** Broker {@code node}'s address alone. */
    public String bootstrapServers(int node) {
        return cluster.bootstrapServer(node);
    }

    public int kafkaPort(int node) {
        return cluster.kafkaPort(node);
    }

    public Path nodeDir(int node) {
        return cluster.nodeDir(node);
    }

    /** The pid in broker {@code node}'s pid file. */
    public long pid(int node) {
        try {
            return Long.parseLong(Files.readString(cluster.pidFile(node)).strip());
        } catch (IOException e) {
            throw new UncheckedIOException("no pid file for broker " + node, e);
        }
    }

    public boolean isRunning(int node) {
        return ProcessHandle.of(pid(node)).map(ProcessHandle::isAlive).orElse(false);
    }

    /** kill -9 of the pid in broker {@code node}'s pid file; returns once that process has ended. */
    public void kill(int node) {
        ProcessHandle handle = ProcessHandle.of(pid(node))
                .orElseThrow(() -> new IllegalStateException("broker " + node + " is not running"));
        handle.destroyForcibly();
        await().atMost(STOP_TIMEOUT).until(() -> !handle.isAlive());
    }

    /** SIGSTOP to broker {@code node}: it keeps its sockets and its state but answers nothing until {@link #resume}. */
    public void pause(int node) {
        signal(node, "STOP");
    }

    /** SIGCONT to broker {@code node} after {@link #pause}. */
    public void resume(int node) {
        signal(node, "CONT");
    }

    private void signal(int node, String signal) {
        long pid = pid(node);
        try {
            Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(pid)).redirectErrorStream(true).start();
            String output = new String(kill.getInputStream().readAllBytes());
            if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
                throw new IllegalStateException("kill -" + signal + " " + pid + " (broker " + node + ") failed: " + output);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run kill -" + signal + " for broker " + node, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while signalling broker " + node, e);
        }
    }

    /** SIGTERM to broker {@code node}, which stops cleanly; returns once its process has ended. */
    public void stop(int node) {
        ProcessHandle handle = ProcessHandle.of(pid(node))
                .orElseThrow(() -> new IllegalStateException("broker " + node + " is not running"));
        handle.destroy();
        await().atMost(STOP_TIMEOUT).until(() -> !handle.isAlive());
    }

    /** Starts broker {@code node} again, on its ports and its data, and waits until it is ready. */
    public void restart(int node) throws IOException {
        cluster.start(node);
        awaitReady(node);
    }

    /**
     * Starts the brokers {@code nodes} again and then waits until each is ready: after a majority was killed, none is
     * ready until enough voters are back.
     */
    public void restartTogether(int... nodes) throws IOException {
        for (int node : nodes) {
            cluster.start(node);
        }
        for (int node : nodes) {
            awaitReady(node);
        }
    }

    /** The last lines broker {@code node} wrote, for failure messages. */
    public String logTail(int node) {
        try {
            List<String> lines = Files.readAllLines(cluster.logFile(node));
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    /** Everything broker {@code node} wrote to its log so far (every start of it), for checks on what it did. */
    public String log(int node) {
        try {
            return Files.readString(cluster.logFile(node));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the log of broker " + node, e);
        }
    }

    /** SIGTERM to every broker still running, SIGKILL to those not stopped after {@link #STOP_TIMEOUT}. */
    @Override
    public void close() {
        try {
            cluster.stopAll(STOP_TIMEOUT);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void awaitReady(int node) {
        Process process = cluster.process(node).orElseThrow();
        try {
            await().atMost(START_TIMEOUT).pollInterval(Duration.ofMillis(100))
                    .until(() -> !process.isAlive() || cluster.isReady(node));
        } catch (ConditionTimeoutException e) {
            throw new IllegalStateException("broker " + node + " not ready within " + START_TIMEOUT + "; its log ends:\n"
                    + logTail(node), e);
        }
        if (!process.isAlive()) {
            throw new IllegalStateException("broker " + node + " exited with status " + process.exitValue()
                    + " at start; its log ends:\n" + logTail(node));
        }
    }

    /**
     * A base port whose whole layout for {@code brokers} (Kafka, Raft and metrics ports) is free now, below Linux's
     * ephemeral range (32768 and up) so that clients' outgoing ports do not take it meanwhile.
     */
    static int freeBasePort(int brokers) {
        for (int attempt = 0; attempt < 100; attempt++) {
            int base = ThreadLocalRandom.current().nextInt(20_000, 32_000);
            if (IntStream.range(0, brokers).allMatch(i -> isFree(base + i)
                    && isFree(base + LocalCluster.RAFT_PORT_OFFSET + i)
                    && isFree(base + LocalCluster.METRICS_PORT_OFFSET + i))) {
                return base;
            }
        }
        throw new IllegalStateException("no free base port for " + brokers + " brokers in 100 tries");
    }

    private static boolean isFree(int port) {
        try {
            new ServerSocket(port, 1, InetAddress.getByName("127.0.0.1")).close();
            return true;
        } catch (IOException taken) {
            return false;
        }
    }
}
