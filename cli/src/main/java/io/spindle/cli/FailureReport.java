package io.spindle.cli;

import io.spindle.config.ConfigException;
import java.io.PrintWriter;

/**
 * How every command reports a failure and which exit status it gets: one line on stderr, "spindle broker: what went
 * wrong", the stack trace only under {@code --verbose}. Apart from {@link SpindleCommand} (and free of picocli) so that
 * {@code broker}'s hand-read flags ({@link BrokerFlags}) report the same way without loading picocli.
 */
final class FailureReport {
    /** A failure while running (picocli's {@code ExitCode.SOFTWARE}). */
    static final int FAILED = 1;
    /** A usage or configuration error (picocli's {@code ExitCode.USAGE}). */
    static final int BAD_USAGE = 2;

    private FailureReport() {
    }

    /**
     * Reports {@code error} of the command {@code name} on {@code err}; returns the exit status: {@value #BAD_USAGE}
     * for a configuration error (its message says all there is), else {@value #FAILED}.
     */
    static int report(Exception error, String name, boolean verbose, PrintWriter err) {
        boolean configuration = error instanceof ConfigException;
        // A configuration message says all there is; for other failures the stack trace may help.
        String hint = verbose || configuration ? "" : " (--verbose for details)";
        err.println(name + ": " + describe(error) + hint);
        if (verbose) {
            error.printStackTrace(err);
        }
        err.flush();
        return configuration ? BAD_USAGE : FAILED;
    }

    /** The messages of an error and its causes, each once, on one line: "Cannot bind ...: Address already in use". */
    static String describe(Throwable error) {
        StringBuilder text = new StringBuilder();
        int depth = 0;
        for (Throwable t = error; t != null && depth < 8; t = t.getCause(), depth++) {
            String message = t.getMessage() == null ? t.getClass().getSimpleName() : oneLine(t.getMessage());
            if (text.indexOf(message) < 0) {
                text.append(text.length() == 0 ? "" : ": ").append(message);
            }
        }
        return text.toString();
    }

    static String oneLine(String message) {
        return message == null ? "" : message.strip().replaceAll("\\s*\\R\\s*", " ");
    }
}
