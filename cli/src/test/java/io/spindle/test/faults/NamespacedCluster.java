package io.spindle.test.faults;

import io.spindle.cli.ClusterProcesses;
import io.spindle.test.faults.Nemesis.Fault;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * A cluster of brokers as child processes ({@link ClusterProcesses}), each in a network namespace of its own on a
 * {@link BrokerNetwork}: every broker binds and advertises its namespace's address for its Kafka listener and its
 * quorum member alike, so the traffic between brokers (followers fetching from leaders, the metadata quorum's Raft and
 * the brokers' heartbeats to it) crosses the network the test cuts, while the clients in this process reach every
 * broker over the bridge. Its faults cut brokers off from each other ({@link Fault#BROKER_PARTITION},
 * {@link Fault#BROKER_PARTITION_ONE_WAY}, {@link Fault#BROKER_BRIDGE}, and with five brokers
 * {@link Fault#BROKER_PARTITION_PAIR}) or from the clients
 * ({@link Fault#CLIENT_BLACKHOLE}); one fault at a time.
 */
final class NamespacedCluster implements FaultCluster {
    /** What it injects beside kills and pauses. */
    static final List<Fault> FAULTS = List.of(Fault.CLIENT_BLACKHOLE, Fault.BROKER_PARTITION,
            Fault.BROKER_PARTITION_ONE_WAY, Fault.BROKER_BRIDGE);

    private final BrokerNetwork network;
    private final ClusterProcesses processes;
    private final int brokers;

    private NamespacedCluster(BrokerNetwork network, ClusterProcesses processes, int brokers) {
        this.network = network;
        this.processes = processes;
        this.brokers = brokers;
    }

    /**
     * Starts {@code brokers} brokers with {@code settings} and data under {@code dir}, each in its namespace; skips the
     * test (JUnit assumption) where this machine cannot make namespaces ({@link BrokerNetwork#create}).
     */
    static NamespacedCluster start(int brokers, Path dir, Map<String, String> settings) throws IOException {
        BrokerNetwork network = BrokerNetwork.create(brokers);
        try {
            return new NamespacedCluster(network,
                    ClusterProcesses.start(brokers, dir, settings, network::address, network::launcher), brokers);
        } catch (IOException | RuntimeException e) {
            network.close();
            throw e;
        }
    }

    @Override
    public ClusterProcesses processes() {
        return processes;
    }

    @Override
    public List<Integer> nodes() {
        return IntStream.rangeClosed(1, brokers).boxed().toList();
    }

    @Override
    public String bootstrapServers() {
        return processes.bootstrapServers();
    }

    @Override
    public List<Fault> networkAndDiskFaults() {
        return FAULTS;
    }

    @Override
    public void begin(Fault fault, int node) {
        switch (fault) {
            case CLIENT_BLACKHOLE -> network.dropToClients(node);
            case BROKER_PARTITION -> others(node).forEach(other -> {
                network.drop(node, other);
                network.drop(other, node);
            });
            case BROKER_PARTITION_ONE_WAY -> others(node).forEach(other -> network.drop(node, other));
            case BROKER_BRIDGE -> {
                int next = node % brokers + 1;
                network.drop(node, next);
                network.drop(next, node);
            }
            case BROKER_PARTITION_PAIR -> {
                Set<Integer> pair = struck(fault, node);
                for (int inside : pair) {
                    nodes().stream().filter(other -> !pair.contains(other)).forEach(other -> {
                        network.drop(inside, other);
                        network.drop(other, inside);
                    });
                }
            }
            default -> throw new IllegalArgumentException(fault + " is not a fault of a namespaced cluster");
        }
    }

    @Override
    public Set<Integer> struck(Fault fault, int node) {
        return fault == Fault.BROKER_PARTITION_PAIR ? Set.of(node, node % brokers + 1) : Set.of(node);
    }

    /** Every fault here is a set of cuts, and one holds at a time: ending one deletes them all. */
    @Override
    public void end(Fault fault, int node) {
        network.healAll();
    }

    @Override
    public void healAll() {
        network.healAll();
    }

    @Override
    public void close() {
        try {
            processes.close();
        } finally {
            network.close();
        }
    }

    private List<Integer> others(int node) {
        return nodes().stream().filter(other -> other != node).collect(Collectors.toList());
    }
}
