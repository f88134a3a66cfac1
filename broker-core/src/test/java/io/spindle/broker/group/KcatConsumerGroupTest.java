package io.spindle.broker.group;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.spindle.broker.LocalBroker;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** librdkafka's balanced consumer (kcat -G) in a group on Spindle. Skipped where kcat is not installed. */
class KcatConsumerGroupTest {
    private static final String KCAT = "/usr/bin/kcat";

    @TempDir
    Path dataDir;
    private LocalBroker broker;

    @BeforeEach
    void start() {
        assumeTrue(Files.isExecutable(Path.of(KCAT)), "kcat is not installed");
        broker = GroupTestSupport.startBroker(dataDir);
    }

    @AfterEach
    void stop() {
        if (broker != null) {
            broker.close();
        }
    }

    @Test
    void librdkafkaBalancedConsumerReadsEveryRecordAndCommitsItsOffsets() throws Exception {
        GroupTestSupport.createTopic(broker, "rdk", 3);
        List<String> sent = GroupTestSupport.produce(broker, "rdk", "r", 30);

        Process kcat = new ProcessBuilder(KCAT, "-b", broker.bootstrapServers(), "-G", "rdk-group", "-c", "30",
                "-f", "%s\\n", "-X", "auto.offset.reset=earliest", "-X", "session.timeout.ms=6000", "rdk")
                .redirectErrorStream(false).start();
        assertTrue(kcat.waitFor(60, TimeUnit.SECONDS), "kcat finished");
        String out = new String(kcat.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String err = new String(kcat.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, kcat.exitValue(), err);
        assertEquals(new TreeSet<>(sent), new TreeSet<>(Arrays.asList(out.strip().split("\n"))), err);

        long committed = broker.admin().listConsumerGroupOffsets("rdk-group").partitionsToOffsetAndMetadata().get()
                .values().stream().mapToLong(om -> om.offset()).sum();
        assertEquals(30, committed, "kcat committed what it read");
    }
}
