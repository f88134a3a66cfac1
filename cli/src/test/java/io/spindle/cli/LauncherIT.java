package io.spindle.cli;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.jar.Attributes;
import java.util.jar.JarFile;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The packaged product: {@code bin/spindle} and {@code target/spindle.jar} started as child processes, the
 * way a user starts them. Runs in the integration-test phase (failsafe), after the fat jar is built; skipped
 * when the jar is missing.
 */
class LauncherIT {
    private static final Pattern START_LINE =
            Pattern.compile("Spindle \\S+ started: data in (.+), Kafka listener ([^,]+):(\\d+), flush mode (.+)");
    private static final Duration START_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(10);

    @TempDir
    Path tempDir;

    private Path launcher;
    private Path jar;
    private final List<Process> started = new ArrayList<>();

    @BeforeEach
    void findTheBuild() {
        jar = Path.of(System.getProperty("spindle.jar", "target/spindle.jar")).toAbsolutePath().normalize();
        launcher = Path.of(System.getProperty("spindle.launcher", "../bin/spindle")).toAbsolutePath().normalize();
        assumeTrue(Files.isRegularFile(jar), "no fat jar at " + jar + " (run mvn verify)");
        assumeTrue(Files.isExecutable(launcher), "no executable launcher at " + launcher);
    }

    @AfterEach
    void killLeftovers() throws InterruptedException {
        for (Process process : started) {
            if (process.isAlive()) {
                process.destroyForcibly().waitFor(STOP_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
            }
        }
    }

    @Test
    void launcherFromAnotherDirectoryRunsBrokerThatServesAndStopsOnSigterm() throws Exception {
        Path dataDir = tempDir.resolve("data");
        Child broker = start(List.of(launcher.toString(), "broker", "--port", "0", "--data-dir", dataDir.toString()));
        Matcher startLine = broker.awaitStartLine();
        assertEquals(dataDir.toString(), startLine.group(1));

        RecordMetadata sent = BrokerCommandTest.produceOne(startLine.group(2), Integer.parseInt(startLine.group(3)),
                "launched");
        assertEquals(0, sent.offset());

        // SIGTERM. Not Process.destroy(): that also closes our end of the child's stdout, losing "stopped".
        broker.process.toHandle().destroy();
        assertTrue(broker.process.waitFor(STOP_TIMEOUT.toSeconds(), TimeUnit.SECONDS), "still running after SIGTERM");
        assertEquals(0, broker.process.exitValue(), broker.stderr());
        broker.awaitStdoutClosed();
        assertEquals("stopped", broker.stdout.get(broker.stdout.size() - 1));
    }

    /**
     * A process started without job control (a script's background job, nohup) inherits SIGINT and SIGHUP as
     * ignored, and a JVM leaves ignored signals ignored; a terminal gives them their default action. The signal
     * tests start the launcher as a terminal would, through env --default-signal (coreutils 8.31+).
     */
    private static List<String> asFromATerminal(List<String> command) throws IOException, InterruptedException {
        Process probe = new ProcessBuilder("env", "--default-signal=INT,HUP", "true").redirectErrorStream(true).start();
        probe.getInputStream().readAllBytes();
        boolean supported = probe.waitFor(STOP_TIMEOUT.toSeconds(), TimeUnit.SECONDS) && probe.exitValue() == 0;
        if (!supported) {
            org.junit.jupiter.api.Assumptions.assumeFalse(signalsIgnoredHere(),
                    "SIGINT/SIGHUP are ignored in this environment and env --default-signal is missing");
            return command;
        }
        List<String> wrapped = new java.util.ArrayList<>(List.of("env", "--default-signal=INT,HUP"));
        wrapped.addAll(command);
        return wrapped;
    }

    private static boolean signalsIgnoredHere() throws IOException {
        for (String line : java.nio.file.Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("SigIgn:")) {
                long mask = Long.parseUnsignedLong(line.substring(7).trim(), 16);
                return (mask & 0b11) != 0;   // bit 0: SIGHUP, bit 1: SIGINT
            }
        }
        return false;
    }

    @Test
    void ctrlCStopsTheBrokerCleanly() throws Exception {
        Child broker = start(asFromATerminal(List.of(launcher.toString(), "broker", "--port", "0",
                "--data-dir", tempDir.resolve("data").toString())));
        broker.awaitStartLine();

        signal(broker.process, "INT");

        assertTrue(broker.process.waitFor(STOP_TIMEOUT.toSeconds(), TimeUnit.SECONDS), "still running after SIGINT");
        assertEquals(0, broker.process.exitValue(), broker.stderr());
        broker.awaitStdoutClosed();
        assertEquals("stopped", broker.stdout.get(broker.stdout.size() - 1));
    }

    @Test
    void otherJvmShutdownsStillCloseTheBrokerThroughTheShutdownHook() throws Exception {
        Child broker = start(asFromATerminal(List.of(launcher.toString(), "broker", "--port", "0",
                "--data-dir", tempDir.resolve("data").toString())));
        broker.awaitStartLine();

        signal(broker.process, "HUP");   // not handled by Spindle: the JVM shuts down and runs its hooks

        assertTrue(broker.process.waitFor(STOP_TIMEOUT.toSeconds(), TimeUnit.SECONDS), "still running after SIGHUP");
        assertEquals(128 + 1, broker.process.exitValue(), broker.stderr());
        broker.awaitStdoutClosed();
        assertEquals("stopped", broker.stdout.get(broker.stdout.size() - 1));
    }

    @Test
    void jarRunsWithPlainJavaDashJarAndNoModuleFlags() throws Exception {
        try (JarFile jarFile = new JarFile(jar.toFile())) {
            Attributes manifest = jarFile.getManifest().getMainAttributes();
            assertNull(manifest.getValue("Add-Opens"), "the jar must not need modules opened");
            assertNull(manifest.getValue("Add-Exports"), "the jar must not need packages exported");
        }
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Child broker = start(List.of(java, "-jar", jar.toString(), "broker", "--port", "0",
                "--data-dir", tempDir.resolve("data").toString()));
        Matcher startLine = broker.awaitStartLine();

        // Appending maps and preallocates a segment file: storage must work on a JVM that opens nothing.
        RecordMetadata sent = BrokerCommandTest.produceOne(startLine.group(2), Integer.parseInt(startLine.group(3)),
                "unwrapped");
        assertEquals(0, sent.offset());

        broker.process.toHandle().destroy();   // SIGTERM
        assertTrue(broker.process.waitFor(STOP_TIMEOUT.toSeconds(), TimeUnit.SECONDS), "still running after SIGTERM");
        assertEquals(0, broker.process.exitValue(), broker.stderr());
    }

    @Test
    void launcherPassesJavaOpts() throws Exception {
        Child version = start(List.of(launcher.toString(), "--version"),
                Map.of("JAVA_OPTS", "-Dspindle.it.marker=from-java-opts -XshowSettings:properties"));

        assertTrue(version.process.waitFor(STOP_TIMEOUT.toSeconds(), TimeUnit.SECONDS));
        assertEquals(0, version.process.exitValue(), version.stderr());
        version.awaitStdoutClosed();
        assertTrue(version.stdout.get(0).startsWith("spindle "), version.stdout.toString());
        String settings = version.stderr();
        assertTrue(settings.contains("spindle.it.marker = from-java-opts"), settings);
    }

    @Test
    void launcherStartsTheHeapAt32MiBAndJavaOptsOverridesIt() throws Exception {
        assertEquals(32L << 20, initialHeapBytes(""));
        assertEquals(64L << 20, initialHeapBytes("-Xms64m"));
    }

    /** The InitialHeapSize the launcher's JVM ran with, given {@code javaOpts}. */
    private long initialHeapBytes(String javaOpts) throws Exception {
        Child version = start(List.of(launcher.toString(), "--version"),
                Map.of("JAVA_OPTS", javaOpts + " -XX:+PrintFlagsFinal"));
        assertTrue(version.process.waitFor(STOP_TIMEOUT.toSeconds(), TimeUnit.SECONDS));
        assertEquals(0, version.process.exitValue(), version.stderr());
        version.awaitStdoutClosed();
        return version.stdout.stream().map(String::trim).filter(line -> line.matches("size_t InitialHeapSize\\s+=.*"))
                .map(line -> Long.parseLong(line.split("=")[1].trim().split("\\s+")[0]))
                .findFirst().orElseThrow(() -> new AssertionError("no InitialHeapSize in " + version.stdout.size() + " lines"));
    }

    @Test
    void unknownSettingMakesTheProcessExitWithStatus2AndOneStderrLine() throws Exception {
        Child broker = start(List.of(launcher.toString(), "broker", "--set", "no.such.key=1",
                "--data-dir", tempDir.resolve("data").toString()));

        assertTrue(broker.process.waitFor(STOP_TIMEOUT.toSeconds(), TimeUnit.SECONDS));
        assertEquals(2, broker.process.exitValue());
        List<String> errors = Files.readAllLines(broker.stderrFile);
        assertEquals(1, errors.size(), errors.toString());
        assertTrue(errors.get(0).contains("'no.such.key'"), errors.get(0));
    }

    @Test
    void aSecondBrokerOnTheSameDataDirExitsWithOneLineNamingThePidAndAKilledOneLeavesNoLock() throws Exception {
        Path dataDir = tempDir.resolve("data");
        List<String> command = List.of(launcher.toString(), "broker", "--port", "0", "--set", "metrics.port=0",
                "--data-dir", dataDir.toString());
        Child first = start(command);
        first.awaitStartLine();

        Child second = start(command);

        assertTrue(second.process.waitFor(START_TIMEOUT.toSeconds(), TimeUnit.SECONDS), "the second broker still runs");
        assertEquals(1, second.process.exitValue(), second.stderr());
        List<String> errors = Files.readAllLines(second.stderrFile);
        assertEquals(1, errors.size(), errors.toString());
        assertTrue(errors.get(0).startsWith("spindle broker: The data directory " + dataDir
                + " is in use by another broker (pid " + first.process.pid() + ")"), errors.get(0));
        second.awaitStdoutClosed();
        assertEquals(List.of(), second.stdout);

        first.process.destroyForcibly();    // SIGKILL: no shutdown hook, no unlock; the OS drops the lock
        assertTrue(first.process.waitFor(STOP_TIMEOUT.toSeconds(), TimeUnit.SECONDS), "survived SIGKILL");
        Child restarted = start(command);
        assertEquals(dataDir.toString(), restarted.awaitStartLine().group(1));
    }

    private static void signal(Process process, String signal) throws IOException, InterruptedException {
        Process kill = new ProcessBuilder("kill", "-s", signal, Long.toString(process.pid())).inheritIO().start();
        assertTrue(kill.waitFor(STOP_TIMEOUT.toSeconds(), TimeUnit.SECONDS) && kill.exitValue() == 0,
                "kill -s " + signal + " " + process.pid() + " failed");
    }

    private Child start(List<String> command) throws IOException {
        return start(command, Map.of());
    }

    /**
     * Starts in a directory of its own, with the test's environment less its SPINDLE_* variables and
     * JAVA_OPTS, plus {@code environment}.
     */
    private Child start(List<String> command, Map<String, String> environment) throws IOException {
        ProcessBuilder builder = new ProcessBuilder(command);
        builder.environment().keySet().removeIf(name -> name.startsWith("SPINDLE_") || name.equals("JAVA_OPTS"));
        builder.environment().putAll(environment);
        Path stderrFile = Files.createTempFile(tempDir, "stderr", ".log");
        builder.directory(Files.createDirectories(tempDir.resolve("cwd")).toFile())
                .redirectError(stderrFile.toFile());
        Process process = builder.start();
        started.add(process);
        return new Child(process, stderrFile);
    }

    /** A child process whose stdout lines are collected as they come, and whose stderr goes to a file. */
    private static final class Child {
        final Process process;
        final Path stderrFile;
        final List<String> stdout = new CopyOnWriteArrayList<>();
        private final Thread reader;
        private volatile IOException readFailure;

        Child(Process process, Path stderrFile) {
            this.process = process;
            this.stderrFile = stderrFile;
            this.reader = new Thread(this::readStdout, "stdout-of-" + process.pid());
            reader.setDaemon(true);
            reader.start();
        }

        private void readStdout() {
            try (BufferedReader in = new BufferedReader(
                    new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line = in.readLine(); line != null; line = in.readLine()) {
                    stdout.add(line);
                }
            } catch (IOException e) {
                readFailure = e;    // reported by awaitStdoutClosed(), on the test's thread
            }
        }

        Matcher awaitStartLine() {
            await().atMost(START_TIMEOUT).until(() -> !process.isAlive() || startLine().isPresent());
            return startLine().orElseThrow(() -> new AssertionError(
                    "no start line; exit " + (process.isAlive() ? "none" : process.exitValue())
                    + "; stdout " + stdout + "; stderr " + stderr()));
        }

        private Optional<Matcher> startLine() {
            return stdout.stream().map(START_LINE::matcher).filter(Matcher::matches).findFirst();
        }

        /** Waits until stdout is read to its end, so that {@link #stdout} holds every line. */
        void awaitStdoutClosed() throws InterruptedException {
            reader.join(STOP_TIMEOUT.toMillis());
            assertTrue(!reader.isAlive(), "stdout of process " + process.pid() + " still open");
            if (readFailure != null) {
                throw new AssertionError("reading stdout of process " + process.pid() + " failed after "
                        + stdout, readFailure);
            }
        }

        String stderr() {
            try {
                return Files.readString(stderrFile);
            } catch (IOException e) {
                throw new UncheckedIOException("reading " + stderrFile, e);
            }
        }
    }
}
