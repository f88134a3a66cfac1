package io.spindle.broker;

import io.spindle.config.BrokerConfig;
import io.spindle.config.ClusterSettings;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Collectors;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;

/**
 * Brokers of one cluster in this process, for tests: {@link LocalBroker}s on 127.0.0.1, node ids 1 to n, each with its
 * data in {@code root/node-<id>} and its own metadata quorum member, every one a voter on a free port. Short heartbeat
 * (200 ms) and session (3 s) settings, so that fencing shows within a test. {@link #start} returns once every broker
 * serves; {@link #ready()} tells when all have registered, caught up and see each other (wait for it).
 */
public final class LocalCluster implements AutoCloseable {
    private final List<LocalBroker> brokers;

    private LocalCluster(List<LocalBroker> brokers) {
        this.brokers = brokers;
    }

    /** Starts {@code size} brokers with broker settings {@code overrides} on top of the ones above. */
    public static LocalCluster start(Path root, int size, Map<String, String> overrides) {
        StringBuilder voters = new StringBuilder();
        for (int id = 1; id <= size; id++) {
            voters.append(id == 1 ? "" : ",").append(id).append("@127.0.0.1:").append(freePort());
        }
        List<LocalBroker> started = new ArrayList<>();
        try {
            for (int id = 1; id <= size; id++) {
                Map<String, String> settings = new LinkedHashMap<>();
                settings.put(BrokerConfig.NODE_ID, Integer.toString(id));
                settings.put(ClusterSettings.QUORUM_VOTERS, voters.toString());
                settings.put(ClusterSettings.HEARTBEAT_INTERVAL_MS, "200");
                settings.put(ClusterSettings.SESSION_TIMEOUT_MS, "3000");
                settings.putAll(overrides);
                started.add(LocalBroker.start(root.resolve("node-" + id), settings));
            }
        } catch (RuntimeException e) {
            for (LocalBroker broker : started) {
                try {
                    broker.close();
                } catch (RuntimeException closing) {
                    e.addSuppressed(closing);
                }
            }
            throw e;
        }
        return new LocalCluster(List.copyOf(started));
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot find a free port for a quorum member", e);
        }
    }

    /** The broker with node id {@code id} (from 1). */
    public LocalBroker broker(int id) {
        return brokers.get(id - 1);
    }

    public List<LocalBroker> brokers() {
        return brokers;
    }

    /** Whether every broker is ready (registered, caught up, unfenced) and sees every broker live. */
    public boolean ready() {
        for (LocalBroker broker : brokers) {
            SpindleBroker spindle = broker.broker();
            if (spindle.notReadyReason() != null
                    || spindle.metadataAuthority().liveBrokers().size() != brokers.size()) {
                return false;
            }
        }
        return true;
    }

    /** Every broker's address, for bootstrap.servers. */
    public String bootstrapServers() {
        return brokers.stream().map(LocalBroker::bootstrapServers).collect(Collectors.joining(","));
    }

    /** An Admin client bootstrapped on broker {@code id} only, closed with that broker. */
    public Admin admin(int id) {
        return broker(id).admin();
    }

    /** Client properties bootstrapped on every broker. */
    public Properties clientProperties() {
        Properties properties = broker(1).clientProperties();
        properties.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
        return properties;
    }

    /** Stops the brokers, last first. */
    @Override
    public void close() {
        RuntimeException failure = null;
        for (int i = brokers.size() - 1; i >= 0; i--) {
            try {
                brokers.get(i).close();
            } catch (RuntimeException e) {
                if (failure == null) {
                    failure = e;
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
    }
}
