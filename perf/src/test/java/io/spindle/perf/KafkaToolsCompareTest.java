package io.spindle.perf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
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
}
