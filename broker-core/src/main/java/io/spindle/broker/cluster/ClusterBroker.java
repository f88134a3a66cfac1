package io.spindle.broker.cluster;

import java.util.Objects;
import java.util.Optional;

/**
 * A broker as clients are told of it: its node id, the address of its Kafka listener and its rack.
 *
 * @param id   node id
 * @param host advertised host
 * @param port advertised port
 * @param rack its rack, or empty
 */
public record ClusterBroker(int id, String host, int port, Optional<String> rack) {
    public ClusterBroker {
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(rack, "rack");
    }
}
