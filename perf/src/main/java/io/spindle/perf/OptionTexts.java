package io.spindle.perf;

import java.util.ListResourceBundle;

/**
 * The help texts of the shared options ({@link Rounds}, {@link WorkDir}) where a command words them its own way:
 * each nested class is one command's picocli resource bundle ({@code @Command(resourceBundle = ...)}), keyed by the
 * options' {@code descriptionKey}. An option a bundle does not name keeps its annotation's text.
 */
final class OptionTexts {
    private static final String SPINDLE_FIRST_ROUNDS = "Rounds, each Spindle then Kafka (default: ${DEFAULT-VALUE}).";

    private OptionTexts() {
    }

    /** {@code compare}: Spindle first in each round. */
    public static final class Compare extends ListResourceBundle {
        @Override
        protected Object[][] getContents() {
            return new Object[][] {{"rounds", SPINDLE_FIRST_ROUNDS}};
        }
    }

    /** {@code kafka-tools}: Spindle first by default; the tools' output beside the brokers' data. */
    public static final class KafkaTools extends ListResourceBundle {
        @Override
        protected Object[][] getContents() {
            return new Object[][] {{"rounds", SPINDLE_FIRST_ROUNDS},
                {"work-dir", "Scratch space: brokers' data, tool output. Default: a new temp dir."}};
        }
    }

    /** {@code start}: one broker, a data directory per start. */
    public static final class Start extends ListResourceBundle {
        @Override
        protected Object[][] getContents() {
            return new Object[][] {{"work-dir", "Scratch space for the data directories. Default: a new temp dir."}};
        }
    }
}
