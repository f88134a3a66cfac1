package io.spindle.perf;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * {@code --work-dir} of the commands that start brokers in child JVMs (a picocli mixin): the scratch directory given,
 * else a new temp dir. A command that keeps more than the brokers' data there words the help text its own way in its
 * resource bundle ({@link OptionTexts}, key {@code work-dir}).
 */
final class WorkDir {
    @Option(names = "--work-dir", paramLabel = "DIR", descriptionKey = "work-dir",
            description = "Scratch space for both brokers' data. Default: a new temp dir.")
    Path workDir;

    /** The directory given, else a new temp dir whose name starts with {@code tempPrefix}. */
    Path resolve(String tempPrefix) throws IOException {
        return workDir != null ? workDir : Files.createTempDirectory(tempPrefix);
    }
}
