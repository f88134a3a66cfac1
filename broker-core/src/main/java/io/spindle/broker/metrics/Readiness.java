package io.spindle.broker.metrics;

/** What {@code /health/ready} asks: whether the broker serves everything it holds, and if not, why. */
@FunctionalInterface
public interface Readiness {
    /** Null when ready; otherwise what is wrong, for the probe's response body (one line per cause). */
    String problem();
}
