package io.spindle.test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Builds and runs {@code examples/embedded-broker-test} the way a user would: {@code mvn verify} on its own pom,
 * in a copy of the project, with a local repository of its own (under target/) that holds this build's
 * artifacts as a user's repository would hold the published ones. Third-party artifacts come from the outer
 * build's local repository, read as a remote repository (and from Maven Central when the outer build is online).
 * It fails when the example does not build, when its test fails or does not run, or when the example's
 * {@code spindle.version} is not this build's version.
 *
 * <p>Runs in the integration-test phase (failsafe), after this module's jar is packaged; the system properties
 * come from this module's pom.
 */
class ExampleProjectIT {
    /** The reactor modules spindle-test needs at run time, as directory and artifactId. */
    private static final List<String[]> MODULES = List.of(
            new String[] {"config", "spindle-config"},
            new String[] {"metadata", "spindle-metadata"},
            new String[] {"log-storage", "spindle-log-storage"},
            new String[] {"consumer-groups", "spindle-consumer-groups"},
            new String[] {"share-groups", "spindle-share-groups"},
            new String[] {"transactions", "spindle-transactions"},
            new String[] {"broker-core", "spindle-broker-core"},
            new String[] {"spindle-test", "spindle-test"});
    private static final Pattern SUREFIRE_TOTALS =
            Pattern.compile("<testsuite [^>]*?tests=\"(\\d+)\"[^>]*?errors=\"(\\d+)\"[^>]*?skipped=\"(\\d+)\"[^>]*?failures=\"(\\d+)\"");

    private final Path root = Path.of(property("spindle.root")).toAbsolutePath().normalize();
    private final String version = property("spindle.version");
    private final Path work = Path.of(property("spindle.it.dir")).toAbsolutePath();

    @Test
    @Timeout(value = 10, unit = TimeUnit.MINUTES)
    void theExampleProjectBuildsAndItsBrokerTestPasses() throws Exception {
        Path example = root.resolve("examples/embedded-broker-test");
        String pom = Files.readString(example.resolve("pom.xml"));
        assertTrue(pom.contains("<spindle.version>" + version + "</spindle.version>"),
                "examples/embedded-broker-test/pom.xml must depend on this build's version " + version);

        Path project = work.resolve("embedded-broker-test");
        deleteTree(project);
        copyTree(example, project);
        Path repository = work.resolve("repository");
        seed(repository);
        Path settings = writeSettings(work.resolve("settings.xml"), Path.of(property("spindle.outer.repository")));

        List<String> command = new ArrayList<>(List.of(mavenExecutable(), "-B", "verify", "-s", settings.toString(),
                "-Dmaven.repo.local=" + repository));
        if (property("spindle.outer.offline").equals("offline=true")) {
            // Offline stays offline: only the file repository (the outer build's local one) may be read.
            command.addAll(List.of("-o", "-Daether.offline.protocols=file"));
        }
        Path log = work.resolve("embedded-broker-test.log");
        Process build = new ProcessBuilder(command).directory(project.toFile()).redirectErrorStream(true)
                .redirectOutput(log.toFile()).start();
        if (!build.waitFor(8, TimeUnit.MINUTES)) {
            build.destroyForcibly();
            throw new AssertionError("the example's build ran over 8 minutes; its output is in " + log);
        }
        assertEquals(0, build.exitValue(), () -> "the example's build failed:\n" + tail(log));

        Path report = project.resolve("target/surefire-reports/TEST-com.example.OrdersTest.xml");
        assertTrue(Files.isRegularFile(report), () -> "no test report at " + report + ":\n" + tail(log));
        Matcher totals = SUREFIRE_TOTALS.matcher(Files.readString(report));
        assertTrue(totals.find(), report::toString);
        assertEquals("1 0 0 0", totals.group(1) + " " + totals.group(2) + " " + totals.group(3) + " " + totals.group(4),
                "tests, errors, skipped, failures of the example's test");
    }

    /** This build's artifacts, laid out as a user's local repository holds them after a download. */
    private void seed(Path repository) throws IOException {
        Path ours = repository.resolve("io/spindle");
        deleteTree(ours);
        install(repository, "spindle-parent", root.resolve("pom.xml"), null);
        for (String[] module : MODULES) {
            Path dir = root.resolve(module[0]);
            Path jar = dir.resolve("target/" + module[1] + "-" + version + ".jar");
            if (!Files.isRegularFile(jar)) {
                throw new IllegalStateException("no " + jar + ": build the module first (mvn verify packages it)");
            }
            install(repository, module[1], dir.resolve("pom.xml"), jar);
        }
    }

    private void install(Path repository, String artifactId, Path pom, Path jar) throws IOException {
        Path dir = repository.resolve("io/spindle").resolve(artifactId).resolve(version);
        Files.createDirectories(dir);
        String base = artifactId + "-" + version;
        Files.copy(pom, dir.resolve(base + ".pom"), StandardCopyOption.REPLACE_EXISTING);
        if (jar != null) {
            Files.copy(jar, dir.resolve(base + ".jar"), StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /**
     * The outer build's local repository as a remote one, for releases only: io.spindle snapshots must come from
     * the seeded repository, never from an older install there. A local repository keeps no checksums for much of
     * what it holds, so they are not asked for.
     */
    private static Path writeSettings(Path file, Path outerRepository) throws IOException {
        String url = outerRepository.toAbsolutePath().toUri().toString();
        String repository = """
                    <id>outer-local</id>
                    <url>%s</url>
                    <releases><enabled>true</enabled><checksumPolicy>ignore</checksumPolicy></releases>
                    <snapshots><enabled>false</enabled></snapshots>
                """.formatted(url);
        String settings = """
                <settings>
                  <profiles>
                    <profile>
                      <id>outer-local</id>
                      <repositories><repository>
                %s      </repository></repositories>
                      <pluginRepositories><pluginRepository>
                %s      </pluginRepository></pluginRepositories>
                    </profile>
                  </profiles>
                  <activeProfiles><activeProfile>outer-local</activeProfile></activeProfiles>
                </settings>
                """.formatted(repository, repository);
        Files.createDirectories(file.getParent());
        Files.writeString(file, settings, StandardCharsets.UTF_8);
        return file;
    }

    private static String mavenExecutable() {
        String home = System.getProperty("maven.home", "");
        Path mvn = Path.of(home, "bin", "mvn");
        return !home.isEmpty() && Files.isExecutable(mvn) ? mvn.toString() : "mvn";
    }

    private static String property(String name) {
        String value = System.getProperty(name);
        if (value == null || value.isBlank()) {
            throw new IllegalStateException("system property " + name + " is not set (spindle-test's pom sets it for failsafe)");
        }
        return value;
    }

    private static String tail(Path log) {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 80), lines.size()));
        } catch (IOException e) {
            return "(cannot read " + log + ": " + e + ")";
        }
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> paths = Files.walk(from)) {
            for (Path path : paths.filter(p -> !from.relativize(p).startsWith("target")).toList()) {
                Path target = to.resolve(from.relativize(path).toString());
                if (Files.isDirectory(path)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(path, target, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
    }

    private static void deleteTree(Path root) {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(path);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete " + root, e);
        }
    }
}
