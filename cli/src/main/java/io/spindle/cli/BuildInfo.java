package io.spindle.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.List;
import java.util.Properties;

/**
 * What the build recorded in {@code io/spindle/cli/build.properties} (resource filtering): the version and
 * the JVM flags of the parent pom's {@code spindle.jvm.flags}, the one place those flags are defined.
 */
final class BuildInfo {
    private static final String RESOURCE = "build.properties";
    private static final Properties PROPERTIES = load();

    private BuildInfo() {
    }

    /** The project version, e.g. "0.1.0-SNAPSHOT". */
    static String version() {
        return PROPERTIES.getProperty("version", "unknown");
    }

    /** The JVM flags the launcher passes to java, one element per flag. */
    static List<String> jvmFlags() {
        String flags = PROPERTIES.getProperty("jvm.flags", "").strip();
        return flags.isEmpty() ? List.of() : Arrays.asList(flags.split("\\s+"));
    }

    /**
     * Sets each {@code -Dname=value} of {@link #jvmFlags()} that is not set already. A manifest can carry
     * Add-Opens and Add-Exports but not system properties; this covers them for {@code java -jar}. It must
     * run before the first class that reads them (Chronicle's) is loaded, i.e. first thing in main.
     */
    static void applySystemPropertyFlags() {
        for (String flag : jvmFlags()) {
            if (flag.startsWith("-D") && flag.length() > 2) {
                int equals = flag.indexOf('=');
                String name = equals < 0 ? flag.substring(2) : flag.substring(2, equals);
                String value = equals < 0 ? "" : flag.substring(equals + 1);
                if (System.getProperty(name) == null) {
                    System.setProperty(name, value);
                }
            }
        }
    }

    private static Properties load() {
        Properties properties = new Properties();
        try (InputStream in = BuildInfo.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("Resource io/spindle/cli/" + RESOURCE
                        + " is missing from the classpath: the cli module was not built by Maven");
            }
            properties.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read resource io/spindle/cli/" + RESOURCE, e);
        }
        return properties;
    }
}
