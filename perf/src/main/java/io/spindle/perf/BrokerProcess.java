package io.spindle.perf;

import io.spindle.broker.MetadataProbe;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A broker running in a child JVM, its output going to a log file: how long it took from process start to
 * answering Metadata, and its resident memory from {@code /proc/<pid>/status}. {@link #close()} sends SIGTERM and,
 * after a grace period, SIGKILL.
 */
final class BrokerProcess implements SideBySide.Started {
    private static final Duration STOP_GRACE = Duration.ofSeconds(20);

    private final String name;
    private final Process process;
    private final long startedNanos;
    private final int port;
    private final Path logFile;

    private BrokerProcess(String name, Process process, long startedNanos, int port, Path logFile) {
        this.name = name;
        this.process = process;
        this.startedNanos = startedNanos;
        this.port = port;
        this.logFile = logFile;
    }

    /** Starts {@code command}; the clock of start-to-ready starts right before the process is created. */
    static BrokerProcess start(String name, List<String> command, Path workDir, int port, Path logFile) {
        ProcessBuilder builder = new ProcessBuilder(command).directory(workDir.toFile())
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()));
        long started = System.nanoTime();
        try {
            Process process = builder.start();
            // A broker must not outlive the compare that started it, even when the compare is interrupted.
            Runtime.getRuntime().addShutdownHook(new Thread(process::destroyForcibly, "spindle-perf-stop-" + name));
            return new BrokerProcess(name, process, started, port, logFile);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot start " + name + ": " + String.join(" ", command), e);
        }
    }

    String name() {
        return name;
    }

    int port() {
        return port;
    }

    String bootstrap() {
        return "127.0.0.1:" + port;
    }

    long pid() {
        return process.pid();
    }

    /** Polls Metadata until it succeeds; returns the time from process start, in milliseconds. */
    double awaitReady(Duration timeout) throws InterruptedException {
        long deadline = startedNanos + timeout.toNanos();
        while (true) {
            if (MetadataProbe.ready("127.0.0.1", port)) {
                return (System.nanoTime() - startedNanos) / 1e6;
            }
            requireAlive("it answered Metadata on port " + port);
            if (System.nanoTime() > deadline) {
                throw new PerfException(name + " (pid " + process.pid() + ") did not answer Metadata on port " + port
                        + " within " + timeout.toSeconds() + " s; its output, " + logFile + ", ends:\n" + tail());
            }
            Thread.sleep(5);
        }
    }

    /** When the process was started, in {@link System#nanoTime()} terms. */
    long startedNanos() {
        return startedNanos;
    }

    /** Throws, naming the process, its exit status and the end of its output, if it has exited before {@code what}. */
    void requireAlive(String what) {
        if (!process.isAlive()) {
            throw new PerfException(name + " (pid " + process.pid() + ") exited with status " + process.exitValue()
                    + " before " + what + "; its output, " + logFile + ", ends:\n" + tail());
        }
    }

    /** Sends SIGTERM and returns at once; {@link #close()} then waits (so several brokers stop side by side). */
    void terminate() {
        process.destroy();
    }

    /** Resident set size (VmRSS) in MiB, read from /proc/<pid>/status. */
    double rssMiB() {
        return ProcessMemory.rssKiB(process.pid()) / 1024.0;
    }

    /** CPU time the broker has used so far, user plus system, in seconds. */
    double cpuSeconds() {
        return ProcessMemory.cpuSeconds(process.pid());
    }

    /** RssAnon in MiB: resident memory that is not mapped files. */
    double anonMiB() {
        return ProcessMemory.anonKiB(process.pid()) / 1024.0;
    }

    @Override
    public String tail() {
        try {
            List<String> lines = Files.readAllLines(logFile, StandardCharsets.UTF_8);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
        } catch (IOException | UncheckedIOException e) {
            return "(cannot read " + logFile + ": " + e.getMessage() + ")";
        }
    }

    /** Stops the broker with SIGKILL, as a crash would, and waits for it to be gone. */
    void kill() throws InterruptedException {
        process.destroyForcibly().waitFor(STOP_GRACE.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public void close() throws InterruptedException {
        if (!process.isAlive()) {
            return;
        }
        process.destroy();
        if (!process.waitFor(STOP_GRACE.toMillis(), TimeUnit.MILLISECONDS)) {
            process.destroyForcibly().waitFor(STOP_GRACE.toMillis(), TimeUnit.MILLISECONDS);
        }
    }
}
