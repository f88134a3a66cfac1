package io.spindle.perf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Really starts Apache Kafka from target/kafka-lib, as the compare does, and produces to it (about 20 s). */
@Tag("long")
class KafkaBrokerSmokeTest {
    @TempDir
    Path dir;

    @Test
    void kafkaStartsFromTheCopiedClassPathAndTakesRecords() throws Exception {
        Path java = Paths.get(System.getProperty("java.home"), "bin", "java");
        Path lib = Paths.get(System.getProperty("spindle.perf.kafkaLib"));
        try (BrokerProcess kafka = KafkaLauncher.start(java, lib, dir, Compare.freePort(), Compare.freePort())) {
            double readyMs = kafka.awaitReady(Duration.ofSeconds(120));
            assertTrue(readyMs > 0);
            assertTrue(kafka.rssMiB() > 0);

            RunResult result = ProduceRun.run(Workload.defaults(kafka.bootstrap(), "smoke", 1000).withPartitions(2));

            assertEquals(1000, result.records());
            assertEquals(1000, Topics.endOffsetSum(kafka.bootstrap(), "smoke"));
        }
    }
}
