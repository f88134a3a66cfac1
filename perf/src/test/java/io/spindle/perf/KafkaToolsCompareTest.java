package io.spindle.perf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spindle.config.BrokerConfig;
import io.spindle.config.FlushMode;
import java.io.File;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;

/** How `perf kafka-tools` starts Kafka's tools, the class path the build prepares for them, and its per-round ratios. */
class KafkaToolsCompareTest {
    @Test
    void aToolRunsItsOwnMainClassOnTheToolsJarPlusKafkasLibraries() {
        List<String> command = KafkaToolsCompare.toolCommand(Paths.get("/jdk/bin/java"), Paths.get("/t/kafka-tools"),
                Paths.get("/t/kafka-lib"), "ProducerPerformance", List.of("--topic", "x"));

        assertEquals("/jdk/bin/java", command.get(0));
        assertTrue(command.contains("-Xmx512M"), command.toString());
        int cp = command.indexOf("-cp");
        assertEquals("/t/kafka-tools/*" + File.pathSeparator + "/t/kafka-lib/*", command.get(cp + 1));
        assertEquals(List.of("org.apache.kafka.tools.ProducerPerformance", "--topic", "x"),
                command.subList(cp + 2, command.size()));
    }

    @Test
    void theBuildCopiedTheKafkaToolsJarAloneBesideKafkasLibraries() throws Exception {
        Path tools = Paths.get(System.getProperty("spindle.perf.kafkaToolsLib"));
        try (var files = Files.list(tools)) {
            assertEquals(List.of("kafka-tools-4.4.0.jar"), files.map(f -> f.getFileName().toString()).toList());
        }
        Path lib = Paths.get(System.getProperty("spindle.perf.kafkaLib"));
        // What the three tools need besides the tools jar is in Kafka's own class path already.
        for (String jar : List.of("kafka-clients-4.4.0.jar", "kafka-server-common-4.4.0.jar", "argparse4j-0.7.0.jar",
                "jopt-simple-5.0.4.jar")) {
            assertTrue(Files.isRegularFile(lib.resolve(jar)), jar + " missing from " + lib);
        }
        assertTrue(Files.notExists(lib.resolve("kafka-tools-4.4.0.jar")), "the broker's class path stays as it was");
    }

    @Test
    void pairRatiosAreTakenRoundByRoundOverTheRoundsBothBrokersRan() {
        assertEquals(List.of(2.0, 0.5), KafkaToolsCompare.pairRatios(List.of(4.0, 1.0, 9.0), List.of(2.0, 2.0)));
    }

    @Test
    void kafkaFsyncIsKafkaWithEveryMessageFlushedAsKafkaReadsItsConfiguration() throws Exception {
        Map<String, String> node = KafkaLauncher.serverProperties(Paths.get("/tmp/k"), 19092, 19093);
        Map<String, String> fsync = new HashMap<>(node);
        fsync.putAll(ToolBroker.KAFKA_FSYNC.settings);

        assertEquals(1L, kafkasFlushIntervalMessages(fsync));
        assertEquals(Long.MAX_VALUE, kafkasFlushIntervalMessages(node), "Kafka's default never flushes by count");
    }

    /**
     * log.flush.interval.messages as Kafka's own KafkaConfig reads {@code properties}: loaded from the class path the
     * build copied for the Kafka child JVM (Kafka's classes are not on the tests' class path).
     */
    private static long kafkasFlushIntervalMessages(Map<String, String> properties) throws Exception {
        Path lib = Paths.get(System.getProperty("spindle.perf.kafkaLib"));
        List<URL> jars = new ArrayList<>();
        try (var files = Files.list(lib)) {
            for (Path jar : files.filter(f -> f.toString().endsWith(".jar")).toList()) {
                jars.add(jar.toUri().toURL());
            }
        }
        try (URLClassLoader kafka = new URLClassLoader(jars.toArray(new URL[0]), null)) {
            Class<?> config = Class.forName("kafka.server.KafkaConfig", true, kafka);
            Object parsed = config.getMethod("fromProps", Properties.class, boolean.class).invoke(null, asProperties(properties), false);
            return (Long) config.getMethod("getLong", String.class).invoke(parsed, "log.flush.interval.messages");
        }
    }

    @Test
    void spindleNofsyncIsSpindleWithFlushModeNoneAsSpindleReadsItsConfiguration() {
        assertEquals(FlushMode.NONE, BrokerConfig.of(ToolBroker.SPINDLE_NOFSYNC.settings).flushMode());
        assertEquals(FlushMode.FSYNC, BrokerConfig.of(ToolBroker.SPINDLE.settings).flushMode());
    }

    @Test
    void everyRatioPairsBrokersByTheirNames() {
        for (List<ToolBroker> pair : ToolBroker.RATIOS) {
            assertEquals(pair.get(0), ToolBroker.named(pair.get(0).label).orElseThrow());
            assertEquals(pair.get(1), ToolBroker.named(pair.get(1).label).orElseThrow());
        }
        assertTrue(ToolBroker.named("redpanda").isEmpty());
    }

    private static Properties asProperties(Map<String, String> map) {
        Properties properties = new Properties();
        properties.putAll(map);
        return properties;
    }
}
