package io.spindle.perf;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs Spindle as {@code bin/spindle broker} does: the cli fat jar with the launcher's JVM options
 * ({@link #JVM_OPTIONS}) and, like the launcher, a class-data sharing archive made by one training run of that jar; its defaults otherwise (flush.mode=fsync), on loopback, with the metrics listener on a free port
 * so that it cannot collide with anything.
 */
final class SpindleLauncher {
    static final String NAME = "spindle";
    /**
     * The JVM options {@code bin/spindle} starts Java with (its {@code memory_flags}): a 32 MiB initial heap instead
     * of the JVM's default of 1/64 of physical memory, since G1 fills whatever heap is committed with young
     * objects before it collects (docs/benchmarks.md, "Anonymous memory: the initial heap").
     */
    static final List<String> JVM_OPTIONS = List.of("-Xms32m");
    private static final long TRAINING_TIMEOUT_SECONDS = 120;

    private SpindleLauncher() {
    }

    static List<String> command(Path java, Path jar, Path archive, Path dataDir, int port) {
        return command(java, jar, archive, dataDir, port, Map.of());
    }

    /** The broker command with {@code settings} given as {@code --set key=value} after the defaults above. */
    static List<String> command(Path java, Path jar, Path archive, Path dataDir, int port, Map<String, String> settings) {
        List<String> flags = new ArrayList<>();
        if (archive != null) {
            flags.addAll(List.of("-XX:SharedArchiveFile=" + archive, "-Xshare:auto", "-Xlog:cds=off,cds+dynamic=off"));
        }
        flags.addAll(JVM_OPTIONS);
        List<String> args = new ArrayList<>(List.of("--data-dir", dataDir.toString(), "--host", "127.0.0.1",
                "--port", Integer.toString(port), "--set", "metrics.port=0"));
        settings.forEach((key, value) -> args.addAll(List.of("--set", key + "=" + value)));
        return brokerCommand(java, jar, flags, args);
    }

    /** {@code java <extraJvmFlags> -jar <jar> broker <brokerArgs>}. */
    private static List<String> brokerCommand(Path java, Path jar, List<String> extraJvmFlags, List<String> brokerArgs) {
        List<String> command = new ArrayList<>();
        command.add(java.toString());
        command.addAll(extraJvmFlags);
        command.addAll(List.of("-jar", jar.toAbsolutePath().toString(), "broker"));
        command.addAll(brokerArgs);
        return command;
    }

    /**
     * Makes the class-data sharing archive that {@code bin/spindle} makes: one broker started and stopped with
     * {@code -XX:ArchiveClassesAtExit} (the hidden {@code broker --exit-when-ready}), then one of a one-voter metadata
     * quorum ({@code --train-quorum}), so that a cluster's brokers find Ratis and gRPC in the archive too. Returns the archive, or null
     * (and says why on {@code out}) if the training run failed: the broker then starts without one.
     */
    static Path trainArchive(Path java, Path jar, Path workDir, java.io.PrintWriter out)
            throws InterruptedException {
        Path archive = workDir.resolve("spindle.jsa");
        Path trainingDir = workDir.resolve("cds-training");
        List<String> command = brokerCommand(java, jar, List.of("-XX:ArchiveClassesAtExit=" + archive),
                List.of("--exit-when-ready", "--train-quorum", "--port", "0", "--data-dir", trainingDir.resolve("data").toString(),
                        "--set", "metrics.port=0"));
        Path log = workDir.resolve("cds-training.out");
        try {
            Files.createDirectories(trainingDir);
            Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
            if (!process.waitFor(TRAINING_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                out.printf("spindle perf: the class-data sharing training run took over %d s; Spindle starts without an archive%n",
                        TRAINING_TIMEOUT_SECONDS);
                return null;
            }
            if (process.exitValue() != 0 || !Files.isRegularFile(archive)) {
                out.printf("spindle perf: the class-data sharing training run failed (status %d, output in %s); Spindle starts"
                        + " without an archive%n", process.exitValue(), log);
                return null;
            }
            return archive;
        } catch (IOException e) {
            out.printf("spindle perf: cannot run the class-data sharing training run (%s); Spindle starts without an archive%n", e);
            return null;
        }
    }

    static BrokerProcess start(Path java, Path jar, Path archive, Path dir, int port) {
        return start(java, jar, archive, dir, dir.resolve("data"), port, Map.of());
    }

    /** Starts a broker with its data in {@code dir}/data and broker {@code settings} on top of the defaults. */
    static BrokerProcess start(Path java, Path jar, Path archive, Path dir, int port, Map<String, String> settings) {
        return start(java, jar, archive, dir, dir.resolve("data"), port, settings);
    }

    /** As {@link #start(Path, Path, Path, Path, int, Map)} on the data directory {@code dataDir}. */
    static BrokerProcess start(Path java, Path jar, Path archive, Path dir, Path dataDir, int port,
                               Map<String, String> settings) {
        if (!Files.isRegularFile(jar)) {
            throw new PerfException("No Spindle jar at " + jar + ": build it with mvn -pl cli -am package, or pass --spindle-jar");
        }
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot create " + dir, e);
        }
        return BrokerProcess.start(NAME, command(java, jar, archive, dataDir, port, settings), dir, port,
                dir.resolve("spindle.out"));
    }
}
