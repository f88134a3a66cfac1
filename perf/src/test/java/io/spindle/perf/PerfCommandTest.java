package io.spindle.perf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spindle.broker.LocalBroker;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code spindle perf produce|consume|e2e} against a real broker in this JVM; nothing here is timed. */
class PerfCommandTest {
    @TempDir
    static Path dataDir;
    static LocalBroker broker;

    @BeforeAll
    static void startBroker() {
        broker = LocalBroker.start(dataDir);
    }

    @AfterAll
    static void stopBroker() {
        broker.close();
    }

    private record Run(int status, List<String> lines, String err) {
        String json() {
            return lines.get(lines.size() - 1);
        }
    }

    private static Run perf(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine commandLine = new CommandLine(new PerfCommand());
        commandLine.setOut(new PrintWriter(out, true));
        commandLine.setErr(new PrintWriter(err, true));
        int status = commandLine.execute(args);
        return new Run(status, out.toString().lines().toList(), err.toString());
    }

    private static void assertHasFields(String json, String... fields) {
        for (String field : fields) {
            assertTrue(json.contains("\"" + field + "\":"), "field " + field + " missing from " + json);
        }
    }

    @Test
    void helpOfASubcommandIsAnsweredOnItsOwnNowThatNoCliWrapsIt() {
        Run run = perf("produce", "--help");

        assertEquals(0, run.status(), run.err());
        assertTrue(run.lines().stream().anyMatch(line -> line.contains("--records")), run.lines().toString());
    }

    @Test
    void theSharedRoundsAndWorkDirOptionsKeepEachCommandsOwnHelpText() {
        String compare = String.join("\n", perf("compare", "--help").lines());
        String share = String.join("\n", perf("share", "--help").lines());
        String tools = String.join("\n", perf("kafka-tools", "--help").lines());
        String start = String.join("\n", perf("start", "--help").lines());

        assertTrue(compare.contains("Rounds, each Spindle then Kafka (default: 3).")
                && compare.contains("Scratch space for both brokers' data."), compare);
        assertTrue(share.contains("Rounds, each Kafka then Spindle (default: 3).")
                && share.contains("Scratch space for both brokers' data."), share);
        assertTrue(tools.contains("Rounds, each Spindle then Kafka (default: 3).")
                && tools.contains("Scratch space: brokers' data, tool output."), tools);
        assertTrue(start.contains("Scratch space for the data directories.") && !start.contains("--rounds"), start);
    }

    @Test
    void produceSendsExactlyTheRequestedRecordsAndEndsWithOneJsonLine() throws Exception {
        Run run = perf("produce", "--bootstrap", broker.bootstrapServers(), "--topic", "produce-exact", "--records", "2500",
                "--record-size", "200", "--partitions", "3", "--keys", "random:10", "--acks", "all");

        assertEquals(0, run.status(), run.err());
        assertEquals(2, run.lines().size(), "a summary line and a JSON line: " + run.lines());
        String json = run.json();
        assertTrue(json.startsWith("{\"workload\":\"produce\",\"records\":2500,\"bytes\":500000,"), json);
        assertHasFields(json, "seconds", "recordsPerSec", "mbPerSec", "p50Ms", "p99Ms", "p999Ms", "maxMs", "parameters");
        assertTrue(json.contains("\"latencySamples\":2500"), "one latency per acknowledged record: " + json);
        assertTrue(json.contains("\"partitions\":3") && json.contains("\"keys\":\"random:10\""), json);
        assertEquals(2500, Topics.endOffsetSum(broker.bootstrapServers(), "produce-exact"));
    }

    @Test
    void consumeReadsEveryRecordUpToTheEndOffsetsFoundAtStart() {
        assertEquals(0, perf("produce", "--bootstrap", broker.bootstrapServers(), "--topic", "consume-all", "--records", "1500",
                "--record-size", "100", "--partitions", "2").status());

        Run run = perf("consume", "--bootstrap", broker.bootstrapServers(), "--topic", "consume-all");

        assertEquals(0, run.status(), run.err());
        assertTrue(run.json().startsWith("{\"workload\":\"consume\",\"records\":1500,\"bytes\":150000,"), run.json());
    }

    @Test
    void consumePrintsTheConsumersFetchMetricsAndTheCpuTimeOfTheBrokerItFoundListening() {
        assertEquals(0, perf("produce", "--bootstrap", broker.bootstrapServers(), "--topic", "consume-fetches", "--records",
                "1500", "--record-size", "100").status());

        Run run = perf("consume", "--bootstrap", broker.bootstrapServers(), "--topic", "consume-fetches");

        assertEquals(0, run.status(), run.err());
        assertEquals(3, run.lines().size(), "a summary, the fetch and CPU line and a JSON line: " + run.lines());
        String fetchLine = run.lines().get(1);
        assertTrue(fetchLine.startsWith("consume: fetches ") && fetchLine.contains("records per fetch")
                && fetchLine.contains("the broker runs in this JVM"), fetchLine);
        assertHasFields(run.json(), "fetchRate", "fetchLatencyAvgMs", "fetchSizeAvg", "recordsPerRequestAvg",
                "consumerSeconds", "brokerSeconds");
        assertTrue(!run.json().contains("\"recordsPerRequestAvg\":null") && !run.json().contains("\"fetchRate\":0,"),
                "the consumer fetched: " + run.json());
        assertTrue(run.json().contains("\"brokerPid\":" + ProcessHandle.current().pid() + ","), run.json());
    }

    @Test
    void transactionalProduceCommitsEveryNRecordsAndReadCommittedConsumeReadsThemAll() throws Exception {
        Run produced = perf("produce", "--bootstrap", broker.bootstrapServers(), "--topic", "txn-all", "--records", "1050",
                "--record-size", "100", "--transaction-records", "100");

        assertEquals(0, produced.status(), produced.err());
        assertTrue(produced.json().contains("\"transactionRecords\":100"), produced.json());
        // 11 transactions (10 of 100, one of 50), each closed by one COMMIT marker in the partition.
        assertEquals(1050 + 11, Topics.endOffsetSum(broker.bootstrapServers(), "txn-all"));

        Run run = perf("consume", "--bootstrap", broker.bootstrapServers(), "--topic", "txn-all", "--isolation", "read_committed");

        assertEquals(0, run.status(), run.err());
        assertTrue(run.json().startsWith("{\"workload\":\"consume\",\"records\":1050,\"bytes\":105000,"), run.json());
    }

    @Test
    void theCompareTransactionalWorkloadsGiveTheirThreeFigures() throws Exception {
        Map<Compare.Metric, Double> figures = new EnumMap<>(Compare.Metric.class);

        Compare.transactionalWorkloads(Workload.defaults(broker.bootstrapServers(), "unused", 3000), "quick-", figures);

        assertEquals(Set.of(Compare.Metric.TXN_PRODUCE_100, Compare.Metric.TXN_PRODUCE_1000, Compare.Metric.TXN_CONSUME),
                figures.keySet());
        figures.values().forEach(perSecond -> assertTrue(perSecond > 0, figures.toString()));
        assertEquals(3000 + 30, Topics.endOffsetSum(broker.bootstrapServers(), "quick-txn-1k-100"));
        assertEquals(3000 + 3, Topics.endOffsetSum(broker.bootstrapServers(), "quick-txn-1k-1000"));
    }

    @Test
    void theTransactionsRunsGiveRatesAndWhereEachTransactionsTimeWent() throws Exception {
        Map<TxnCompare.Figure, Double> figures = TxnCompare.measureOnce(
                Workload.defaults(broker.bootstrapServers(), "unused", 2000), "phases-");

        assertEquals(Set.of(TxnCompare.Figure.values()), figures.keySet());
        figures.values().forEach(value -> assertTrue(value > 0, figures.toString()));
        assertEquals(2000 + 20, Topics.endOffsetSum(broker.bootstrapServers(), "phases-txn-1k-100"));
    }

    @Test
    void transactionsRejectsAnUnknownVersionAndTooFewRecordsBeforeStartingAnything() {
        Run version = perf("transactions", "--transaction-version", "3", "--work-dir", dataDir.resolve("never").toString());
        Run records = perf("transactions", "--records", "999", "--work-dir", dataDir.resolve("never").toString());

        assertEquals(CommandLine.ExitCode.USAGE, version.status());
        assertTrue(version.err().contains("--transaction-version must be 1 or 2, got 3"), version.err());
        assertEquals(CommandLine.ExitCode.USAGE, records.status());
        assertTrue(records.err().contains("--records must be at least 1000"), records.err());
    }

    @Test
    void connectionsRejectsNoConnectionsAndAnUnknownBrokerBeforeStartingAnything() {
        Run none = perf("connections", "--connections", "0", "--work-dir", dataDir.resolve("never").toString());
        Run unknown = perf("connections", "--brokers", "redpanda", "--work-dir", dataDir.resolve("never").toString());

        assertEquals(CommandLine.ExitCode.USAGE, none.status());
        assertTrue(none.err().contains("--connections must be at least 1"), none.err());
        assertEquals(CommandLine.ExitCode.USAGE, unknown.status());
        assertTrue(unknown.err().contains("--brokers must be spindle, kafka or both, not redpanda"), unknown.err());
    }

    @Test
    void clusterRejectsAReplicationFactorAboveItsBrokersAndOffersTheFlagInItsHelp() {
        Run tooMany = perf("cluster", "--brokers", "3", "--replication-factor", "4", "--work-dir",
                dataDir.resolve("never").toString());
        Run none = perf("cluster", "--replication-factor", "0", "--work-dir", dataDir.resolve("never").toString());
        String help = String.join("\n", perf("cluster", "--help").lines());

        assertEquals(CommandLine.ExitCode.USAGE, tooMany.status());
        assertTrue(tooMany.err().contains("--replication-factor 4 needs at least as many --brokers, not 3"), tooMany.err());
        assertEquals(CommandLine.ExitCode.USAGE, none.status());
        assertTrue(none.err().contains("--replication-factor must be at least 1, not 0"), none.err());
        assertTrue(help.contains("--replication-factor") && help.contains("Rounds, each Kafka then Spindle (default: 3).")
                && help.contains("--brokers") && help.contains("--e2e-rate") && help.contains("min.insync.replicas=2"), help);
    }

    @Test
    void failoverRejectsFewerThanThreeBrokersAndAnUnknownBrokerAndDefinesItsFigureInItsHelp() {
        Run two = perf("failover", "--brokers", "2", "--work-dir", dataDir.resolve("never").toString());
        Run other = perf("failover", "--only", "redpanda", "--work-dir", dataDir.resolve("never").toString());
        String help = String.join(" ", perf("failover", "--help").lines()).replaceAll("\\s+", " ");

        assertEquals(CommandLine.ExitCode.USAGE, two.status());
        assertTrue(two.err().contains("--brokers must be at least 3, not 2"), two.err());
        assertEquals(CommandLine.ExitCode.USAGE, other.status());
        assertTrue(other.err().contains("--only takes kafka or spindle, not redpanda"), other.err());
        assertTrue(help.contains("from the SIGKILL to the first acknowledgement of a record sent after it")
                && help.contains("--kills"), help);
    }

    @Test
    void endToEndMeasuresEveryRecordSentAfterTheWarmup() {
        Run run = perf("e2e", "--bootstrap", broker.bootstrapServers(), "--topic", "e2e-all", "--records", "600", "--rate", "2000",
                "--warmup", "0s", "--record-size", "64", "--linger-ms", "0");

        assertEquals(0, run.status(), run.err());
        assertTrue(run.json().startsWith("{\"workload\":\"e2e\",\"records\":600,\"bytes\":38400,"), run.json());
        assertTrue(run.json().contains("\"latencySamples\":600"), run.json());
    }

    @Test
    void recordsAndDurationTogetherAreAUsageError() {
        Run run = perf("produce", "--bootstrap", broker.bootstrapServers(), "--records", "10", "--duration", "1s");

        assertEquals(CommandLine.ExitCode.USAGE, run.status());
        assertTrue(run.err().contains("--records and --duration exclude each other"), run.err());
    }

    @Test
    void endToEndWithoutARateIsAUsageError() {
        Run run = perf("e2e", "--bootstrap", broker.bootstrapServers(), "--records", "10");

        assertEquals(CommandLine.ExitCode.USAGE, run.status());
        assertTrue(run.err().contains("e2e needs --rate"), run.err());
    }

    @Test
    void startRejectsZeroStartsBeforeStartingAnything() {
        Run run = perf("start", "--starts", "0", "--work-dir", dataDir.resolve("never").toString());

        assertEquals(CommandLine.ExitCode.USAGE, run.status());
        assertTrue(run.err().contains("--starts must be at least 1, not 0"), run.err());
    }

    @Test
    void compareRejectsANegativeWarmupAndZeroRoundsBeforeStartingAnything() {
        Run warmup = perf("compare", "--warmup-passes", "-1", "--work-dir", dataDir.resolve("never").toString());
        Run rounds = perf("compare", "--rounds", "0", "--work-dir", dataDir.resolve("never").toString());

        assertEquals(CommandLine.ExitCode.USAGE, warmup.status());
        assertTrue(warmup.err().contains("--warmup-passes must be 0 or more, not -1"), warmup.err());
        assertEquals(CommandLine.ExitCode.USAGE, rounds.status());
        assertTrue(rounds.err().contains("--rounds must be at least 1, not 0"), rounds.err());
    }

    @Test
    void compareRejectsAnUnknownOrRepeatedBrokerBeforeStartingAnything() {
        Run unknown = perf("compare", "--brokers", "spindle,redpanda", "--work-dir", dataDir.resolve("never").toString());
        Run twice = perf("compare", "--brokers", "spindle,spindle", "--work-dir", dataDir.resolve("never").toString());

        assertEquals(CommandLine.ExitCode.USAGE, unknown.status());
        assertTrue(unknown.err().contains("--brokers takes some of [spindle, kafka], each at most once, not [spindle,"
                + " redpanda]"), unknown.err());
        assertEquals(CommandLine.ExitCode.USAGE, twice.status());
        assertTrue(twice.err().contains("not [spindle, spindle]"), twice.err());
        assertFalse(Files.exists(dataDir.resolve("never")), "nothing was started");
    }

    @Test
    void compactRejectsASizeItCannotReadAndATinySegmentBeforeStartingAnything() {
        Run bytes = perf("compact", "--bytes", "lots", "--work-dir", dataDir.resolve("never").toString());
        Run segment = perf("compact", "--segment-bytes", "4k", "--work-dir", dataDir.resolve("never").toString());

        assertEquals(CommandLine.ExitCode.USAGE, bytes.status());
        assertTrue(bytes.err().contains("'lots' is not a size"), bytes.err());
        assertEquals(CommandLine.ExitCode.USAGE, segment.status());
        assertTrue(segment.err().contains("--segment-bytes must be 1m to 2g-1"), segment.err());
    }
}
