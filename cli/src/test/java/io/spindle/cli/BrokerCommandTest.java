package io.spindle.cli;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;

/** {@code spindle broker} run in-process, as Main runs it but stopped through {@link Shutdown#request()}. */
class BrokerCommandTest {
    private static final Pattern START_LINE =
            Pattern.compile("Spindle \\S+ started: data in (.+), Kafka listener ([^,]+):(\\d+), flush mode (.+)");
    private static final Duration START_TIMEOUT = Duration.ofSeconds(30);

    @TempDir
    Path tempDir;

    private final ExecutorService commandThread = Executors.newSingleThreadExecutor();
    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();
    private final Shutdown shutdown = Shutdown.onRequest();

    @AfterEach
    void stopCommand() throws InterruptedException {
        shutdown.request();
        commandThread.shutdown();
        assertTrue(commandThread.awaitTermination(30, TimeUnit.SECONDS), "the broker command did not stop");
    }

    @Test
    void brokerServesKafkaProducerOnTheReportedPort() throws Exception {
        Future<Integer> status = startBroker(Map.of(), "broker", "--port", "0", "--data-dir", dataDir().toString());
        Matcher started = awaitStartLine(status);

        RecordMetadata sent = produceOne(started.group(2), Integer.parseInt(started.group(3)), "greetings");

        assertEquals(0, sent.offset());
        assertTrue(Files.isDirectory(dataDir().resolve("greetings-0")), "no partition directory in " + dataDir());
    }

    @Test
    void startLineNamesAbsoluteDataDirListenerAndFlushMode() throws Exception {
        Future<Integer> status = startBroker(Map.of(), "broker", "--port", "0", "--data-dir", dataDir().toString());
        Matcher started = awaitStartLine(status);

        assertEquals(dataDir().toAbsolutePath().normalize().toString(), started.group(1));
        assertEquals("127.0.0.1", started.group(2));
        assertTrue(Integer.parseInt(started.group(3)) > 0, "listener port " + started.group(3));
        assertEquals("fsync", started.group(4));
    }

    @Test
    void stopRequestClosesTheListenerPrintsStoppedAndExitsZero() throws Exception {
        Future<Integer> status = startBroker(Map.of(), "broker", "--port", "0", "--data-dir", dataDir().toString());
        Matcher started = awaitStartLine(status);
        int port = Integer.parseInt(started.group(3));

        shutdown.request();

        assertEquals(0, status.get(10, TimeUnit.SECONDS));
        List<String> lines = lines(out);
        assertEquals("stopped", lines.get(lines.size() - 1));
        assertEquals("", err.toString());
        assertThrows(ConnectException.class, () -> new Socket(InetAddress.getLoopbackAddress(), port).close());
    }

    @Test
    void setWinsOverEnvironmentWhichWinsOverConfigFile() throws Exception {
        Path file = tempDir.resolve("broker.properties");
        Files.writeString(file, "flush.mode=none\nflush.interval.ms=111\nflush.interval.messages=222\n");
        Map<String, String> environment = Map.of("SPINDLE_FLUSH_MODE", "fsync", "SPINDLE_FLUSH_INTERVAL_MS", "333",
                "PATH", "/usr/bin");

        Future<Integer> status = startBroker(environment, "broker", "--config", file.toString(),
                "--set", "flush.mode=interval", "--port", "0", "--data-dir", dataDir().toString());

        assertEquals("interval (every 333 ms or 222 messages)", awaitStartLine(status).group(4));
    }

    @Test
    void hostFlagWinsOverSetListenerHost() throws Exception {
        Future<Integer> status = startBroker(Map.of(), "broker", "--set", "listener.host=0.0.0.0",
                "--host", "127.0.0.1", "--port", "0", "--data-dir", dataDir().toString());

        assertEquals("127.0.0.1", awaitStartLine(status).group(2));
    }

    @Test
    void unknownSetKeyExitsWithStatus2AndOneStderrLineNamingTheKey() {
        int status = commandLine(Map.of()).execute("broker", "--set", "retention.hours=7", "--port", "0",
                "--data-dir", dataDir().toString());

        assertEquals(2, status);
        List<String> errors = lines(err);
        assertEquals(1, errors.size(), "stderr: " + errors);
        assertTrue(errors.get(0).startsWith("spindle broker: "), errors.get(0));
        assertTrue(errors.get(0).contains("'retention.hours'"), errors.get(0));
        assertEquals("", out.toString());
        assertTrue(Files.notExists(dataDir()), "the broker started despite the bad setting");
    }

    @Test
    void invalidEnvironmentValueExitsWithStatus2NamingVariableAndKey() {
        int status = commandLine(Map.of("SPINDLE_FLUSH_MODE", "sometimes"))
                .execute("broker", "--port", "0", "--data-dir", dataDir().toString());

        assertEquals(2, status);
        List<String> errors = lines(err);
        assertEquals(1, errors.size(), "stderr: " + errors);
        assertTrue(errors.get(0).contains("flush.mode") && errors.get(0).contains("SPINDLE_FLUSH_MODE"),
                errors.get(0));
    }

    @Test
    void malformedFlagValueIsOneLineUsageErrorWithStatus2() {
        int status = commandLine(Map.of()).execute("broker", "--port", "ninety");

        assertEquals(2, status);
        List<String> errors = lines(err);
        assertEquals(1, errors.size(), "stderr: " + errors);
        assertTrue(errors.get(0).contains("--port") && errors.get(0).contains("ninety"), errors.get(0));
    }

    @Test
    void nodeIdFlagSetsTheIdTheBrokerReportsToClients() throws Exception {
        Future<Integer> status = startBroker(Map.of(), "broker", "--node-id", "7", "--port", "0",
                "--set", "metrics.port=-1", "--data-dir", dataDir().toString());
        Matcher started = awaitStartLine(status);

        try (Admin admin = ClusterUpCommandTest.admin(started.group(2) + ":" + started.group(3))) {
            assertEquals(7, admin.describeCluster().nodes().get(30, TimeUnit.SECONDS).iterator().next().id());
        }
    }

    @Test
    void malformedClusterEntryIsOneLineNamingTheFlagAndTheEntry() {
        int status = commandLine(Map.of()).execute("broker", "--node-id", "1",
                "--cluster", "1@127.0.0.1:9192,2@127.0.0.1", "--data-dir", dataDir().toString());

        assertEquals(2, status);
        List<String> errors = lines(err);
        assertEquals(1, errors.size(), "stderr: " + errors);
        assertTrue(errors.get(0).startsWith("spindle broker: --cluster: ")
                && errors.get(0).contains("entry '2@127.0.0.1' is not id@host:port"), errors.get(0));
        assertTrue(Files.notExists(dataDir()), "the broker started despite the bad flag");
    }

    @Test
    void nodeIdNotAmongTheClusterVotersIsOneLineNamingBoth() {
        int status = commandLine(Map.of()).execute("broker", "--node-id", "4",
                "--cluster", "1@127.0.0.1:9192,2@127.0.0.1:9193,3@127.0.0.1:9194", "--data-dir", dataDir().toString());

        assertEquals(2, status);
        List<String> errors = lines(err);
        assertEquals(1, errors.size(), "stderr: " + errors);
        assertTrue(errors.get(0).startsWith("spindle broker: --node-id 4 is not one of the voters of --cluster "
                + "1@127.0.0.1:9192,2@127.0.0.1:9193,3@127.0.0.1:9194 (their ids: 1, 2, 3); to run it as an "
                + "observer, give it its own Raft address with --observer-address HOST:PORT"), errors.get(0));
        assertTrue(Files.notExists(dataDir()), "the broker started despite the bad flag");
    }

    @Test
    void aVoterGivenAnObserverAddressIsOneLineNamingTheFlag() {
        int status = commandLine(Map.of()).execute("broker", "--node-id", "2",
                "--cluster", "1@127.0.0.1:9192,2@127.0.0.1:9193,3@127.0.0.1:9194",
                "--observer-address", "127.0.0.1:9195", "--data-dir", dataDir().toString());

        assertEquals(2, status);
        List<String> errors = lines(err);
        assertEquals(1, errors.size(), "stderr: " + errors);
        assertTrue(errors.get(0).startsWith("spindle broker: --observer-address is for a broker outside the voters, "
                + "but --node-id 2 is one of them"), errors.get(0));
        assertTrue(Files.notExists(dataDir()), "the broker started despite the bad flag");
    }

    @Test
    void configurationErrorShowsStackTraceOnlyWithVerbose() {
        int quiet = commandLine(Map.of()).execute("broker", "--set", "no.such.key=1");
        String quietErr = err.toString();
        err.getBuffer().setLength(0);
        int verbose = commandLine(Map.of()).execute("broker", "--verbose", "--set", "no.such.key=1");

        assertEquals(2, quiet);
        assertEquals(2, verbose);
        assertTrue(!quietErr.contains("\tat "), quietErr);
        assertTrue(err.toString().contains("\tat io.spindle.config."), err.toString());
    }

    @Test
    void portInUseExitsWithStatus1AndOneLineNamingTheProblem() throws IOException {
        try (ServerSocket taken = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"))) {
            int status = commandLine(Map.of()).execute("broker", "--port", Integer.toString(taken.getLocalPort()),
                    "--data-dir", dataDir().toString());

            assertEquals(1, status);
            List<String> errors = lines(err);
            assertEquals(1, errors.size(), "stderr: " + errors);
            assertTrue(errors.get(0).startsWith("spindle broker: Cannot start a broker listening on 127.0.0.1:"
                    + taken.getLocalPort()), errors.get(0));
            assertTrue(errors.get(0).contains("in use"), errors.get(0));
            assertEquals("", out.toString());
        }
    }

    @Test
    void dataDirInUseExitsWithStatus1AndOneLineNamingTheDirectoryAndTheHoldersPid() throws Exception {
        awaitStartLine(startBroker(Map.of(), "broker", "--port", "0", "--data-dir", dataDir().toString()));
        StringWriter secondOut = new StringWriter();
        StringWriter secondErr = new StringWriter();
        CommandLine second = SpindleCommand.commandLine(Shutdown.onRequest(), Map.of());
        second.setOut(new PrintWriter(secondOut, true));
        second.setErr(new PrintWriter(secondErr, true));

        int status = second.execute("broker", "--port", "0", "--set", "metrics.port=-1",
                "--data-dir", dataDir().toString());

        assertEquals(1, status);
        List<String> errors = lines(secondErr);
        assertEquals(1, errors.size(), "stderr: " + errors);
        assertTrue(errors.get(0).startsWith("spindle broker: The data directory " + dataDir().toAbsolutePath().normalize()
                + " is in use by another broker in this process (pid " + ProcessHandle.current().pid() + ")"),
                errors.get(0));
        assertEquals("", secondOut.toString());
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "broker"})
    void helpAndVersionWorkOnEveryCommand(String subcommand) {
        String[] prefix = subcommand.isEmpty() ? new String[0] : new String[] {subcommand};

        assertEquals(0, commandLine(Map.of()).execute(append(prefix, "--help")));
        assertTrue(out.toString().contains("Usage: spindle" + (subcommand.isEmpty() ? "" : " " + subcommand)),
                out.toString());
        out.getBuffer().setLength(0);
        assertEquals(0, commandLine(Map.of()).execute(append(prefix, "--version")));
        assertTrue(out.toString().startsWith("spindle " + BuildInfo.version()), out.toString());
    }

    @Test
    void brokerOnlyCommandLineHasJustBrokerWithTheSameHelp() {
        CommandLine brokerOnly = SpindleCommand.commandLine(shutdown, Map.of(), true);
        assertEquals(java.util.Set.of("broker"), brokerOnly.getSubcommands().keySet());
        StringWriter brokerOnlyOut = new StringWriter();
        brokerOnly.setOut(new PrintWriter(brokerOnlyOut, true));

        assertEquals(0, brokerOnly.execute("broker", "--help"));
        assertEquals(0, commandLine(Map.of()).execute("broker", "--help"));
        assertEquals(out.toString(), brokerOnlyOut.toString());
    }

    @Test
    void exitWhenReadyServesItsOwnMetadataRequestThenStops() throws Exception {
        int status = commandLine(Map.of()).execute("broker", "--exit-when-ready", "--port", "0",
                "--data-dir", dataDir().toString(), "--set", "metrics.port=-1");

        assertEquals(0, status, err.toString());
        assertTrue(START_LINE.matcher(out.toString()).find(), out.toString());
        assertTrue(out.toString().contains("stopped"), out.toString());
    }

    @Test
    void noCommandPrintsUsageOnStderrWithStatus2() {
        assertEquals(2, commandLine(Map.of()).execute());
        assertTrue(err.toString().contains("broker"), err.toString());
    }

    @Test
    void buildInfoCarriesTheProjectVersion() {
        assertTrue(BuildInfo.version().matches("\\d+\\.\\d+\\.\\d+(-SNAPSHOT)?"), BuildInfo.version());
    }

    private Path dataDir() {
        return tempDir.resolve("data");
    }

    private CommandLine commandLine(Map<String, String> environment) {
        CommandLine commandLine = SpindleCommand.commandLine(shutdown, environment);
        commandLine.setOut(new PrintWriter(out, true));
        commandLine.setErr(new PrintWriter(err, true));
        return commandLine;
    }

    private Future<Integer> startBroker(Map<String, String> environment, String... args) {
        CommandLine commandLine = commandLine(environment);
        return commandThread.submit(() -> commandLine.execute(args));
    }

    /** Waits for the start line; fails at once, with stderr, if the command ends instead. */
    private Matcher awaitStartLine(Future<Integer> status) throws InterruptedException, ExecutionException {
        await().atMost(START_TIMEOUT).until(() -> status.isDone() || startLine().isPresent());
        if (status.isDone()) {
            throw new AssertionError("broker command ended with status " + status.get() + "; stderr: " + err);
        }
        return startLine().orElseThrow();
    }

    private Optional<Matcher> startLine() {
        for (String line : lines(out)) {
            Matcher matcher = START_LINE.matcher(line);
            if (matcher.matches()) {
                return Optional.of(matcher);
            }
        }
        return Optional.empty();
    }

    static RecordMetadata produceOne(String host, int port, String topic)
            throws InterruptedException, ExecutionException, TimeoutException {
        Properties config = new Properties();
        config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, host + ":" + port);
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        // What is under test is that the command serves; the idempotent handshake is broker-core's to test.
        config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "false");
        config.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, "20000");
        config.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "20000");
        config.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, "10000");
        try (KafkaProducer<String, String> producer =
                     new KafkaProducer<>(config, new StringSerializer(), new StringSerializer())) {
            return producer.send(new ProducerRecord<>(topic, "key", "value")).get(30, TimeUnit.SECONDS);
        }
    }

    private static List<String> lines(StringWriter writer) {
        String text = writer.toString();
        return text.isEmpty() ? List.of() : new ArrayList<>(Arrays.asList(text.split("\\R")));
    }

    private static String[] append(String[] prefix, String last) {
        String[] args = Arrays.copyOf(prefix, prefix.length + 1);
        args[prefix.length] = last;
        return args;
    }
}
