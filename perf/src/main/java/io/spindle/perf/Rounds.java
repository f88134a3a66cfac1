package io.spindle.perf;

import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code --rounds} of the commands that start Spindle and Kafka in turn (a picocli mixin), with its bound. The help
 * text says which broker a round starts with: Kafka here; a command whose rounds start with Spindle words it so in
 * its resource bundle ({@link OptionTexts}, key {@code rounds}).
 */
final class Rounds {
    @Option(names = "--rounds", defaultValue = "3", descriptionKey = "rounds",
            description = "Rounds, each Kafka then Spindle (default: ${DEFAULT-VALUE}).")
    int rounds;

    @Spec(Spec.Target.MIXEE)
    CommandSpec command;

    /** The rounds asked for; a usage error naming {@code --rounds} unless at least 1. */
    int count() {
        BrokerSources.requireAtLeast(command.commandLine(), "--rounds", rounds, 1);
        return rounds;
    }
}
