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
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * A power-loss filesystem for tests: {@code crashfs} (src/test/resources/fault/crashfs.c, compiled here with gcc
 * against libfuse3) mounts an in-memory FUSE filesystem that remembers what was forced (fsync, fdatasync, a
 * forced directory) apart from what was merely written. {@link #powerCut()} unmounts it, and only the forced state
 * is kept in the image directory; {@link #mount()} brings that image back as the disk after the power returns.
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
        Assumptions.assumeTrue(Files.exists(Path.of("/dev/fuse")), "no /dev/fuse here: power-loss test skipped");
        Assumptions.assumeTrue(run(work, "id", "-u").trim().equals("0"), "not root (mounting FUSE needs it here): power-loss test skipped");
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
            Assumptions.abort("no gcc here (" + e.getMessage() + "): power-loss test skipped");
            return null;
        }
        Assumptions.assumeTrue(Files.isExecutable(binary),
                "crashfs does not compile (is libfuse3-dev installed?): power-loss test skipped\n" + output);
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
