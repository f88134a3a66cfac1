package io.spindle.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

class EmbeddedSpindleTest {

    @Test
    void startsOnAFreeLoopbackPortWithATemporaryDataDirThatCloseDeletes() {
        Path dataDir;
        try (EmbeddedSpindle broker = EmbeddedSpindle.start();
             Spindle spindle = broker.connect()) {
            dataDir = broker.dataDir();
            assertTrue(broker.bootstrapServers().startsWith("127.0.0.1:"), broker.bootstrapServers());
            assertTrue(broker.port() > 0);

            assertEquals(0L, spindle.producer().send("embedded", "k", "v").join().offset());
            assertTrue(Files.isDirectory(dataDir.resolve("embedded-0")));
        }
        assertFalse(Files.exists(dataDir), "data directory left behind: " + dataDir);
    }

    @Test
    void twoBrokersRunSideBySideWithTheirOwnSettings() {
        try (EmbeddedSpindle one = EmbeddedSpindle.start();
             EmbeddedSpindle three = EmbeddedSpindle.start(Map.of("num.partitions", "3"));
             Spindle toOne = one.connect();
             Spindle toThree = three.connect()) {
            toOne.producer().send("auto", "k", "v").join();
            toThree.producer().send("auto", "k", "v").join();

            assertNotEquals(one.port(), three.port());
            assertEquals(1, toOne.admin().partitionCount("auto"));
            assertEquals(3, toThree.admin().partitionCount("auto"));
        }
    }
}
