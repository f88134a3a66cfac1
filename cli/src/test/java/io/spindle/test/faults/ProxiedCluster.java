package io.spindle.test.faults;

import io.spindle.cli.ClusterProcesses;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * A cluster of brokers as child processes ({@link ClusterProcesses}) with a {@link FaultProxy} in front of each
 * broker's Kafka listener. Every broker advertises its proxy's port, so clients that bootstrap through the proxies
 * (the only addresses handed out here) reach every broker through its proxy, for metadata, produce, fetch and the
 * group coordinator alike. The metadata quorum's own traffic between brokers (Raft, gRPC) does not pass the proxies.
 */
final class ProxiedCluster implements AutoCloseable {
    private final ClusterProcesses processes;
    private final Map<Integer, FaultProxy> proxies;

    private ProxiedCluster(ClusterProcesses processes, Map<Integer, FaultProxy> proxies) {
        this.processes = processes;
        this.proxies = proxies;
    }

    /** Starts {@code brokers} brokers with {@code settings} and data under {@code dir}, each behind its proxy. */
    static ProxiedCluster start(int brokers, Path dir, Map<String, String> settings) throws IOException {
        Map<Integer, FaultProxy> proxies = new HashMap<>();
        IntStream.rangeClosed(1, brokers).forEach(node -> proxies.put(node, FaultProxy.open("proxy-" + node)));
        ClusterProcesses processes;
        try {
            processes = ClusterProcesses.start(brokers, dir, settings, node -> Map.of(
                    "advertised.host", "127.0.0.1",
                    "advertised.port", Integer.toString(proxies.get(node).port())));
        } catch (IOException | RuntimeException e) {
            proxies.values().forEach(FaultProxy::close);
            throw e;
        }
        proxies.forEach((node, proxy) -> proxy.forwardTo(processes.kafkaPort(node)));
        return new ProxiedCluster(processes, proxies);
    }

    /** The brokers' processes: kill, restart, pause, resume, logs. */
    ClusterProcesses processes() {
        return processes;
    }

    FaultProxy proxy(int node) {
        return proxies.get(node);
    }

    List<Integer> nodes() {
        return proxies.keySet().stream().sorted().toList();
    }

    /** The proxies' addresses, the clients' bootstrap servers. */
    String bootstrapServers() {
        return nodes().stream().map(node -> "127.0.0.1:" + proxies.get(node).port()).collect(Collectors.joining(","));
    }

    /** Every proxy forwards again. */
    void healAll() {
        proxies.values().forEach(FaultProxy::heal);
    }

    @Override
    public void close() {
        try {
            processes.close();
        } finally {
            proxies.values().forEach(FaultProxy::close);
        }
    }
}
