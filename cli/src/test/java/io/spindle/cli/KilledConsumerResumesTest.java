package io.spindle.cli;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spindle.client.Spindle;
import io.spindle.test.BootstrapServers;
import io.spindle.test.EmbeddedBroker;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code spindle consume --group} run as a separate JVM, killed with SIGKILL (no shutdown hook, no last commit), and
 * started again: the second run begins at the offset the first one committed, so it prints only what came after.
 */
@EmbeddedBroker
class KilledConsumerResumesTest {
    private static final Duration WAIT = Duration.ofSeconds(45);

    @TempDir
    Path tempDir;

    @Test
    void consumerKilledAfterCommittingResumesFromTheCommittedOffset(@BootstrapServers String bootstrap)
            throws Exception {
        GroupCommandTest.produce(bootstrap, "jobs", "job-0", "job-1", "job-2", "job-3", "job-4");
        // A short session, so that the group forgets the killed member in seconds rather than Kafka's 45.
        Process child = new ProcessBuilder(javaCommand("consume", "jobs", "--group", "workers", "--from-beginning",
                "--bootstrap-server", bootstrap, "--property", "session.timeout.ms=6000",
                "--property", "heartbeat.interval.ms=1000"))
                .redirectError(tempDir.resolve("child-stderr.txt").toFile())
                .start();
        List<String> printed = Collections.synchronizedList(new ArrayList<>());
        Thread reader = readLines(child, printed);
        try (Spindle spindle = Spindle.connect(bootstrap)) {
            await().atMost(WAIT).until(() -> printed.size() == 5 || !child.isAlive());
            assertEquals(List.of("job-0", "job-1", "job-2", "job-3", "job-4"), printed,
                    () -> "child stderr in " + tempDir.resolve("child-stderr.txt"));
            await().atMost(WAIT).until(() -> spindle.admin().committedOffsets("workers")
                    .getOrDefault(new TopicPartition("jobs", 0), -1L) == 5L);
        } finally {
            child.destroyForcibly();
            assertTrue(child.waitFor(30, TimeUnit.SECONDS), "the killed consumer did not end");
            reader.join(10_000);
        }

        GroupCommandTest.produce(bootstrap, "jobs", "job-5", "job-6");
        Cli.Result resumed = Cli.on(bootstrap, "consume", "jobs", "--group", "workers", "--from-beginning",
                "--max-messages", "2");

        assertEquals(0, resumed.status(), resumed::toString);
        assertEquals(List.of("job-5", "job-6"), resumed.outLines());
    }

    /** The same JVM and class path as this test, running Main (which needs no JVM flags). */
    private static List<String> javaCommand(String... args) {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(Main.class.getName());
        command.addAll(List.of(args));
        return command;
    }

    private static Thread readLines(Process child, List<String> lines) {
        Thread reader = new Thread(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(child.getInputStream(),
                    StandardCharsets.UTF_8))) {
                String line;
                while ((line = in.readLine()) != null) {
                    lines.add(line);
                }
            } catch (IOException e) {
                lines.add("<<read failed: " + e + ">>");
            }
        }, "child-stdout");
        reader.setDaemon(true);
        reader.start();
        return reader;
    }
}
