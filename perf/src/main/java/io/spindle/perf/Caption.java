package io.spindle.perf;

import java.util.Locale;

/**
 * What a printed figure is and its unit ("time to compact, alone", "s"), and the two ways the perf commands print one:
 * a measured value in a round ("label value unit") and the row heading of a table of medians ("label (unit)").
 * Each command's enum of figures carries one per constant.
 */
record Caption(String label, String unit) {
    /** "  label value unit" with the label left-aligned in {@code width} columns and the value to two decimals. */
    String line(int width, double value) {
        return String.format(Locale.ROOT, "  %-" + width + "s %12.2f %s", label, value, unit);
    }

    /** "label (unit)". */
    String heading() {
        return label + " (" + unit + ")";
    }
}
