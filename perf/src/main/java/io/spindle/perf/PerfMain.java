package io.spindle.perf;

import picocli.CommandLine;

/**
 * {@code spindle perf} without the cli: {@code java -cp perf/target/spindle-perf.jar io.spindle.perf.PerfMain compare}.
 * The same commands as {@code bin/spindle perf}; an error prints its stack trace.
 */
public final class PerfMain {
    private PerfMain() {
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new PerfCommand()).execute(args));
    }
}
