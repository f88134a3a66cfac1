package io.spindle.perf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The broker command of {@code perf compare} and friends is the one {@code bin/spindle} runs. */
class SpindleLauncherTest {
    @Test
    void theBrokerStartsWithTheLaunchersJvmOptionsBeforeTheJar() {
        List<String> command = SpindleLauncher.command(Path.of("java"), Path.of("spindle.jar"), null, Path.of("data"), 9092);
        int jar = command.indexOf("-jar");
        for (String option : SpindleLauncher.JVM_OPTIONS) {
            int at = command.indexOf(option);
            assertTrue(at > 0 && at < jar, option + " missing before -jar in " + command);
        }
    }

    @Test
    void binSpindleGivesTheSameJvmOptions() throws IOException {
        Path launcher = Path.of("../bin/spindle");
        String line = Files.readAllLines(launcher).stream().filter(l -> l.startsWith("memory_flags=")).findFirst()
                .orElseThrow(() -> new AssertionError("no memory_flags= line in " + launcher.toAbsolutePath()));
        assertEquals("memory_flags=\"" + String.join(" ", SpindleLauncher.JVM_OPTIONS) + "\"", line);
    }
}
