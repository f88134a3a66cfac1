package io.spindle.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import picocli.CommandLine;

/** Runs {@code spindle ...} in-process, as Main does, with stdout and stderr captured. */
final class Cli {
    private Cli() {
    }

    record Result(int status, String out, String err) {
        List<String> outLines() {
            return lines(out);
        }

        List<String> errLines() {
            return lines(err);
        }

        @Override
        public String toString() {
            return "status " + status + "\n--- stdout:\n" + out + "--- stderr:\n" + err;
        }
    }

    /** Runs the command with {@code --bootstrap-server bootstrap} appended. */
    static Result on(String bootstrap, String... args) {
        String[] all = Arrays.copyOf(args, args.length + 2);
        all[args.length] = "--bootstrap-server";
        all[args.length + 1] = bootstrap;
        return run(all);
    }

    static Result run(String... args) {
        return run(Shutdown.onRequest(), args);
    }

    static Result run(Shutdown shutdown, String... args) {
        CommandLine commandLine = SpindleCommand.commandLine(shutdown, Map.of());
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        commandLine.setOut(new PrintWriter(out, true));
        commandLine.setErr(new PrintWriter(err, true));
        int status = commandLine.execute(args);
        return new Result(status, out.toString(), err.toString());
    }

    static List<String> lines(String text) {
        return text.isEmpty() ? List.of() : new ArrayList<>(Arrays.asList(text.split("\\R")));
    }
}
