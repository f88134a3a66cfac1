package io.spindle.perf;

import java.nio.file.Path;
import java.nio.file.Paths;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/**
 * Where the perf commands that start brokers in child JVMs take them from: the Spindle jar and Kafka's jars
 * ({@code --spindle-jar}, {@code --kafka-lib}, a picocli mixin) and the JVM that runs them, with the default of each
 * when it is not given. Also the bounds checks those commands share. Their scratch directory is {@link WorkDir}.
 */
final class BrokerSources {
    @Option(names = "--spindle-jar", paramLabel = "JAR", description = "Default: the running spindle.jar, else cli/target/spindle.jar.")
    Path spindleJar;

    @Option(names = "--kafka-lib", paramLabel = "DIR", description = "Kafka's jars. Default: perf/target/kafka-lib of this checkout.")
    Path kafkaLib;

    /** The given Spindle jar, else {@link #defaultSpindleJar()}. */
    Path spindleJar() {
        return spindleJar != null ? spindleJar : defaultSpindleJar();
    }

    /** The given Kafka lib directory, else the one of the checkout the Spindle jar was built in. */
    Path kafkaLib() {
        return kafkaLib != null ? kafkaLib : defaultKafkaLib(spindleJar());
    }

    /** Both brokers' jars, this JVM and the scratch directory {@code work}. */
    Compare.Setup setup(Path work) {
        return new Compare.Setup(java(), spindleJar(), kafkaLib(), work);
    }

    /** The java launcher of the running JVM, which starts the child brokers and tools. */
    static Path java() {
        return Paths.get(System.getProperty("java.home"), "bin", "java");
    }

    /** Throws a usage error naming {@code option} unless {@code value} is at least {@code min}. */
    static void requireAtLeast(CommandLine command, String option, long value, long min) {
        if (value < min) {
            String bound = min == 0 ? "0 or more" : "at least " + min;
            throw new CommandLine.ParameterException(command, option + " must be " + bound + ", not " + value);
        }
    }

    /**
     * The jar named by the system property {@code spindle.perf.spindleJar} (bin/spindle sets it), else the running
     * spindle.jar, else cli/target/spindle.jar of the checkout in the working directory.
     */
    static Path defaultSpindleJar() {
        String property = System.getProperty("spindle.perf.spindleJar");
        if (property != null) {
            return Paths.get(property);
        }
        try {
            Path running = Paths.get(BrokerSources.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            if (running.getFileName().toString().equals("spindle.jar")) {
                return running;
            }
        } catch (java.net.URISyntaxException | SecurityException | NullPointerException e) {
            // not running from a jar we can locate: fall back to the checkout layout
        }
        return Paths.get("cli", "target", "spindle.jar").toAbsolutePath();
    }

    private static Path defaultKafkaLib(Path spindleJar) {
        String property = System.getProperty("spindle.perf.kafkaLib");
        if (property != null) {
            return Paths.get(property);
        }
        Path repo = spindleJar.toAbsolutePath().getParent().getParent().getParent();
        return repo.resolve("perf").resolve("target").resolve("kafka-lib");
    }
}
