package io.spindle.perf;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.Uuid;

/**
 * Runs Apache Kafka as one KRaft node (broker and controller in one process) on loopback, from the jars that the
 * perf build copied to {@code perf/target/kafka-lib} (org.apache.kafka:kafka_2.13 and its runtime dependencies).
 * The configuration is Kafka's default except what a single node needs: its roles, listeners, the one-voter
 * quorum, a log directory, and replication factor 1 (min ISR 1) for the internal topics. The JVM gets Kafka's
 * start script defaults ({@code kafka-run-class.sh}'s G1 settings) with {@code -Xmx1g}.
 */
final class KafkaLauncher {
    static final String NAME = "kafka";
    private static final long FORMAT_TIMEOUT_SECONDS = 120;

    private KafkaLauncher() {
    }

    /** server.properties for one combined node alone, node 1 and the only voter; keys in a stable order. */
    static Map<String, String> serverProperties(Path logDir, int port, int controllerPort) {
        return serverProperties(logDir, 1, port, controllerPort, "1@127.0.0.1:" + controllerPort);
    }

    /**
     * server.properties for combined node {@code nodeId} of a cluster whose controller quorum is {@code voters}
     * ({@code id@host:port,...}, every node given the same): a static quorum, so every node's storage is formatted with
     * the same cluster id and nothing else ({@link #format}).
     */
    static Map<String, String> serverProperties(Path logDir, int nodeId, int port, int controllerPort, String voters) {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("process.roles", "broker,controller");
        p.put("node.id", Integer.toString(nodeId));
        p.put("controller.quorum.voters", voters);
        p.put("listeners", "PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controllerPort);
        p.put("advertised.listeners", "PLAINTEXT://127.0.0.1:" + port);
        p.put("controller.listener.names", "CONTROLLER");
        p.put("inter.broker.listener.name", "PLAINTEXT");
        p.put("listener.security.protocol.map", "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT");
        p.put("log.dirs", logDir.toAbsolutePath().toString());
        p.put("offsets.topic.replication.factor", "1");
        p.put("transaction.state.log.replication.factor", "1");
        p.put("transaction.state.log.min.isr", "1");
        p.put("share.coordinator.state.topic.replication.factor", "1");
        p.put("share.coordinator.state.topic.min.isr", "1");
        return p;
    }

    /** Where a broker started in {@code dir} keeps its log (its log.dirs). */
    static Path logDir(Path dir) {
        return dir.resolve("kafka-logs");
    }

    static String render(Map<String, String> properties) {
        StringBuilder text = new StringBuilder("# Written by spindle perf compare: one KRaft node on loopback\n");
        properties.forEach((k, v) -> text.append(k).append('=').append(v).append('\n'));
        return text.toString();
    }

    /** The JVM options of kafka-server-start.sh / kafka-run-class.sh, with the heap capped at 1 GiB. */
    static List<String> jvmOptions() {
        return List.of("-Xmx1g", "-server", "-XX:+UseG1GC", "-XX:MaxGCPauseMillis=20",
                "-XX:InitiatingHeapOccupancyPercent=35", "-XX:+ExplicitGCInvokesConcurrent", "-Djava.awt.headless=true",
                // Kafka logs through slf4j; slf4j-simple (copied beside it) prints warnings and errors only.
                "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn");
    }

    /** Formats a fresh log directory under {@code dir}, then starts kafka.Kafka; the returned process is starting. */
    static BrokerProcess start(Path java, Path kafkaLib, Path dir, int port, int controllerPort) throws InterruptedException {
        return start(java, kafkaLib, dir, port, controllerPort, Map.of());
    }

    /** As above, with {@code overrides} set in server.properties over the node's own settings. */
    static BrokerProcess start(Path java, Path kafkaLib, Path dir, int port, int controllerPort,
                               Map<String, String> overrides) throws InterruptedException {
        Map<String, String> properties = serverProperties(logDir(dir), port, controllerPort);
        properties.putAll(overrides);
        format(java, kafkaLib, dir, properties, Uuid.randomUuid().toString());
        return launch(java, kafkaLib, dir, port);
    }

    /**
     * Writes {@code properties} to {@code dir}/server.properties and formats the log directory they name with
     * {@code clusterId} (kafka.tools.StorageTool, in a JVM of its own); {@link #launch} then starts the node.
     */
    static void format(Path java, Path kafkaLib, Path dir, Map<String, String> properties, String clusterId)
            throws InterruptedException {
        if (!Files.isDirectory(kafkaLib)) {
            throw new PerfException("No Kafka class path at " + kafkaLib + ": build the perf module (mvn -pl perf -am package),"
                    + " which copies org.apache.kafka:kafka_2.13 and its dependencies there, or pass --kafka-lib");
        }
        Path config = dir.resolve("server.properties");
        Path logDir = Path.of(properties.get("log.dirs"));
        try {
            Files.createDirectories(dir);
            Files.writeString(config, render(properties), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot write " + config, e);
        }
        String classpath = kafkaLib.toAbsolutePath() + "/*";
        List<String> format = new ArrayList<>(List.of(java.toString(), "-Xmx256m", "-cp", classpath,
                "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn", "kafka.tools.StorageTool", "format",
                "--config", config.toString(), "--cluster-id", clusterId));
        Path formatLog = dir.resolve("format.log");
        try {
            Process process = new ProcessBuilder(format).directory(dir.toFile()).redirectErrorStream(true)
                    .redirectOutput(formatLog.toFile()).start();
            if (!process.waitFor(FORMAT_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new PerfException("Formatting Kafka's log directory " + logDir + " took over " + FORMAT_TIMEOUT_SECONDS + " s");
            }
            if (process.exitValue() != 0) {
                throw new PerfException("Formatting Kafka's log directory " + logDir + " failed with status "
                        + process.exitValue() + ": " + Files.readString(formatLog, StandardCharsets.UTF_8).strip());
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot run the Kafka storage tool: " + String.join(" ", format), e);
        }
    }

    /**
     * Starts kafka.Kafka again on the log directory and server.properties that an earlier {@link #start} left in
     * {@code dir} (same ports), without formatting: a restart on the data it holds.
     */
    static BrokerProcess restart(Path java, Path kafkaLib, Path dir, int port) {
        if (!Files.isRegularFile(dir.resolve("server.properties"))) {
            throw new PerfException("No server.properties in " + dir + ": start Kafka there once before restarting it");
        }
        return launch(java, kafkaLib, dir, port);
    }

    /** Starts kafka.Kafka on the server.properties in {@code dir}, which {@link #format} wrote; it is starting. */
    static BrokerProcess launch(Path java, Path kafkaLib, Path dir, int port) {
        List<String> command = new ArrayList<>();
        command.add(java.toString());
        command.addAll(jvmOptions());
        command.addAll(List.of("-cp", kafkaLib.toAbsolutePath() + "/*", "kafka.Kafka",
                dir.resolve("server.properties").toString()));
        return BrokerProcess.start(NAME, command, dir, port, dir.resolve("kafka.out"));
    }
}
