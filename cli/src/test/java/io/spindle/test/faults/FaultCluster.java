package io.spindle.test.faults;

import io.spindle.cli.ClusterProcesses;
import io.spindle.test.faults.Nemesis.Fault;
import java.io.IOException;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * A cluster of broker processes that the {@link Nemesis} strikes: its brokers, where clients reach them, and the
 * faults of the network and disks it can inject. The faults of the processes themselves ({@link Fault#KILL},
 * {@link Fault#PAUSE}) every cluster takes through {@link #processes()}. {@link ProxiedCluster} cuts clients off from
 * a broker behind its proxy and cuts a disk's power; {@link NamespacedCluster} cuts brokers off from each other.
 * Not thread-safe: the test thread drives it.
 */
interface FaultCluster extends AutoCloseable {
    /** The brokers' processes: kill, restart, pause, resume, data directories, logs. */
    ClusterProcesses processes();

    /** The brokers' node ids, in order. */
    List<Integer> nodes();

    /** Where clients bootstrap. */
    String bootstrapServers();

    /** The faults beside {@link Fault#KILL} and {@link Fault#PAUSE} that {@link #begin} takes, in declaration order. */
    List<Fault> networkAndDiskFaults();

    /** The broker whose directory is on a power-loss disk, when there is one: {@link Fault#POWER_LOSS} strikes it. */
    default Optional<Integer> powerLossNode() {
        return Optional.empty();
    }

    /** Strikes broker {@code node} with {@code fault}, one of {@link #networkAndDiskFaults()}. */
    void begin(Fault fault, int node) throws IOException;

    /**
     * The brokers that {@code fault} of broker {@code node} cuts off from the others (their partitions may stop taking
     * writes while it holds): the node alone, but for faults that strike several brokers together.
     */
    default Set<Integer> struck(Fault fault, int node) {
        return Set.of(node);
    }

    /** Ends {@code fault} of broker {@code node}, begun by {@link #begin}. */
    void end(Fault fault, int node) throws IOException;

    /** Ends every fault of the network, so that the final reads reach every broker whatever a failed run left. */
    void healAll();

    @Override
    void close();
}
