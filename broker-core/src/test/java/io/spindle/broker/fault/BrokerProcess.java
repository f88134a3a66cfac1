package io.spindle.broker.fault;

import static org.awaitility.Awaitility.await;

import io.spindle.config.BrokerConfig;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.awaitility.core.ConditionTimeoutException;

/**
 * A Spindle broker in a child JVM ({@link ChildBroker}) on a fixed data directory and a fixed port, so that it
 * can be killed with SIGKILL and started again where clients expect it. The child runs with this JVM's class
 * path, no JVM flags but a smaller heap, and appends its output to {@code broker.log} beside the data directory.
 */
final class BrokerProcess implements AutoCloseable {
    private static final Duration START_TIMEOUT = Duration.ofSeconds(60);

    private final Path dataDir;
    private final Path workDir;
    private final int port;
    private final Map<String, String> settings;
    private Process process;
    private int starts;

    BrokerProcess(Path dataDir, Path workDir, Map<String, String> overrides) throws IOException {
        this.dataDir = dataDir;
        this.workDir = workDir;
        this.port = freePort();
        this.settings = new LinkedHashMap<>();
        settings.put(BrokerConfig.LISTENER_HOST, "127.0.0.1");
        settings.put(BrokerConfig.LISTENER_PORT, Integer.toString(port));
        settings.put(BrokerConfig.METRICS_PORT, "-1");
        settings.put(BrokerConfig.FLUSH_MODE, "fsync");
        settings.putAll(overrides);
        settings.put(BrokerConfig.DATA_DIR, dataDir.toString());
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    String bootstrapServers() {
        return "127.0.0.1:" + port;
    }

    Path dataDir() {
        return dataDir;
    }

    Path logFile() {
        return workDir.resolve("broker.log");
    }

    /** Starts the child and waits until it serves; fails with the end of its log if it exits or times out. */
    BrokerProcess start() throws IOException {
        Path ready = launch();
        Process started = process;
        try {
            await().atMost(START_TIMEOUT).pollInterval(Duration.ofMillis(20))
                    .until(() -> Files.exists(ready) || !started.isAlive());
        } catch (ConditionTimeoutException e) {
            throw new IllegalStateException("broker on " + dataDir + " did not start within " + START_TIMEOUT
                    + "; its log ends:\n" + tail(), e);
        }
        if (!started.isAlive()) {
            throw new IllegalStateException("broker on " + dataDir + " exited with status " + started.exitValue()
                    + " at start; its log ends:\n" + tail());
        }
        return this;
    }

    /**
     * Starts the child for a start that must fail: waits until it exits and returns its exit status; fails if it
     * serves instead (and kills it), or is still starting after {@code within}.
     */
    int startExpectingExit(Duration within) throws IOException, InterruptedException {
        Path ready = launch();
        Process started = process;
        try {
            await().atMost(within).pollInterval(Duration.ofMillis(20))
                    .until(() -> Files.exists(ready) || !started.isAlive());
        } catch (ConditionTimeoutException e) {
            throw new IllegalStateException("broker on " + dataDir + " (pid " + started.pid() + ") neither served nor "
                    + "exited within " + within + "; its log ends:\n" + tail(), e);
        }
        if (Files.exists(ready)) {
            kill();
            throw new IllegalStateException("broker on " + dataDir + " served where it should have exited; its log "
                    + "ends:\n" + tail());
        }
        return started.waitFor();
    }

    /** Starts the child JVM; returns the file it writes once it serves. */
    private Path launch() throws IOException {
        if (process != null && process.isAlive()) {
            throw new IllegalStateException("broker on " + dataDir + " is already running (pid " + process.pid() + ")");
        }
        Path ready = workDir.resolve("ready-" + (++starts));
        Files.deleteIfExists(ready);
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-Xmx512m");
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(ChildBroker.class.getName());
        command.add(ready.toString());
        settings.forEach((k, v) -> command.add(k + "=" + v));
        process = new ProcessBuilder(command)
                .directory(workDir.toFile())        // where a JVM crash report (hs_err_pid*.log) lands
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile().toFile()))
                .start();
        return ready;
    }

    /** SIGKILL: the process dies at once, its page cache writes stay (a process crash, not a power loss). */
    void kill() throws InterruptedException {
        if (process == null) {
            return;
        }
        process.destroyForcibly();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            throw new IllegalStateException("broker pid " + process.pid() + " survived SIGKILL for 30 s");
        }
    }

    /** SIGTERM: a clean stop; waits until the process has exited. */
    void stop() throws InterruptedException {
        if (process == null) {
            return;
        }
        process.destroy();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            throw new IllegalStateException("broker pid " + process.pid() + " did not stop within 60 s of SIGTERM");
        }
    }

    boolean isAlive() {
        return process != null && process.isAlive();
    }

    /** The pid of the child last started. */
    long pid() {
        return process.pid();
    }

    /** The last lines the child wrote, for failure messages. */
    String tail() {
        try {
            List<String> lines = Files.readAllLines(logFile());
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    /** Lines of the child's log (every run so far) that contain {@code text}. */
    List<String> logLinesContaining(String text) throws IOException {
        if (!Files.exists(logFile())) {
            return List.of();
        }
        return Files.readAllLines(logFile()).stream().filter(l -> l.contains(text)).toList();
    }

    @Override
    public void close() throws InterruptedException {
        kill();
    }
}
