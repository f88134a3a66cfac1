package io.spindle.perf;

import picocli.CommandLine;

/**
 * {@code spindle perf}: {@code bin/spindle perf compare} runs this, as does
 * {@code java -cp perf/target/spindle-perf.jar io.spindle.perf.PerfMain compare}. An error prints its stack trace.
 * (The cli's jar does not carry the load tools: the broker's jar holds only what it runs.)
 */
public final class PerfMain {
    private PerfMain() {
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new PerfCommand()).setCommandName("spindle perf").execute(args));
    }
}
