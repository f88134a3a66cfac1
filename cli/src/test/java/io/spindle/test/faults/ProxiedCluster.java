package io.spindle.test.faults;

import io.spindle.cli.ClusterProcesses;
import io.spindle.fixtures.CrashFs;
import io.spindle.test.faults.Nemesis.Fault;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * A cluster of brokers as child processes ({@link ClusterProcesses}) with a {@link FaultProxy} in front of each
 * broker's Kafka listener. Every broker advertises its proxy's port, so clients that bootstrap through the proxies
 * (the only addresses handed out here) reach every broker through its proxy, for metadata, produce, fetch and the
 * group coordinator alike, and so do followers fetching from a leader. The metadata quorum's own traffic between brokers
 * (Raft, gRPC) does not pass the proxies. One broker's directory may sit on a {@link CrashFs} disk that forgets what
 * was not forced when its power is cut.
 */
final class ProxiedCluster implements FaultCluster {
    /** The broker whose directory is on the power-loss disk. */
    static final int POWER_LOSS_NODE = 3;
    /** What it injects beside kills and pauses. */
    static final List<Fault> FAULTS = List.of(Fault.CLIENT_BLACKHOLE, Fault.CLIENT_CUT, Fault.POWER_LOSS);

    private final ClusterProcesses processes;
    private final Map<Integer, FaultProxy> proxies;
    private final Optional<CrashFs> disk;

    private ProxiedCluster(ClusterProcesses processes, Map<Integer, FaultProxy> proxies, Optional<CrashFs> disk) {
        this.processes = processes;
        this.proxies = proxies;
        this.disk = disk;
    }

    /** Starts {@code brokers} brokers with {@code settings} and data under {@code dir}, each behind its proxy. */
    static ProxiedCluster start(int brokers, Path dir, Map<String, String> settings) throws IOException {
        return start(brokers, dir, settings, Optional.empty());
    }

    /**
     * The same, with broker {@value #POWER_LOSS_NODE}'s directory (its partition logs, its quorum member's log, its
     * own log file) on {@code disk}, mounted here, when one is given: {@link #cutPower} and {@link #restorePower}.
     */
    static ProxiedCluster start(int brokers, Path dir, Map<String, String> settings, Optional<CrashFs> disk)
            throws IOException {
        if (disk.isPresent()) {
            disk.get().mount();
            Files.createSymbolicLink(dir.resolve("node-" + POWER_LOSS_NODE), disk.get().root());
        }
        Map<Integer, FaultProxy> proxies = new HashMap<>();
        IntStream.rangeClosed(1, brokers).forEach(node -> proxies.put(node, FaultProxy.open("proxy-" + node)));
        ClusterProcesses processes;
        try {
            processes = ClusterProcesses.start(brokers, dir, settings, node -> Map.of(
                    "advertised.host", "127.0.0.1",
                    "advertised.port", Integer.toString(proxies.get(node).port())));
        } catch (IOException | RuntimeException e) {
            proxies.values().forEach(FaultProxy::close);
            unmount(disk);
            throw e;
        }
        proxies.forEach((node, proxy) -> proxy.forwardTo(processes.kafkaPort(node)));
        return new ProxiedCluster(processes, proxies, disk);
    }

    @Override
    public List<Fault> networkAndDiskFaults() {
        return FAULTS;
    }

    @Override
    public void begin(Fault fault, int node) throws IOException {
        switch (fault) {
            case POWER_LOSS -> cutPower(node);
            case CLIENT_BLACKHOLE -> proxies.get(node).blackhole();
            case CLIENT_CUT -> proxies.get(node).cut();
            default -> throw new IllegalArgumentException(fault + " is not a fault of a proxied cluster");
        }
    }

    @Override
    public void end(Fault fault, int node) throws IOException {
        switch (fault) {
            case POWER_LOSS -> restorePower(node);
            case CLIENT_BLACKHOLE, CLIENT_CUT -> proxies.get(node).heal();
            default -> throw new IllegalArgumentException(fault + " is not a fault of a proxied cluster");
        }
    }

    @Override
    public Optional<Integer> powerLossNode() {
        return disk.map(d -> POWER_LOSS_NODE);
    }

    /**
     * The power of broker {@code node} goes: kill -9, then its disk keeps only what was forced (every write and
     * directory change not forced is gone).
     */
    private void cutPower(int node) throws IOException {
        CrashFs crashFs = disk.filter(d -> node == POWER_LOSS_NODE)
                .orElseThrow(() -> new IllegalArgumentException("broker " + node + " has no power-loss disk"));
        processes.kill(node);
        try {
            crashFs.powerCut();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while cutting the power of broker " + node, e);
        }
    }

    /** The power returns: the disk as the cut left it is mounted again and broker {@code node} starts on it. */
    private void restorePower(int node) throws IOException {
        disk.orElseThrow().mount();
        processes.restart(node);
    }

    @Override
    public ClusterProcesses processes() {
        return processes;
    }

    @Override
    public List<Integer> nodes() {
        return proxies.keySet().stream().sorted().toList();
    }

    /** The proxies' addresses, the clients' bootstrap servers. */
    @Override
    public String bootstrapServers() {
        return nodes().stream().map(node -> "127.0.0.1:" + proxies.get(node).port()).collect(Collectors.joining(","));
    }

    /** Every proxy forwards again. */
    @Override
    public void healAll() {
        proxies.values().forEach(FaultProxy::heal);
    }

    @Override
    public void close() {
        try {
            processes.close();
        } finally {
            proxies.values().forEach(FaultProxy::close);
            unmount(disk);
        }
    }

    private static void unmount(Optional<CrashFs> disk) {
        if (disk.isPresent()) {
            try {
                disk.get().close();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot unmount the power-loss disk", e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
