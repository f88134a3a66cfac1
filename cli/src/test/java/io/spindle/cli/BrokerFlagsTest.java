package io.spindle.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;

/**
 * {@code spindle broker}'s hand-read flags ({@link BrokerFlags}) read every command line they accept as picocli reads
 * it, and leave every other one to picocli, so that help and usage errors name the bad flag as before.
 */
class BrokerFlagsTest {
    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {
        "broker",
        "broker --port 0",
        "broker --port=9093 --host 127.0.0.1 --data-dir data",
        "broker --data-dir=d --config conf.properties --node-id 2 --cluster 1@h:1,2@h:2",
        "broker --set flush.mode=none --set a.b=c=d --set=retention.ms=5 --port 1",
        "broker --set x=1 --set x=2",
        "broker --exit-when-ready --verbose --port 0",
        "broker --exit-when-ready --train-quorum --port 0",
        "broker --verbose --node-id 2147483647"})
    void readsACommandLineAsPicocliReadsIt(String line) {
        String[] args = line.split(" ");
        Optional<BrokerFlags.Parsed> handRead = BrokerFlags.parse(args, Shutdown.onRequest(), Map.of());
        assertTrue(handRead.isPresent(), "not read by hand: " + line);

        CommandLine picocli = SpindleCommand.commandLine(Shutdown.onRequest(), Map.of(), true);
        CommandLine.ParseResult parsed = picocli.parseArgs(args);
        BrokerCommand expected = (BrokerCommand) parsed.subcommand().commandSpec().userObject();
        boolean expectedVerbose = parsed.subcommand().hasMatchedOption("--verbose");
        assertEquals(describe(expected, expectedVerbose), describe(handRead.get().command(), handRead.get().verbose()),
                line);
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "broker --help", "broker -h", "broker --version", "broker -V", "broker --prot 9092", "broker --port ninety",
        "broker --port", "broker --port -1", "broker --port 99999999999", "broker --port 1 --port 2",
        "broker --set novalue", "broker --set =x", "broker --data-dir", "broker --data-dir --port", "broker extra",
        "broker @args.txt", "broker -- --port", "broker --verbose=true", "broker --exit-when-ready --exit-when-ready",
        "topic list"})
    void leavesEveryOtherCommandLineToPicocli(String line) {
        assertTrue(BrokerFlags.parse(line.split(" "), Shutdown.onRequest(), Map.of()).isEmpty(), line);
    }

    @Test
    void anUnknownFlagIsOneUsageLineNamingItWithStatus2() {
        Result result = run("broker", "--prot", "9092");
        assertEquals(2, result.status(), result.toString());
        assertEquals(List.of("spindle broker: Unknown options: '--prot', '9092' (see 'spindle broker --help')"),
                Cli.lines(result.err()));
    }

    @Test
    void aMalformedValueIsOneUsageLineNamingTheFlagWithStatus2() {
        Result result = run("broker", "--node-id", "two");
        assertEquals(2, result.status(), result.toString());
        assertEquals(1, Cli.lines(result.err()).size(), result.toString());
        assertTrue(result.err().startsWith("spindle broker: ") && result.err().contains("'--node-id'"), result.toString());
    }

    @Test
    void helpIsPicocliHelpWithTheSettingsList() {
        Result result = run("broker", "--help");
        assertEquals(0, result.status(), result.toString());
        assertTrue(result.out().startsWith("Usage: spindle broker"), result.out());
        assertTrue(result.out().contains("--data-dir=DIR") && result.out().contains("Settings (KEY=default):"),
                result.out());
    }

    @Test
    void aConfigurationErrorOfHandReadFlagsIsOneLineNamingTheKeyWithStatus2() {
        Result result = run("broker", "--port", "0", "--data-dir", dir.resolve("data").toString(), "--set",
                "retention.hours=7");
        assertEquals(2, result.status(), result.toString());
        assertEquals(1, Cli.lines(result.err()).size(), result.toString());
        assertTrue(result.err().startsWith("spindle broker: ") && result.err().contains("retention.hours"),
                result.toString());
    }

    @Test
    void handReadFlagsStartTheBrokerAndExitWhenReady() {
        Result result = run("broker", "--exit-when-ready", "--port", "0", "--data-dir", dir.resolve("data").toString(),
                "--set", "metrics.port=-1");
        assertEquals(0, result.status(), result.toString());
        List<String> lines = Cli.lines(result.out());
        assertEquals(2, lines.size(), result.toString());
        assertTrue(lines.get(0).startsWith("Spindle ") && lines.get(0).contains(dir.resolve("data").toString()),
                result.toString());
        assertEquals(BrokerCommand.STOPPED_LINE, lines.get(1));
    }

    private record Result(int status, String out, String err) {
    }

    private static Result run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int status = Main.run(args, Shutdown.onRequest(), Map.of(), new PrintWriter(out, true), new PrintWriter(err, true));
        return new Result(status, out.toString(), err.toString());
    }

    private static String describe(BrokerCommand command, boolean verbose) {
        return "config=" + command.configFile + " dataDir=" + command.dataDir + " host=" + command.host + " port="
                + command.port + " nodeId=" + command.nodeId + " cluster=" + command.cluster + " exitWhenReady="
                + command.exitWhenReady + " trainQuorum=" + command.trainQuorum + " settings=" + command.settings + " verbose=" + verbose;
    }
}
