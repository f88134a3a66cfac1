package io.spindle.perf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spindle.broker.LocalBroker;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code spindle perf kafka-tools} runs Kafka's own ProducerPerformance, ConsumerPerformance and EndToEndLatency
 * in child JVMs (from target/kafka-tools and target/kafka-lib, which the build fills) against a real broker, here
 * one in this JVM given with --bootstrap, with tiny counts; nothing here is timed.
 */
class KafkaToolsCommandTest {
    @TempDir
    Path dataDir;
    @TempDir
    Path workDir;

    private record Run(int status, List<String> lines, String err) {
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

    @Test
    void kafkasToolsRunAgainstAGivenBrokerAndTheirFiguresArePrintedPerRoundAndAsMedians() {
        try (LocalBroker broker = LocalBroker.start(dataDir)) {
            Run run = perf("kafka-tools", "--bootstrap", broker.bootstrapServers(), "--rounds", "1",
                    "--large-records", "3000", "--small-records", "3000", "--e2e-records", "20", "--warmup-passes", "0",
                    "--work-dir", workDir.toString());

            assertEquals(0, run.status(), run.err() + "\n" + String.join("\n", run.lines()));
            String roundJson = run.lines().stream().filter(l -> l.startsWith("{\"kafkaTools\":\"round\"")).findFirst()
                    .orElseThrow(() -> new AssertionError("no round JSON in " + run.lines()));
            for (String field : List.of("produce_1k_1p", "produce_1k_6p", "produce_100b_1p", "consume_fetch", "e2e_avg",
                    "e2e_p99", "fsync_p50")) {
                assertTrue(roundJson.contains("\"" + field + "\":"), field + " missing from " + roundJson);
            }
            assertTrue(roundJson.contains("\"broker\":\"given\""), roundJson);
            String summary = run.lines().get(run.lines().size() - 1);
            assertTrue(summary.startsWith("{\"kafkaTools\":\"summary\""), summary);
            // Every record each ProducerPerformance run reported is in the broker: the tool really produced there.
            assertEquals(3000, Topics.endOffsetSum(broker.bootstrapServers(), "kt1-1k-6p"));
            assertEquals(3000, Topics.endOffsetSum(broker.bootstrapServers(), "kt1-100b-1p"));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    @Test
    void anUnknownBrokerNameIsRefusedByName() {
        Run run = perf("kafka-tools", "--brokers", "spindle,redpanda");

        assertEquals(CommandLine.ExitCode.USAGE, run.status());
        assertTrue(run.err().contains("--brokers takes spindle, kafka, kafka-fsync, spindle-nofsync, not 'redpanda'"), run.err());
    }

    @Test
    void aBrokerNamedTwiceIsRefused() {
        Run run = perf("kafka-tools", "--brokers", "kafka,kafka");

        assertEquals(CommandLine.ExitCode.USAGE, run.status());
        assertTrue(run.err().contains("--brokers names each broker at most once"), run.err());
    }

    @Test
    void catchUpWithoutTheProduceRunItReadsIsRefused() {
        Run run = perf("kafka-tools", "--workloads", "consume,e2e");

        assertEquals(CommandLine.ExitCode.USAGE, run.status());
        assertTrue(run.err().contains("--workloads: consume reads the topic produce-1k-1p writes: name both"), run.err());
    }

    @Test
    void anUnknownWorkloadIsRefusedByName() {
        Run run = perf("kafka-tools", "--workloads", "e2e,produce-1m-1p");

        assertEquals(CommandLine.ExitCode.USAGE, run.status());
        assertTrue(run.err().contains("unknown workload 'produce-1m-1p'"), run.err());
    }

    @Test
    void aMissingToolsDirectoryNamesTheDirectoryAndHowToFillIt() {
        Run run = perf("kafka-tools", "--bootstrap", "127.0.0.1:1", "--kafka-tools-lib", workDir.resolve("nothing").toString(),
                "--work-dir", workDir.toString());

        assertEquals(CommandLine.ExitCode.SOFTWARE, run.status());
        assertTrue(run.err().contains("No kafka-tools jar in " + workDir.resolve("nothing")), run.err());
    }
}
