package io.spindle.broker.fault;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;

/**
 * A power-loss filesystem for tests: {@code crashfs} (src/test/resources/fault/crashfs.c, compiled here with gcc
 * against libfuse3) mounts an in-memory FUSE filesystem that remembers what was forced (fsync, fdatasync, a
 * forced directory) apart from what was merely written. {@link #powerCut()} unmounts it, and only the forced state
 * is kept in the image directory; {@link #mount()} brings that image back as the disk after the power returns.
 *
 * <p>It also fails fsync or write with EIO on demand ({@link #fail}), for the files under a path prefix, and after a
 * failed fsync keeps the pages it should have written out of the durable state as Linux does (see crashfs.c). The
 * faults last until {@link #clearFaults()} or the next power cut.
 *
 * <p>Needs root, /dev/fuse, gcc and libfuse3-dev (Debian: {@code apt-get install fuse3 libfuse3-dev gcc});
 * {@link #requireAvailable} skips the test with a message saying which is missing. .ci/run installs them.
 */
final class CrashFs implements AutoCloseable {
    private final Path binary;
    private final Path image;
    private final Path mountPoint;
    private final Path log;
    private Process process;

    private CrashFs(Path binary, Path image, Path mountPoint, Path log) {
        this.binary = binary;
        this.image = image;
        this.mountPoint = mountPoint;
        this.log = log;
    }

    /** Compiles crashfs into {@code work} and prepares an empty image; skips the test where it cannot run. */
    static CrashFs requireAvailable(Path work) throws IOException, InterruptedException {
        Assumptions.assumeTrue(Files.exists(Path.of("/dev/fuse")), "no /dev/fuse here: crashfs test skipped");
        Assumptions.assumeTrue(run(work, "id", "-u").trim().equals("0"), "not root (mounting FUSE needs it here): crashfs test skipped");
        Path source = work.resolve("crashfs.c");
        try (InputStream in = CrashFs.class.getResourceAsStream("/fault/crashfs.c")) {
            Files.copy(in, source);
        }
        Path binary = work.resolve("crashfs");
        List<String> compile = new ArrayList<>(List.of("gcc", "-O2", "-Wall", "-o", binary.toString(), source.toString(),
                "-I/usr/include/fuse3", "-lfuse3", "-lpthread"));
        String output;
        try {
            output = run(work, compile.toArray(String[]::new));
        } catch (IOException e) {
            Assumptions.abort("no gcc here (" + e.getMessage() + "): crashfs test skipped");
            return null;
        }
        Assumptions.assumeTrue(Files.isExecutable(binary),
                "crashfs does not compile (is libfuse3-dev installed?): crashfs test skipped\n" + output);
        Path image = Files.createDirectory(work.resolve("image"));
        Path mountPoint = Files.createDirectory(work.resolve("mnt"));
        return new CrashFs(binary, image, mountPoint, work.resolve("crashfs.log"));
    }

    private static String run(Path dir, String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor(60, TimeUnit.SECONDS);
        return output;
    }

    /** The mounted filesystem's root. */
    Path root() {
        return mountPoint;
    }

    /** What {@link #fail} makes fail with EIO. */
    enum Fault {
        /** fsync and fdatasync of files, fsync of directories. */
        FSYNC,
        /** write(2), and the write-back of shared mappings. */
        WRITE;

        String command() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** What crashfs reports of one kind of fault: failures still to come (-1: until cleared), injected, the last. */
    record FaultState(long remaining, long injected, Optional<Path> lastFailed) {
    }

    /**
     * From now on {@code fault} fails with EIO for every file (or directory) whose path starts with {@code prefix}
     * (a path under {@link #root()}, compared as a string: {@code root/data/t-1/000} names t-1's segment files):
     * the next {@code count} times, or every time until cleared when {@code count} is 0.
     */
    void fail(Fault fault, Path prefix, int count) throws IOException {
        String relative = "/" + root().relativize(prefix);
        control(fault.command() + " " + relative + (count > 0 ? " " + count : "") + "\n");
    }

    /** No more injected failures. */
    void clearFaults() throws IOException {
        control("clear\n");
    }

    /** What crashfs says of {@code fault}: how many it injected and the file of the last one. */
    FaultState faultState(Fault fault) throws IOException {
        Pattern line = Pattern.compile("^" + fault.command() + " remaining=(-?\\d+) injected=(\\d+) last=(.*)$",
                Pattern.MULTILINE);
        String status = Files.readString(controlFile(), StandardCharsets.UTF_8);
        Matcher m = line.matcher(status);
        if (!m.find()) {
            throw new IllegalStateException("crashfs reports no " + fault.command() + " state: " + status);
        }
        Optional<Path> last = m.group(3).equals("-") ? Optional.empty()
                : Optional.of(root().resolve(m.group(3).substring(1)));
        return new FaultState(Long.parseLong(m.group(1)), Long.parseLong(m.group(2)), last);
    }

    private void control(String command) throws IOException {
        Files.writeString(controlFile(), command, StandardCharsets.UTF_8);
    }

    private Path controlFile() {
        return mountPoint.resolve(".crashfs-faults");
    }

    /** Mounts the image (the disk as the last power cut left it). */
    CrashFs mount() throws IOException {
        process = new ProcessBuilder(binary.toString(), image.toString(), mountPoint.toString())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .start();
        Process started = process;
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(20))
                .until(() -> isMounted() || !started.isAlive());
        if (!isMounted()) {
            Assumptions.abort("crashfs could not mount " + mountPoint + " (exit " + started.exitValue() + "): "
                    + Files.readString(log));
        }
        return this;
    }

    private boolean isMounted() throws IOException {
        String target = " " + mountPoint.toAbsolutePath() + " ";
        return Files.readAllLines(Path.of("/proc/self/mountinfo")).stream().anyMatch(l -> l.contains(target));
    }

    /**
     * The power goes: unmounts (whoever used the filesystem must be dead) and keeps only what was forced. Every
     * write not forced, every directory change not forced, is gone when the image is next mounted.
     */
    void powerCut() throws IOException, InterruptedException {
        if (process == null) {
            return;
        }
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(50)).until(() -> {
            Process umount = new ProcessBuilder("umount", mountPoint.toString()).redirectErrorStream(true).start();
            umount.getInputStream().readAllBytes();
            return umount.waitFor() == 0 || !isMounted();
        });
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            throw new IllegalStateException("crashfs did not exit after the unmount of " + mountPoint);
        }
        if (process.exitValue() != 0) {
            throw new IllegalStateException("crashfs failed to write its image: " + Files.readString(log));
        }
        process = null;
    }

    @Override
    public void close() throws IOException, InterruptedException {
        if (process != null && process.isAlive()) {
            new ProcessBuilder("umount", "-l", mountPoint.toString()).start().waitFor(30, TimeUnit.SECONDS);
            process.waitFor(30, TimeUnit.SECONDS);
            process.destroyForcibly();
        }
    }
}
