package io.spindle.cli;

import java.util.concurrent.Callable;
import picocli.AutoComplete;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code spindle completion}: a bash (and zsh, through bashcompinit) completion script for every command. */
@Command(name = "completion",
        description = {"Prints a bash completion script for spindle. Load it with:",
            "  source <(spindle completion)",
            "or save it as /etc/bash_completion.d/spindle."})
final class CompletionCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine().getOut().print(AutoComplete.bash("spindle", spec.root().commandLine()));
        spec.commandLine().getOut().flush();
        return SpindleCommand.OK;
    }
}
