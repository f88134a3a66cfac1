package io.spindle.perf;

import java.util.ArrayList;
import java.util.List;
import java.util.function.IntFunction;
import java.util.stream.Collectors;

/**
 * The brokers of one cluster, each a {@link BrokerProcess} (node i is element i-1), started by {@link ClusterLauncher}.
 * The cluster's clock starts with its first process; {@link #close()} sends SIGTERM to all at once and then waits for
 * each, so that no broker waits for a quorum that the others' sequential stops have already taken away. A cluster
 * started with a way to start each node again can have a node killed with SIGKILL and restarted on its ports and data
 * ({@link #kill}, {@link #restart}: {@code spindle perf failover}).
 */
final class BrokerCluster implements SideBySide.Started, ClusterRun.Target {
    private final String name;
    private final List<BrokerProcess> nodes;
    private final IntFunction<BrokerProcess> starter;

    BrokerCluster(String name, List<BrokerProcess> nodes) {
        this(name, nodes, null);
    }

    /** {@code starter} starts node i (from 1) again on its ports and data; null when the cluster cannot do that. */
    BrokerCluster(String name, List<BrokerProcess> nodes, IntFunction<BrokerProcess> starter) {
        if (nodes.isEmpty()) {
            throw new IllegalArgumentException("a cluster needs at least one broker");
        }
        this.name = name;
        this.nodes = new ArrayList<>(nodes);
        this.starter = starter;
    }

    /** Node {@code node} (from 1) as it runs now. */
    BrokerProcess node(int node) {
        return nodes.get(node - 1);
    }

    /** SIGKILL to node {@code node} (from 1), as a crash; returns once its process is gone. */
    void kill(int node) throws InterruptedException {
        nodes.get(node - 1).kill();
    }

    /** Starts node {@code node} again on its ports and data; the returned process is starting. */
    BrokerProcess restart(int node) {
        if (starter == null) {
            throw new IllegalStateException(name + " cluster cannot restart a node");
        }
        BrokerProcess started = starter.apply(node);
        nodes.set(node - 1, started);
        return started;
    }

    String name() {
        return name;
    }

    @Override
    public List<String> bootstraps() {
        return nodes.stream().map(BrokerProcess::bootstrap).toList();
    }

    @Override
    public long startedNanos() {
        return nodes.get(0).startedNanos();
    }

    @Override
    public void requireAlive(String what) {
        nodes.forEach(node -> node.requireAlive(what));
    }

    /** CPU time (user plus system) that all the brokers have used so far, in seconds. */
    @Override
    public double cpuSeconds() {
        return nodes.stream().mapToDouble(BrokerProcess::cpuSeconds).sum();
    }

    @Override
    public String tail() {
        return nodes.stream().map(node -> "--- " + name + " node " + (nodes.indexOf(node) + 1) + " (pid " + node.pid()
                + ") ---\n" + node.tail()).collect(Collectors.joining("\n"));
    }

    @Override
    public void close() throws InterruptedException {
        nodes.forEach(BrokerProcess::terminate);
        for (BrokerProcess node : nodes) {
            node.close();
        }
    }
}
