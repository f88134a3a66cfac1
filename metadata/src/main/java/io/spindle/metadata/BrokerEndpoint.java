package io.spindle.metadata;

import java.util.Objects;

/**
 * Where a broker serves one listener (Kafka's endpoint of a broker registration).
 *
 * @param listener the listener's name, e.g. {@code PLAINTEXT}
 * @param host     the host clients connect to
 * @param port     the port, 1 to 65535
 */
public record BrokerEndpoint(String listener, String host, int port) {
    public BrokerEndpoint {
        Objects.requireNonNull(listener, "listener");
        Objects.requireNonNull(host, "host");
        if (listener.isEmpty() || host.isEmpty() || port < 1 || port > 65_535) {
            throw new IllegalArgumentException("An endpoint needs a listener name, a host and a port from 1 to 65535, "
                    + "not " + listener + "://" + host + ":" + port);
        }
    }
}
