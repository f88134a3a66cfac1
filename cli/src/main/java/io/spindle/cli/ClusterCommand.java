package io.spindle.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code spindle cluster up}: a cluster of brokers on this machine in one command, for development, demos and
 * tests. Its subcommand needs the process's {@link Shutdown}, so {@link SpindleCommand} registers it, with
 * {@code cluster voters} ({@link VotersCommand}).
 */
@Command(name = "cluster",
        description = "Runs a cluster of brokers on this machine; lists and changes a cluster's metadata voters.",
        synopsisSubcommandLabel = "COMMAND")
final class ClusterCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        throw new ParameterException(spec.commandLine(), "Missing a command: up or voters");
    }

    /**
     * Starts N brokers as child processes ({@link LocalCluster} has the layout), prints one line once every one is
     * ready, then one line for each broker that exits on its own (the others keep running), and on SIGTERM or Ctrl-C
     * stops them all cleanly (SIGKILL after {@link #STOP_TIMEOUT}) and prints {@value BrokerCommand#STOPPED_LINE}.
     * A broker that exits before it is ready stops the others and the command, with status 1 and one line on stderr
     * naming the broker and the last line of its log. Nothing of the data is removed; a pid file goes with its broker.
     */
    @Command(name = "up",
            description = {"Starts a cluster of N brokers on 127.0.0.1, each its own process, and runs until SIGTERM "
                    + "or Ctrl-C, which stop them all cleanly.",
                "",
                "Broker i (1..N) has node id i and serves Kafka on port P+i-1; its Raft (metadata quorum) port is "
                    + "P+100+i-1 and its metrics and health port P+312+i-1 (9404 for broker 1 when P is 9092). Its "
                    + "data is in DIR/node-i, with its pid in DIR/node-i/pid and its output in DIR/node-i/broker.log.",
                "Brokers 1 to V vote in the metadata quorum (V: all of them up to 5, else 5, unless --voters); the "
                    + "others are observers, full brokers that apply the metadata without voting.",
                "Prints one line when every broker is ready (/health/ready), and one line for a broker that exits "
                    + "on its own; the others keep running.",
                ""},
            sortOptions = false)
    static final class Up implements Callable<Integer> {
        static final Duration START_TIMEOUT = Duration.ofMinutes(2);
        static final Duration STOP_TIMEOUT = Duration.ofSeconds(30);
        private static final Duration POLL = Duration.ofMillis(100);

        private final Shutdown shutdown;

        @Spec
        CommandSpec spec;

        @Parameters(paramLabel = "N", description = "How many brokers: 1 to " + LocalCluster.MAX_BROKERS + ".")
        int brokers;

        @Option(names = "--base-port", paramLabel = "P", defaultValue = "9092",
                description = "Broker 1's Kafka port; broker i's is P+i-1 (default: ${DEFAULT-VALUE}).")
        int basePort;

        @Option(names = "--voters", paramLabel = "V",
                description = "How many of the brokers (1 to V) are voters of the metadata quorum; the others are "
                        + "observers (default: N up to " + LocalCluster.DEFAULT_MAX_VOTERS + ", else "
                        + LocalCluster.DEFAULT_MAX_VOTERS + ").")
        Integer voters;

        @Option(names = "--data-dir", paramLabel = "DIR", defaultValue = "spindle-cluster",
                description = "Where the brokers' directories node-1..node-N go (default: ./${DEFAULT-VALUE}).")
        Path dataDir;

        @Option(names = "--config", paramLabel = "FILE", description = "A properties file every broker reads.")
        Path configFile;

        @Option(names = "--set", paramLabel = "KEY=VALUE",
                description = "A setting for every broker, e.g. --set flush.mode=none; repeatable. The layout's own "
                        + "settings (ports, data.dir, node.id, voters) win over it.")
        Map<String, String> settings = new LinkedHashMap<>();

        Up(Shutdown shutdown) {
            this.shutdown = shutdown;
        }

        @Override
        public Integer call() throws IOException, InterruptedException {
            LocalCluster cluster;
            try {
                cluster = new LocalCluster(brokers, voters == null ? LocalCluster.defaultVoters(brokers) : voters,
                        basePort, dataDir, configFile, settings, node -> Map.of(), LocalCluster.thisJvmsOptions());
            } catch (IllegalArgumentException e) {
                throw new ParameterException(spec.commandLine(), e.getMessage(), e);
            }
            checkPortsFree(cluster);
            PrintWriter out = spec.commandLine().getOut();
            AtomicBoolean stopping = new AtomicBoolean();
            AtomicBoolean noneLeft = new AtomicBoolean();
            shutdown.arm();
            try {
                for (int node = 1; node <= brokers; node++) {
                    cluster.start(node);
                }
                if (awaitReady(cluster)) {
                    print(out, readyLine(cluster));
                    watchExits(cluster, out, stopping, noneLeft);
                    shutdown.awaitRequest();
                }
            } finally {
                stopping.set(true);
                List<Integer> killed = cluster.stopAll(STOP_TIMEOUT);
                if (!killed.isEmpty()) {
                    spec.commandLine().getErr().println(spec.qualifiedName() + ": broker(s) " + killed
                            + " had not stopped " + STOP_TIMEOUT.toSeconds() + " s after SIGTERM and were killed");
                }
                shutdown.finish();
            }
            print(out, BrokerCommand.STOPPED_LINE);
            return noneLeft.get() ? SpindleCommand.FAILED : SpindleCommand.OK;
        }

        /**
         * Refuses to start when a port of the layout is taken: a broker would fail on it, and one already serving
         * there (a cluster left running) would answer the readiness probe in place of ours.
         */
        private static void checkPortsFree(LocalCluster cluster) {
            for (int node = 1; node <= cluster.brokers(); node++) {
                checkPortFree(cluster.kafkaPort(node), "broker " + node + "'s Kafka port");
                checkPortFree(cluster.raftPort(node), "broker " + node + "'s Raft port");
                checkPortFree(cluster.metricsPort(node), "broker " + node + "'s metrics port");
            }
        }

        private static void checkPortFree(int port, String what) {
            try {
                new ServerSocket(port, 1, InetAddress.getByName("127.0.0.1")).close();
            } catch (IOException e) {
                throw new ClusterStartException("Port " + port + " on 127.0.0.1 (" + what + ") is in use: is a "
                        + "cluster already running there? Stop it or choose another --base-port", e);
            }
        }

        /**
         * Waits until every broker is ready; false if a stop was requested meanwhile.
         *
         * @throws ClusterStartException if a broker exits first, or some are not ready within {@link #START_TIMEOUT}
         */
        private boolean awaitReady(LocalCluster cluster) throws InterruptedException {
            Instant deadline = Instant.now().plus(START_TIMEOUT);
            Set<Integer> waiting = new TreeSet<>(cluster.nodes().boxed().toList());
            while (true) {
                for (int node : waiting) {
                    Process process = cluster.process(node).orElseThrow();
                    if (!process.isAlive()) {
                        throw new ClusterStartException("Broker " + node + " exited with status " + process.exitValue()
                                + " before it was ready: " + cluster.lastLogLine(node) + " (its log: "
                                + cluster.logFile(node) + ")", null);
                    }
                }
                waiting.removeIf(cluster::isReady);
                if (waiting.isEmpty()) {
                    return true;
                }
                if (Instant.now().isAfter(deadline)) {
                    throw new ClusterStartException("Broker(s) " + waiting + " not ready within "
                            + START_TIMEOUT.toSeconds() + " s; their logs are " + cluster.dir()
                            + "/node-i/broker.log", null);
                }
                if (shutdown.awaitRequest(POLL)) {
                    return false;
                }
            }
        }

        /** One line for each broker that exits on its own; when none is left, the command stops too. */
        private void watchExits(LocalCluster cluster, PrintWriter out, AtomicBoolean stopping, AtomicBoolean noneLeft) {
            AtomicInteger running = new AtomicInteger(cluster.brokers());
            cluster.nodes().forEach(node -> cluster.process(node).orElseThrow().onExit().thenAccept(exited -> {
                if (stopping.get()) {
                    return;
                }
                cluster.removePidFile(node, exited.pid());
                boolean last = running.decrementAndGet() == 0;
                print(out, "Broker " + node + " (pid " + exited.pid() + ") exited with status " + exited.exitValue()
                        + (last ? "; none is left running" : "; the others keep running"));
                if (last) {
                    noneLeft.set(true);
                    shutdown.request();
                }
            }));
        }

        private static String readyLine(LocalCluster cluster) {
            int observers = cluster.brokers() - cluster.voterCount();
            return "Spindle cluster of " + cluster.brokers() + " broker" + (cluster.brokers() == 1 ? "" : "s")
                    + (observers == 0 ? "" : " (" + cluster.voterCount() + " voter" + (cluster.voterCount() == 1 ? ""
                    : "s") + ", " + observers + " observer" + (observers == 1 ? "" : "s") + ")")
                    + " ready: bootstrap servers " + cluster.bootstrapServers() + ", data in " + cluster.dir();
        }

        private static void print(PrintWriter out, String line) {
            synchronized (out) {
                out.println(line);
                out.flush();
            }
        }
    }

    /** The cluster did not start; the message names the broker and why. */
    static final class ClusterStartException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        ClusterStartException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
