package io.spindle.test;

import io.spindle.broker.SpindleBroker;
import io.spindle.config.BrokerConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;

/**
 * A real Spindle broker in this process, for tests and demos: on 127.0.0.1 with a free port, its data in a new
 * temporary directory that {@link #close()} deletes, flush.mode=none (nothing is forced to disk: a test rarely
 * needs power-loss durability) and no metrics listener.
 *
 * <pre>{@code
 * try (EmbeddedSpindle broker = EmbeddedSpindle.start();
 *      Producer<String, String> producer = new KafkaProducer<>(Map.of("bootstrap.servers", broker.bootstrapServers(), ...))) {
 *     ...
 * }
 * }</pre>
 *
 * <p>With JUnit 5, {@link EmbeddedBroker} on the test class does the starting and closing. The JVM needs no
 * flags. Thread-safety: every method may be called from any thread; {@link #close()} once.
 */
public final class EmbeddedSpindle implements AutoCloseable {
    private final Path dataDir;
    private final SpindleBroker broker;

    private EmbeddedSpindle(Path dataDir, SpindleBroker broker) {
        this.dataDir = dataDir;
        this.broker = broker;
    }

    /** Starts a broker with the embedded defaults. */
    public static EmbeddedSpindle start() {
        return start(Map.of());
    }

    /** Starts a broker with broker settings (e.g. "num.partitions" → "3") on top of the embedded defaults. */
    public static EmbeddedSpindle start(Map<String, String> settings) {
        Path dataDir;
        try {
            dataDir = Files.createTempDirectory("spindle-embedded-");
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot create a temporary data directory for an embedded broker", e);
        }
        Map<String, String> config = new LinkedHashMap<>();
        config.put(BrokerConfig.LISTENER_HOST, "127.0.0.1");
        config.put(BrokerConfig.LISTENER_PORT, "0");
        config.put(BrokerConfig.FLUSH_MODE, "none");
        config.put(BrokerConfig.METRICS_PORT, "-1");
        config.putAll(settings);
        config.put(BrokerConfig.DATA_DIR, dataDir.toString());
        try {
            return new EmbeddedSpindle(dataDir, SpindleBroker.start(BrokerConfig.of(config)));
        } catch (RuntimeException e) {
            deleteTree(dataDir);
            throw e;
        }
    }

    /** "127.0.0.1:port", for bootstrap.servers. */
    public String bootstrapServers() {
        return broker.host() + ":" + broker.port();
    }

    public int port() {
        return broker.port();
    }

    public Path dataDir() {
        return dataDir;
    }

    /** The broker itself, for what a test needs beyond its address. */
    public SpindleBroker broker() {
        return broker;
    }

    /** Stops the broker and deletes its data directory. */
    @Override
    public void close() {
        try {
            broker.close();
        } finally {
            deleteTree(dataDir);
        }
    }

    private static void deleteTree(Path root) {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot delete the embedded broker's data directory " + root, e);
        }
    }

    @Override
    public String toString() {
        return "EmbeddedSpindle(" + bootstrapServers() + ", data in " + dataDir + ")";
    }
}
