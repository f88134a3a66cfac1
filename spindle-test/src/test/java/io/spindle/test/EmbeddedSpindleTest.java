package io.spindle.test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

class EmbeddedSpindleTest {

    @Test
    void startsOnAFreeLoopbackPortWithATemporaryDataDirThatCloseDeletes() throws Exception {
        Path dataDir;
        try (EmbeddedSpindle broker = EmbeddedSpindle.start()) {
            dataDir = broker.dataDir();
            assertTrue(broker.bootstrapServers().startsWith("127.0.0.1:"), broker.bootstrapServers());
            assertTrue(broker.port() > 0);

            assertEquals(0L, KafkaClients.send(broker.bootstrapServers(), "embedded", "v").offset());
            assertEquals(List.of("v"),
                    KafkaClients.read(broker.bootstrapServers(), new TopicPartition("embedded", 0), 1));
            assertTrue(Files.isDirectory(dataDir.resolve("embedded-0")));
        }
        assertFalse(Files.exists(dataDir), "data directory left behind: " + dataDir);
    }

    @Test
    void twoBrokersRunSideBySideWithTheirOwnSettings() throws Exception {
        try (EmbeddedSpindle one = EmbeddedSpindle.start();
             EmbeddedSpindle three = EmbeddedSpindle.start(Map.of("num.partitions", "3"))) {
            KafkaClients.send(one.bootstrapServers(), "auto", "v");
            KafkaClients.send(three.bootstrapServers(), "auto", "v");

            assertNotEquals(one.port(), three.port());
            assertEquals(1, KafkaClients.partitionCount(one.bootstrapServers(), "auto"));
            assertEquals(3, KafkaClients.partitionCount(three.bootstrapServers(), "auto"));
        }
    }
}
