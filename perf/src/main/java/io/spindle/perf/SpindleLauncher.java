package io.spindle.perf;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs Spindle as {@code bin/spindle broker} does: the cli fat jar with the JVM flags the build wrote to
 * {@code cli/target/jvm.options}, its defaults otherwise (flush.mode=fsync), on loopback, with the metrics
 * listener on a free port so that it cannot collide with anything.
 */
final class SpindleLauncher {
    static final String NAME = "spindle";

    private SpindleLauncher() {
    }

    static List<String> command(Path java, Path jar, Path jvmOptions, Path dataDir, int port) {
        List<String> command = new ArrayList<>();
        command.add(java.toString());
        command.addAll(jvmFlags(jvmOptions));
        command.addAll(List.of("-jar", jar.toAbsolutePath().toString(), "broker", "--data-dir", dataDir.toString(),
                "--host", "127.0.0.1", "--port", Integer.toString(port), "--set", "metrics.port=0"));
        return command;
    }

    static List<String> jvmFlags(Path jvmOptions) {
        try {
            String text = Files.readString(jvmOptions, StandardCharsets.UTF_8).strip();
            return text.isEmpty() ? List.of() : List.of(text.split("\\s+"));
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read the Spindle JVM flags " + jvmOptions
                    + " (written by the cli build: mvn -pl cli -am package)", e);
        }
    }

    static BrokerProcess start(Path java, Path jar, Path jvmOptions, Path dir, int port) {
        if (!Files.isRegularFile(jar)) {
            throw new PerfException("No Spindle jar at " + jar + ": build it with mvn -pl cli -am package, or pass --spindle-jar");
        }
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot create " + dir, e);
        }
        return BrokerProcess.start(NAME, command(java, jar, jvmOptions, dir.resolve("data"), port), dir, port,
                dir.resolve("spindle.out"));
    }
}
