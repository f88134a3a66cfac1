package io.spindle.perf;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntFunction;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.apache.kafka.common.Uuid;

/**
 * Starts a cluster of brokers on loopback, each a child JVM started as {@code compare} starts one, node i (from 1)
 * in {@code dir}/node-i. Every broker is also a member of the metadata quorum, and every member a voter: Kafka's
 * combined mode (KRaft broker and controller in one process) and Spindle's cluster (a Ratis member in each broker), so
 * the two have the same shape.
 *
 * <ul>
 *   <li>Spindle: {@code spindle broker --set node.id=i --set controller.quorum.voters=1@127.0.0.1:R1,...} (what
 *       {@code --node-id} and {@code --cluster} set, and what {@code spindle cluster up} gives each broker), with
 *       {@code spindle.jar} and its class-data sharing archive, its defaults otherwise.</li>
 *   <li>Kafka: {@code server.properties} of {@link KafkaLauncher#serverProperties(Path, int, int, int, String)} per node,
 *       the same static {@code controller.quorum.voters} for all, every node's storage formatted with one cluster id
 *       (formatting is done before the first process starts, so it is not timed), then {@code kafka.Kafka} per
 *       node.</li>
 * </ul>
 */
final class ClusterLauncher {
    private static final String NODE_PREFIX = "node-";

    private ClusterLauncher() {
    }

    static Path nodeDir(Path dir, int node) {
        return dir.resolve(NODE_PREFIX + node);
    }

    /** The node directories a cluster started in {@code dir} left there, in no particular order; none if none. */
    static List<Path> nodeDirs(Path dir) {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> children = Files.list(dir)) {
            return children.filter(p -> Files.isDirectory(p) && p.getFileName().toString().startsWith(NODE_PREFIX)).toList();
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot list " + dir, e);
        }
    }

    /** {@code 1@127.0.0.1:p1,2@127.0.0.1:p2,...} for the quorum ports {@code ports} of nodes 1, 2, .... */
    static String voters(List<Integer> ports) {
        return String.join(",", IntStream.range(0, ports.size()).mapToObj(i -> (i + 1) + "@127.0.0.1:" + ports.get(i)).toList());
    }

    /** Starts {@code brokers} Spindle brokers of one cluster, with {@code settings} on top of each one's own. */
    static BrokerCluster spindle(Path java, Path jar, Path archive, Path dir, int brokers, Map<String, String> settings) {
        List<Integer> free = freePorts(2 * brokers);
        String voters = voters(free.subList(0, brokers));
        IntFunction<BrokerProcess> starter = node -> {
            Map<String, String> nodeSettings = new LinkedHashMap<>(settings);
            nodeSettings.put("node.id", Integer.toString(node));
            nodeSettings.put("controller.quorum.voters", voters);
            return SpindleLauncher.start(java, jar, archive, nodeDir(dir, node), free.get(brokers + node - 1),
                    nodeSettings);
        };
        return startEach(SpindleLauncher.NAME, brokers, starter);
    }

    /** Formats and starts {@code brokers} Kafka nodes of one cluster, with {@code overrides} in each server.properties. */
    static BrokerCluster kafka(Path java, Path kafkaLib, Path dir, int brokers, Map<String, String> overrides)
            throws InterruptedException {
        List<Integer> free = freePorts(2 * brokers);
        List<Integer> controllerPorts = free.subList(0, brokers);
        List<Integer> ports = free.subList(brokers, 2 * brokers);
        String voters = voters(controllerPorts);
        String clusterId = Uuid.randomUuid().toString();
        for (int node = 1; node <= brokers; node++) {
            Path nodeDir = nodeDir(dir, node);
            Map<String, String> properties = KafkaLauncher.serverProperties(KafkaLauncher.logDir(nodeDir), node,
                    ports.get(node - 1), controllerPorts.get(node - 1), voters);
            properties.putAll(overrides);
            KafkaLauncher.format(java, kafkaLib, nodeDir, properties, clusterId);
        }
        return startEach(KafkaLauncher.NAME, brokers,
                node -> KafkaLauncher.launch(java, kafkaLib, nodeDir(dir, node), ports.get(node - 1)));
    }

    /** Starts nodes 1 to {@code brokers} with {@code starter}, which the cluster keeps to restart one. */
    private static BrokerCluster startEach(String name, int brokers, IntFunction<BrokerProcess> starter) {
        List<BrokerProcess> started = new ArrayList<>();
        try {
            for (int node = 1; node <= brokers; node++) {
                started.add(starter.apply(node));
            }
        } catch (RuntimeException e) {
            stopQuietly(started, e);
            throw e;
        }
        return new BrokerCluster(name, started, starter);
    }

    /** Distinct free loopback ports (each was free when asked; kept apart from one another). */
    private static List<Integer> freePorts(int count) {
        List<Integer> ports = new ArrayList<>();
        while (ports.size() < count) {
            int port = Compare.freePort();
            if (!ports.contains(port)) {
                ports.add(port);
            }
        }
        return ports;
    }

    private static void stopQuietly(List<BrokerProcess> started, RuntimeException cause) {
        if (started.isEmpty()) {
            return;
        }
        try {
            new BrokerCluster("partial", started).close();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            cause.addSuppressed(e);
        }
    }
}
