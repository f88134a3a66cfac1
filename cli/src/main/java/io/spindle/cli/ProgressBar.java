package io.spindle.cli;

import java.io.PrintWriter;

/**
 * A one-line progress bar on stderr, redrawn in place at most every {@value #REDRAW_MS} ms, for runs over many
 * records. It draws only when a person watches: when the JVM has a console (stdout and stdin are a terminal) and
 * the total is known; otherwise it prints nothing at all, so that pipes and scripts see only the data.
 */
final class ProgressBar {
    private static final int REDRAW_MS = 100;
    private static final int WIDTH = 30;

    private final PrintWriter err;
    private final long total;
    private final boolean enabled;
    private long done;
    private long lastDraw;
    private boolean drawn;
    private long drawnDone = -1;

    ProgressBar(PrintWriter err, long total, boolean enabled) {
        this.err = err;
        this.total = total;
        this.enabled = enabled && total > 0;
    }

    /** A bar that draws only if this process has a terminal. */
    static ProgressBar onTerminal(PrintWriter err, long total) {
        return new ProgressBar(err, total, System.console() != null);
    }

    void advance(long records) {
        done += records;
        if (!enabled) {
            return;
        }
        long now = System.nanoTime() / 1_000_000;
        if (now - lastDraw >= REDRAW_MS || done >= total) {
            lastDraw = now;
            draw();
        }
    }

    /** Ends the bar's line, so that what follows starts on a line of its own. */
    void finish() {
        if (enabled && drawn) {
            if (drawnDone != done) {
                draw();
            }
            err.println();
            err.flush();
        }
    }

    private void draw() {
        err.print("\r" + render(done, total));
        err.flush();
        drawn = true;
        drawnDone = done;
    }

    static String render(long done, long total) {
        long shown = Math.min(done, total);
        int filled = (int) (WIDTH * shown / total);
        return "[" + "#".repeat(filled) + ".".repeat(WIDTH - filled) + "] " + (100 * shown / total) + "% "
                + shown + "/" + total + " records";
    }
}
