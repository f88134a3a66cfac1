package io.spindle.perf;

import java.util.Arrays;
import java.util.List;

/** The arithmetic of the compare: medians of rounds and Spindle/Kafka ratios. */
final class Stats {
    private Stats() {
    }

    /** The median; the mean of the middle two for an even count; NaN for none. */
    static double median(List<Double> values) {
        if (values.isEmpty()) {
            return Double.NaN;
        }
        double[] sorted = values.stream().mapToDouble(Double::doubleValue).toArray();
        Arrays.sort(sorted);
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    /** spindle / kafka; NaN when Kafka's figure is 0 or missing. */
    static double ratio(double spindle, double kafka) {
        return kafka == 0 || Double.isNaN(kafka) || Double.isNaN(spindle) ? Double.NaN : spindle / kafka;
    }
}
