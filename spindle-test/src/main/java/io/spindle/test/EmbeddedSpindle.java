package io.spindle.test;

import io.spindle.broker.LocalBroker;
import io.spindle.broker.SpindleBroker;
import java.nio.file.Path;
import java.util.Map;

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
 * flags. It is broker-core's {@link LocalBroker} in a temporary directory, the one in-process broker the
 * project's own tests use too. Thread-safety: every method may be called from any thread; {@link #close()} once.
 */
public final class EmbeddedSpindle implements AutoCloseable {
    private final LocalBroker broker;

    private EmbeddedSpindle(LocalBroker broker) {
        this.broker = broker;
    }

    /** Starts a broker with the embedded defaults. */
    public static EmbeddedSpindle start() {
        return start(Map.of());
    }

    /** Starts a broker with broker settings (e.g. "num.partitions" → "3") on top of the embedded defaults. */
    public static EmbeddedSpindle start(Map<String, String> settings) {
        return new EmbeddedSpindle(LocalBroker.startInTempDir(settings));
    }

    /** "127.0.0.1:port", for bootstrap.servers. */
    public String bootstrapServers() {
        return broker.bootstrapServers();
    }

    public int port() {
        return broker.port();
    }

    public Path dataDir() {
        return broker.dataDir();
    }

    /** The broker itself, for what a test needs beyond its address. */
    public SpindleBroker broker() {
        return broker.broker();
    }

    /** Stops the broker and deletes its data directory. */
    @Override
    public void close() {
        broker.close();
    }

    @Override
    public String toString() {
        return "EmbeddedSpindle(" + bootstrapServers() + ", data in " + dataDir() + ")";
    }
}
