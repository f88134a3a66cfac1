package io.spindle.cli;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spindle.test.BootstrapServers;
import io.spindle.test.EmbeddedBroker;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

@EmbeddedBroker
class GroupCommandTest {

    @Test
    void consumerGroupIsListedDescribedAndItsLagShown(@BootstrapServers String bootstrap) {
        produce(bootstrap, "invoices", "a", "b", "c", "d");
        Cli.Result consumed = Cli.on(bootstrap, "consume", "invoices", "--group", "accounting", "--from-beginning",
                "--max-messages", "3");
        assertEquals(List.of("a", "b", "c"), consumed.outLines(), consumed::toString);

        Cli.Result list = Cli.on(bootstrap, "group", "list");
        assertEquals(0, list.status(), list::toString);
        assertTrue(list.outLines().stream().map(GroupCommandTest::columns)
                .anyMatch(List.of("accounting", "classic", "Empty", "0")::equals), list::toString);

        Cli.Result described = Cli.on(bootstrap, "group", "describe", "accounting");
        assertEquals(0, described.status(), described::toString);
        assertEquals(List.of(
                "Group accounting: Empty, 0 member(s)",
                "TOPIC     PARTITION  COMMITTED  END  LAG  MEMBER",
                "invoices  0          3          4    1    -"), described.outLines());

        Cli.Result lag = Cli.on(bootstrap, "lag", "--group", "accounting");
        assertEquals(0, lag.status(), lag::toString);
        assertEquals(List.of(
                "GROUP       TOPIC     PARTITION  COMMITTED  END  LAG",
                "accounting  invoices  0          3          4    1"), lag.outLines());
    }

    @Test
    void resetOffsetsIsADryRunUnlessExecuted(@BootstrapServers String bootstrap) {
        produce(bootstrap, "payments", "p0", "p1", "p2", "p3", "p4");
        Cli.on(bootstrap, "consume", "payments", "--group", "payers", "--from-beginning", "--max-messages", "5");

        Cli.Result dryRun = Cli.on(bootstrap, "group", "reset-offsets", "--group", "payers", "--to-earliest");
        assertEquals(0, dryRun.status(), dryRun::toString);
        assertEquals(List.of("TOPIC     PARTITION  CURRENT  NEW", "payments  0          5        0"), dryRun.outLines());
        assertTrue(dryRun.err().contains("Dry run"), dryRun::toString);
        assertTrue(Cli.on(bootstrap, "lag", "--group", "payers").out().contains("payments  0          5          5    0"));

        Cli.Result shifted = Cli.on(bootstrap, "group", "reset-offsets", "--group", "payers", "--topic", "payments",
                "--shift-by", "-2", "--execute");
        assertEquals(0, shifted.status(), shifted::toString);
        assertEquals("Reset the offsets of group payers", shifted.outLines().get(shifted.outLines().size() - 1));

        Cli.Result again = Cli.on(bootstrap, "consume", "payments", "--group", "payers", "--max-messages", "2");
        assertEquals(List.of("p3", "p4"), again.outLines(), again::toString);
    }

    @Test
    void resetToAnOffsetIsKeptWithinThePartitionsOffsets(@BootstrapServers String bootstrap) {
        produce(bootstrap, "bounded", "x0", "x1");

        Cli.Result result = Cli.on(bootstrap, "group", "reset-offsets", "--group", "newcomers", "--topic", "bounded:0",
                "--to-offset", "99", "--execute");

        assertEquals(0, result.status(), result::toString);
        assertTrue(result.out().contains("bounded  0          -        2"), result::toString);
        assertTrue(Cli.on(bootstrap, "lag", "--group", "newcomers").out().contains("bounded  0          2          2    0"));
    }

    @Test
    void resetNeedsExactlyOneTarget(@BootstrapServers String bootstrap) {
        Cli.Result none = Cli.on(bootstrap, "group", "reset-offsets", "--group", "g");
        Cli.Result two = Cli.on(bootstrap, "group", "reset-offsets", "--group", "g", "--to-earliest", "--to-latest");

        assertEquals(2, none.status());
        assertEquals(2, two.status());
        assertTrue(two.err().contains("exactly one of"), two::toString);
    }

    @Test
    void deletedGroupIsGoneAndDescribingItFails(@BootstrapServers String bootstrap) {
        produce(bootstrap, "temp", "t");
        Cli.on(bootstrap, "consume", "temp", "--group", "short-lived", "--from-beginning", "--max-messages", "1");

        Cli.Result deleted = Cli.on(bootstrap, "group", "delete", "short-lived");

        assertEquals(0, deleted.status(), deleted::toString);
        assertFalse(Cli.on(bootstrap, "group", "list").out().contains("short-lived"));
        Cli.Result described = Cli.on(bootstrap, "group", "describe", "short-lived");
        assertEquals(1, described.status());
        assertEquals(1, described.errLines().size(), described::toString);
        assertTrue(described.err().startsWith("spindle group describe: Consumer group 'short-lived' does not exist"),
                described::toString);
    }

    @Test
    void stopRequestEndsAGroupConsumerWithStatus0AfterCommittingWhatItPrinted(@BootstrapServers String bootstrap)
            throws Exception {
        produce(bootstrap, "stream", "s0", "s1", "s2");
        Shutdown shutdown = Shutdown.onRequest();
        CommandLine commandLine = SpindleCommand.commandLine(shutdown, Map.of());
        StringWriter out = new StringWriter();
        commandLine.setOut(new PrintWriter(out, true));
        commandLine.setErr(new PrintWriter(new StringWriter(), true));
        ExecutorService thread = Executors.newSingleThreadExecutor();
        try {
            Future<Integer> status = thread.submit(() -> commandLine.execute("consume", "stream", "--group", "followers",
                    "--from-beginning", "--bootstrap-server", bootstrap));
            await().atMost(Duration.ofSeconds(30)).until(() -> Cli.lines(out.toString()).size() == 3 || status.isDone());

            shutdown.request();

            assertEquals(0, status.get(30, TimeUnit.SECONDS));
            assertEquals(List.of("s0", "s1", "s2"), Cli.lines(out.toString()));
            assertTrue(Cli.on(bootstrap, "lag", "--group", "followers").out().contains("stream  0          3          3    0"));
        } finally {
            thread.shutdownNow();
        }
    }

    static void produce(String bootstrap, String topic, String... values) {
        InputStream original = System.in;
        System.setIn(new ByteArrayInputStream((String.join("\n", values) + "\n").getBytes(StandardCharsets.UTF_8)));
        try {
            Cli.Result result = Cli.on(bootstrap, "produce", topic, "--partition", "0");
            assertEquals(0, result.status(), result::toString);
        } finally {
            System.setIn(original);
        }
    }

    /** A table line's columns (the cli pads them with spaces). */
    static List<String> columns(String line) {
        return List.of(line.strip().split("\\s+"));
    }
}
