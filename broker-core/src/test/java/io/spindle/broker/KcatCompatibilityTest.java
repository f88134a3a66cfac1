package io.spindle.broker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** librdkafka (through the kcat tool, where installed) as a second real client of the metadata path. */
class KcatCompatibilityTest {
    private static final Path KCAT = Path.of("/usr/bin/kcat");

    @TempDir
    Path dataDir;

    @Test
    void librdkafkaSeesThisBrokerAsControllerAndLeaderOfEveryPartition() throws Exception {
        assumeTrue(Files.isExecutable(KCAT), "kcat is not installed");
        try (LocalBroker broker = LocalBroker.start(dataDir)) {
            broker.admin().createTopics(List.of(new NewTopic("rd", 2, (short) 1))).all().get();
            String bootstrap = broker.bootstrapServers();

            String metadata = run("-b", bootstrap, "-L", "-J");
            assertTrue(metadata.contains("\"controllerid\":0"), metadata);
            assertTrue(metadata.contains("\"brokers\":[{\"id\":0,\"name\":\"" + bootstrap + "\"}]"), metadata);
            assertTrue(metadata.contains("{\"topic\":\"rd\",\"partitions\":[{\"partition\":0,\"leader\":0,"), metadata);
            assertTrue(metadata.contains("{\"partition\":1,\"leader\":0,"), metadata);
        }
    }

    /** Runs kcat with a deadline; fails with its output when it exits non-zero. */
    private static String run(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(KCAT.toString());
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        process.getOutputStream().close();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("kcat " + command + " did not finish within 60 s");
        }
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, process.exitValue(), "kcat " + command + " failed: " + output);
        return output;
    }
}
