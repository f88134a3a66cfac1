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

/**
 * kcat (librdkafka's command-line client, {@code /usr/bin/kcat}) as a peer in tests: run to its end with its output
 * in files of a test directory. Tests call {@link #assumeInstalled()} first and are skipped where it is missing
 * (Debian: {@code apt-get install kcat}).
 */
public final class Kcat {
    public static final Path BINARY = Path.of("/usr/bin/kcat");

    private Kcat() {
    }

    /** Skips the calling test where kcat is not installed. */
    public static void assumeInstalled() {
        assumeTrue(Files.isExecutable(BINARY), "kcat is not installed");
    }

    /**
     * Runs kcat with {@code args}, waits up to 60 s for it to exit with status 0 (failing the test otherwise, with
     * what it wrote on stderr) and returns its stdout. Its output files go into {@code work}.
     */
    public static String run(Path work, List<String> args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(BINARY.toString());
        command.addAll(args);
        Path stdout = work.resolve("kcat-stdout-" + System.nanoTime());
        Path stderr = work.resolve("kcat-stderr-" + System.nanoTime());
        Process process = new ProcessBuilder(command).redirectOutput(stdout.toFile()).redirectError(stderr.toFile())
                .start();
        boolean exited = process.waitFor(60, TimeUnit.SECONDS);
        if (!exited) {
            process.destroyForcibly();
        }
        String errors = Files.readString(stderr, StandardCharsets.UTF_8);
        assertTrue(exited, "kcat did not finish: " + errors);
        assertEquals(0, process.exitValue(), "kcat failed: " + errors);
        return Files.readString(stdout, StandardCharsets.UTF_8);
    }
}
