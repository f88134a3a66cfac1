package io.spindle.perf;

import java.util.List;
import java.util.stream.Collectors;

/**
 * The brokers of one cluster, each a {@link BrokerProcess} (node i is element i-1), started by {@link ClusterLauncher}.
 * The cluster's clock starts with its first process; {@link #close()} sends SIGTERM to all at once and then waits for
 * each, so that no broker waits for a quorum that the others' sequential stops have already taken away.
 */
final class BrokerCluster implements SideBySide.Started, ClusterRun.Target {
    private final String name;
    private final List<BrokerProcess> nodes;

    BrokerCluster(String name, List<BrokerProcess> nodes) {
        if (nodes.isEmpty()) {
            throw new IllegalArgumentException("a cluster needs at least one broker");
        }
        this.name = name;
        this.nodes = List.copyOf(nodes);
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
