package io.spindle.cli;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code spindle cluster up 3} run as a child process, as a user runs it, with its brokers as its own children: what
 * it prints, its pid files, and what a kill -9 of one broker and a SIGTERM to the command do.
 */
class ClusterUpCommandTest {
    private static final Pattern READY =
            Pattern.compile("Spindle cluster of 3 brokers ready: bootstrap servers (\\S+), data in (.+)");
    private static final Duration WAIT = Duration.ofSeconds(90);

    @TempDir
    Path tempDir;

    private Process up;
    private final List<String> printed = new CopyOnWriteArrayList<>();
    private int basePort;

    @AfterEach
    void stopWhatIsLeft() throws Exception {
        if (up != null && up.isAlive()) {
            up.toHandle().destroy();
            if (!up.waitFor(ClusterProcesses.STOP_TIMEOUT.toSeconds() + 10, TimeUnit.SECONDS)) {
                up.destroyForcibly();
            }
        }
        for (int node = 1; node <= 3; node++) {      // brokers orphaned by a failed test
            Path pidFile = dataDir().resolve("node-" + node).resolve(LocalCluster.PID_FILE);
            if (Files.exists(pidFile)) {
                ProcessHandle.of(Long.parseLong(Files.readString(pidFile).strip()))
                        .ifPresent(ProcessHandle::destroyForcibly);
            }
        }
    }

    @Test
    void upPrintsOneReadyLineAndWritesPidFilesOfLiveBrokersThatServeKafkaClients() throws Exception {
        Matcher ready = startUp();

        assertEquals(List.of(ready.group()), printed, "stdout should be the ready line alone");
        assertEquals(bootstrap(1) + "," + bootstrap(2) + "," + bootstrap(3), ready.group(1));
        assertEquals(dataDir().toAbsolutePath().normalize().toString(), ready.group(2));
        for (int node = 1; node <= 3; node++) {
            long pid = pid(node);
            assertTrue(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false), "broker " + node + " pid " + pid);
            new Socket(InetAddress.getLoopbackAddress(), basePort + node - 1).close();
        }
        Produced.send(bootstrap(2), "greetings", "hello");
        assertEquals(List.of("hello"), Produced.readAll(bootstrap(2), "greetings", 1));
    }

    @Test
    void killNineOfOneBrokerLeavesTheOtherTwoServingAndUpRunning() throws Exception {
        startUp();
        long killed = pid(2);

        ProcessHandle.of(killed).orElseThrow().destroyForcibly();

        await().atMost(WAIT).until(() -> printed.contains(
                "Broker 2 (pid " + killed + ") exited with status 137; the others keep running"));
        assertTrue(up.isAlive(), "cluster up ended when one broker was killed");
        assertFalse(Files.exists(pidFile(2)), "the pid file of the killed broker is still there");
        assertThrows(ConnectException.class, () -> new Socket(InetAddress.getLoopbackAddress(), basePort + 1).close());
        for (int node : new int[] {1, 3}) {
            try (Admin admin = admin(bootstrap(node))) {
                assertFalse(admin.describeCluster().nodes().get(30, TimeUnit.SECONDS).isEmpty(), "broker " + node);
            }
            assertTrue(ProcessHandle.of(pid(node)).map(ProcessHandle::isAlive).orElse(false), "broker " + node);
        }
    }

    @Test
    void sigtermStopsEveryBrokerCleanlyAndKeepsTheirData() throws Exception {
        startUp();
        Produced.send(bootstrap(1), "kept", "record");
        List<ProcessHandle> brokers = new ArrayList<>();
        for (int node = 1; node <= 3; node++) {
            brokers.add(ProcessHandle.of(pid(node)).orElseThrow());
        }

        up.toHandle().destroy();        // SIGTERM; Process.destroy() would also close our end of its stdout

        assertTrue(up.waitFor(WAIT.toSeconds(), TimeUnit.SECONDS), "cluster up did not stop");
        assertEquals(0, up.exitValue());
        await().atMost(WAIT).until(() -> printed.contains(BrokerCommand.STOPPED_LINE));
        assertEquals(BrokerCommand.STOPPED_LINE, printed.get(printed.size() - 1));
        for (int node = 1; node <= 3; node++) {
            assertFalse(brokers.get(node - 1).isAlive(), "broker " + node + " still runs");
            assertFalse(Files.exists(pidFile(node)), "pid file of stopped broker " + node);
            // The broker's own "stopped": it closed cleanly rather than being killed.
            List<String> log = Files.readAllLines(nodeDir(node).resolve(LocalCluster.LOG_FILE));
            assertEquals(BrokerCommand.STOPPED_LINE, log.get(log.size() - 1), "broker " + node + "'s log");
        }
        try (Stream<Path> partitions = Files.walk(dataDir())) {
            assertTrue(partitions.anyMatch(path -> path.getFileName().toString().equals("kept-0")),
                    "no partition directory of topic kept under " + dataDir());
        }
    }

    @Test
    void upRefusesMoreVotersThanBrokersWithOneLine() {
        Cli.Result result = Cli.run("cluster", "up", "--data-dir", dataDir().toString(), "--voters", "4", "3");

        assertEquals(2, result.status(), result::toString);
        assertEquals(1, result.errLines().size(), result::toString);
        assertTrue(result.err().startsWith("spindle cluster up: a local cluster of 3 broker(s) has 1 to 3 voter(s), "
                + "not 4"), result::toString);
        assertFalse(Files.exists(dataDir()), "directories made for a refused count");
    }

    @ParameterizedTest
    @ValueSource(strings = {"0", "10", "-3"})
    void upRefusesACountOutsideOneToNineWithOneLine(String count) {
        Cli.Result result = Cli.run("cluster", "up", "--data-dir", dataDir().toString(), "--", count);

        assertEquals(2, result.status(), result::toString);
        assertEquals(1, result.errLines().size(), result::toString);
        assertTrue(result.err().startsWith("spindle cluster up: a local cluster has 1 to 9 brokers")
                && result.err().contains("not " + count), result::toString);
        assertFalse(Files.exists(dataDir()), "directories made for a refused count");
    }

    @Test
    void upRefusesABasePortWhoseLayoutPassesTheLastPort() {
        Cli.Result result = Cli.run("cluster", "up", "3", "--base-port", "65300", "--data-dir", dataDir().toString());

        assertEquals(2, result.status(), result::toString);
        assertTrue(result.err().contains("base port 65300 leaves no room for 3 brokers"), result::toString);
    }

    @Test
    void upRefusesToStartWhenAPortOfItsLayoutIsTaken() throws IOException {
        int base = ClusterProcesses.freeBasePort(3);
        try (ServerSocket taken = new ServerSocket(base + LocalCluster.RAFT_PORT_OFFSET + 1, 1,
                InetAddress.getByName("127.0.0.1"))) {
            Cli.Result result = Cli.run("cluster", "up", "3", "--base-port", Integer.toString(base),
                    "--data-dir", dataDir().toString());

            assertEquals(1, result.status(), result::toString);
            assertEquals(1, result.errLines().size(), result::toString);
            assertTrue(result.err().contains("Port " + taken.getLocalPort() + " on 127.0.0.1 (broker 2's Raft port) is "
                    + "in use"), result::toString);
            assertFalse(Files.exists(dataDir()), "brokers were started");
        }
    }

    @Test
    void helpStatesThePortLayoutAndClusterAloneIsAUsageError() {
        Cli.Result help = Cli.run("cluster", "up", "--help");
        Cli.Result bare = Cli.run("cluster");

        assertEquals(0, help.status(), help::toString);
        assertTrue(help.out().startsWith("Usage: spindle cluster up") && help.out().contains("P+100+i-1")
                && help.out().contains("P+312+i-1"), help::toString);
        assertEquals(2, bare.status(), bare::toString);
        assertTrue(bare.err().startsWith("spindle cluster: Missing a command: up"), bare::toString);
    }

    @Test
    void upEndsWithStatus1WhenItsLastBrokerExits() throws Exception {
        launchUp("1");
        await().atMost(WAIT).until(() -> !up.isAlive() || printed.stream().anyMatch(l -> l.contains(" ready: ")));
        long pid = pid(1);

        ProcessHandle.of(pid).orElseThrow().destroyForcibly();

        assertTrue(up.waitFor(WAIT.toSeconds(), TimeUnit.SECONDS), "cluster up kept running with no broker");
        assertEquals(1, up.exitValue());
        await().atMost(WAIT).until(() -> printed.contains(BrokerCommand.STOPPED_LINE));
        assertTrue(printed.contains("Broker 1 (pid " + pid + ") exited with status 137; none is left running"),
                printed::toString);
    }

    @Test
    void brokerFailingToStartStopsUpWithOneLineNamingItsError() throws Exception {
        launchUp("2", "--set", "flush.mode=sometimes");

        assertTrue(up.waitFor(WAIT.toSeconds(), TimeUnit.SECONDS), "cluster up kept running");
        assertEquals(1, up.exitValue());
        List<String> errors = Files.readAllLines(tempDir.resolve("up-stderr.txt"));
        assertEquals(1, errors.size(), errors::toString);
        assertTrue(errors.get(0).matches("spindle cluster up: Broker [12] exited with status 2 before it was ready: "
                + "spindle broker: Invalid value 'sometimes' for configuration 'flush.mode'.* \\(its log: .*/node-[12]/"
                + "broker\\.log\\).*"), errors.get(0));
        for (int node = 1; node <= 2; node++) {
            assertFalse(Files.exists(pidFile(node)), "pid file of broker " + node);
        }
    }

    /** Starts {@code cluster up 3} on free ports and waits for its ready line. */
    private Matcher startUp() throws IOException {
        launchUp("3");
        await().atMost(WAIT).until(() -> !up.isAlive() || printed.stream().anyMatch(l -> READY.matcher(l).matches()));
        return printed.stream().map(READY::matcher).filter(Matcher::matches).findFirst()
                .orElseThrow(() -> new AssertionError("cluster up exited with status " + up.exitValue() + "; stdout "
                        + printed + "; stderr: " + readQuietly(tempDir.resolve("up-stderr.txt"))));
    }

    /** Starts {@code cluster up} with {@code args} on free ports, in a JVM of its own, reading its stdout. */
    private void launchUp(String... args) throws IOException {
        basePort = ClusterProcesses.freeBasePort(3);
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(ClusterProcesses.JVM_OPTIONS);     // handed on to the brokers
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(Main.class.getName());
        command.addAll(List.of("cluster", "up", "--base-port", Integer.toString(basePort),
                "--data-dir", dataDir().toString()));
        command.addAll(List.of(args));
        up = new ProcessBuilder(command).redirectError(tempDir.resolve("up-stderr.txt").toFile()).start();
        Thread reader = new Thread(this::readStdout, "cluster-up-stdout");
        reader.setDaemon(true);
        reader.start();
    }

    private void readStdout() {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(up.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = in.readLine()) != null) {
                printed.add(line);
            }
        } catch (IOException e) {
            printed.add("<<read failed: " + e + ">>");
        }
    }

    private static String readQuietly(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            return "(unreadable: " + e + ")";
        }
    }

    private Path dataDir() {
        return tempDir.resolve("cluster");
    }

    private Path nodeDir(int node) {
        return dataDir().resolve("node-" + node);
    }

    private Path pidFile(int node) {
        return nodeDir(node).resolve(LocalCluster.PID_FILE);
    }

    private long pid(int node) throws IOException {
        return Long.parseLong(Files.readString(pidFile(node)).strip());
    }

    private String bootstrap(int node) {
        return "127.0.0.1:" + (basePort + node - 1);
    }

    static Admin admin(String bootstrap) {
        Properties config = new Properties();
        config.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        config.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "20000");
        config.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "10000");
        return Admin.create(config);
    }
}
