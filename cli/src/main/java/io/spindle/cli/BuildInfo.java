package io.spindle.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;

/** What the build recorded in {@code io/spindle/cli/build.properties} (resource filtering): the version. */
final class BuildInfo {
    private static final String RESOURCE = "build.properties";
    private static final Properties PROPERTIES = load();

    private BuildInfo() {
    }

    /** The project version, e.g. "0.1.0-SNAPSHOT". */
    static String version() {
        return PROPERTIES.getProperty("version", "unknown");
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
