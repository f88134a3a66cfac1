package io.spindle.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/** What every client command shares: --help, failing fast and in one line, --verbose, the completion script. */
class CommonBehaviourTest {

    @ParameterizedTest
    @ValueSource(strings = {"topic", "topic create", "topic list", "topic describe", "topic delete",
        "topic alter-config", "topic reassign", "produce", "consume", "replay", "group", "group list", "group describe", "group delete",
        "group reset-offsets", "lag", "txn", "txn list", "txn describe", "txn open", "txn abort", "completion"})
    void everyCommandHasHelp(String command) {
        String[] words = command.split(" ");
        String[] args = java.util.Arrays.copyOf(words, words.length + 1);
        args[words.length] = "--help";

        Cli.Result result = Cli.run(args);

        assertEquals(0, result.status(), result::toString);
        assertTrue(result.out().startsWith("Usage: spindle " + command), result::toString);
        if (!command.equals("completion") && !command.equals("topic") && !command.equals("group")
                && !command.equals("txn")) {
            assertTrue(result.out().contains("--bootstrap-server"), result::toString);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"topic list", "consume t --max-messages 1", "replay t", "group list", "lag", "txn list"})
    void unreachableBrokerFailsWithinSecondsInOneLine(String command) throws IOException {
        int closedPort = closedPort();
        long start = System.nanoTime();

        Cli.Result result = Cli.on("127.0.0.1:" + closedPort, command.split(" "));

        assertTrue(System.nanoTime() - start < Duration.ofSeconds(5).toNanos(), "took too long: " + result);
        assertEquals(1, result.status(), result::toString);
        assertEquals(1, result.errLines().size(), result::toString);
        assertTrue(result.err().contains("No broker reachable at 127.0.0.1:" + closedPort), result::toString);
        assertTrue(result.err().contains("Connection refused"), result::toString);
    }

    @Test
    void verboseAddsTheStackTrace() throws IOException {
        Cli.Result result = Cli.on("127.0.0.1:" + closedPort(), "topic", "list", "--verbose");

        assertEquals(1, result.status());
        assertTrue(result.err().contains("\tat io.spindle.cli.ClientOptions"), result::toString);
    }

    @Test
    void malformedBootstrapAddressIsAUsageError() {
        Cli.Result result = Cli.on("localhost", "topic", "list");

        assertEquals(2, result.status());
        assertTrue(result.err().contains("Invalid --bootstrap-server 'localhost': expected HOST:PORT"), result::toString);
    }

    @Test
    void completionPrintsABashScriptCoveringTheSubcommands() {
        Cli.Result result = Cli.run("completion");

        assertEquals(0, result.status());
        assertTrue(result.out().contains("complete -F"), "not a bash completion script");
        assertTrue(result.out().contains("reset-offsets") && result.out().contains("--from-beginning"),
                "subcommands or options missing");
    }

    @Test
    void progressBarDrawsOnlyWhenEnabled() {
        java.io.StringWriter text = new java.io.StringWriter();
        ProgressBar off = new ProgressBar(new java.io.PrintWriter(text, true), 10, false);
        off.advance(10);
        off.finish();
        assertEquals("", text.toString());

        ProgressBar on = new ProgressBar(new java.io.PrintWriter(text, true), 10, true);
        on.advance(10);
        on.finish();
        assertEquals("\r[##############################] 100% 10/10 records" + System.lineSeparator(), text.toString());
        assertEquals("[###############...............] 50% 5/10 records", ProgressBar.render(5, 10));
    }

    private static int closedPort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }
}
