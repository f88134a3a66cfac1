package io.spindle.broker;

import io.spindle.config.BrokerConfig;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;

/**
 * A real broker for tests: in-process, on 127.0.0.1 with a free port, its data in a directory the test owns
 * (a JUnit {@code @TempDir}). Clients made through it are closed with it. {@link #restart()} closes the
 * broker cleanly and starts a new one on the same data directory and settings.
 *
 * <pre>{@code
 * try (TestBroker broker = TestBroker.start(tempDir)) {
 *     Admin admin = broker.admin();
 *     ...
 * }
 * }</pre>
 */
public final class TestBroker implements AutoCloseable {
    private final Path dataDir;
    private final Map<String, String> settings;
    private final Clock clock;
    private final List<AutoCloseable> clients = new ArrayList<>();
    private SpindleBroker broker;

    private TestBroker(Path dataDir, Map<String, String> settings, Clock clock) {
        this.dataDir = dataDir;
        this.settings = settings;
        this.clock = clock;
        this.broker = SpindleBroker.start(config(), clock);
    }

    /** A broker with the defaults, flush.mode=none (tests of durability set it), on free ports (Kafka and metrics). */
    public static TestBroker start(Path dataDir) {
        return start(dataDir, Map.of());
    }

    /** A broker with {@code overrides} on top of the test defaults. */
    public static TestBroker start(Path dataDir, Map<String, String> overrides) {
        return start(dataDir, overrides, Clock.systemUTC());
    }

    public static TestBroker start(Path dataDir, Map<String, String> overrides, Clock clock) {
        Map<String, String> settings = new LinkedHashMap<>();
        settings.put(BrokerConfig.LISTENER_HOST, "127.0.0.1");
        settings.put(BrokerConfig.LISTENER_PORT, "0");
        settings.put(BrokerConfig.FLUSH_MODE, "none");
        settings.put(BrokerConfig.METRICS_PORT, "0");
        settings.putAll(overrides);
        settings.put(BrokerConfig.DATA_DIR, dataDir.toString());
        return new TestBroker(dataDir, settings, clock);
    }

    public BrokerConfig config() {
        return BrokerConfig.of(settings);
    }

    public SpindleBroker broker() {
        return broker;
    }

    public int port() {
        return broker.port();
    }

    /** "127.0.0.1:port" (the listener's address), for bootstrap.servers. */
    public String bootstrapServers() {
        return settings.get(BrokerConfig.LISTENER_HOST) + ":" + broker.port();
    }

    /** Client properties with bootstrap.servers set and short timeouts, for an Admin, producer or consumer. */
    public Properties clientProperties() {
        Properties properties = new Properties();
        properties.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
        properties.put(CommonClientConfigs.REQUEST_TIMEOUT_MS_CONFIG, "15000");
        properties.put(CommonClientConfigs.DEFAULT_API_TIMEOUT_MS_CONFIG, "30000");
        return properties;
    }

    /** A new Admin client on this broker, closed when the broker is closed. */
    public Admin admin() {
        Properties properties = clientProperties();
        properties.put(AdminClientConfig.CLIENT_ID_CONFIG, "test-admin-" + clients.size());
        Admin admin = Admin.create(properties);
        clients.add(admin);
        return admin;
    }

    /** Registers a client (producer, consumer) to be closed before the broker. */
    public <T extends AutoCloseable> T closeWithBroker(T client) {
        clients.add(client);
        return client;
    }

    /** Closes the broker cleanly and starts a new one on the same data directory; clients made before are closed. */
    public TestBroker restart() {
        closeClients();
        broker.close();
        broker = SpindleBroker.start(config(), clock);
        return this;
    }

    public Path dataDir() {
        return dataDir;
    }

    private void closeClients() {
        for (AutoCloseable client : clients) {
            try {
                client.close();
            } catch (Exception e) {
                throw new IllegalStateException("Closing test client " + client + " failed", e);
            }
        }
        clients.clear();
    }

    @Override
    public void close() {
        try {
            closeClients();
        } finally {
            broker.close();
        }
    }
}
