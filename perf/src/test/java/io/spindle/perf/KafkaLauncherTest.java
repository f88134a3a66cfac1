package io.spindle.perf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The configuration the compare gives Apache Kafka, and the class path the build prepares for it. */
class KafkaLauncherTest {
    private final Map<String, String> config = KafkaLauncher.serverProperties(Paths.get("/data/k"), 19092, 19093);

    @Test
    void oneNodeIsBrokerAndControllerWithItselfAsTheOnlyVoter() {
        assertEquals("broker,controller", config.get("process.roles"));
        assertEquals("1", config.get("node.id"));
        assertEquals("1@127.0.0.1:19093", config.get("controller.quorum.voters"));
        assertEquals("CONTROLLER", config.get("controller.listener.names"));
    }

    @Test
    void clientsAndTheControllerListenOnLoopbackOnly() {
        assertEquals("PLAINTEXT://127.0.0.1:19092,CONTROLLER://127.0.0.1:19093", config.get("listeners"));
        assertEquals("PLAINTEXT://127.0.0.1:19092", config.get("advertised.listeners"));
    }

    @Test
    void internalTopicsHaveReplicationFactorOneAndEverythingElseIsKafkasDefault() {
        assertEquals("1", config.get("offsets.topic.replication.factor"));
        assertEquals("1", config.get("transaction.state.log.replication.factor"));
        assertEquals("1", config.get("transaction.state.log.min.isr"));
        assertEquals("1", config.get("share.coordinator.state.topic.replication.factor"));
        assertEquals("/data/k", config.get("log.dirs"));
        // No flush, thread, buffer or retention setting: those stay Kafka's defaults.
        assertTrue(config.keySet().stream().noneMatch(k -> k.startsWith("log.flush") || k.startsWith("num.")
                || k.startsWith("socket.") || k.startsWith("log.retention")), config.toString());
        assertEquals(14, config.size(), config.toString());
    }

    @Test
    void renderedPropertiesHaveOneKeyValueLinePerSetting() {
        List<String> lines = KafkaLauncher.render(config).lines().filter(l -> !l.startsWith("#")).toList();

        assertEquals(config.size(), lines.size());
        assertEquals("process.roles=broker,controller", lines.get(0));
    }

    @Test
    void kafkaGetsAOneGibibyteHeapAndTheG1SettingsOfItsStartScript() {
        List<String> options = KafkaLauncher.jvmOptions();

        assertTrue(options.contains("-Xmx1g"), options.toString());
        assertTrue(options.contains("-XX:+UseG1GC") && options.contains("-XX:MaxGCPauseMillis=20"), options.toString());
    }

    @Test
    void theBuildCopiedKafkaAndItsRuntimeDependenciesForTheChildJvm() throws IOException {
        Path lib = Paths.get(System.getProperty("spindle.perf.kafkaLib"));
        List<String> jars;
        try (Stream<Path> files = Files.list(lib)) {
            jars = files.map(p -> p.getFileName().toString()).toList();
        }
        for (String expected : List.of("kafka_2.13-4.4.0.jar", "kafka-clients-4.4.0.jar", "kafka-server-4.4.0.jar",
                "kafka-raft-4.4.0.jar", "scala-library-", "jopt-simple-", "HdrHistogram-", "zstd-jni-")) {
            assertTrue(jars.stream().anyMatch(j -> j.startsWith(expected)), expected + " missing from " + lib + ": " + jars);
        }
        assertTrue(jars.stream().noneMatch(j -> j.startsWith("spindle-") || j.startsWith("netty-") || j.startsWith("jmh-")),
                "only Kafka's class path belongs there: " + jars);
    }
}
