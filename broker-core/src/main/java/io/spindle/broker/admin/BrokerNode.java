package io.spindle.broker.admin;

import java.util.function.IntSupplier;

/**
 * What clients are told about this single broker: its node id (also the controller's), the address it
 * advertises, and the cluster id. The port is read when asked because with {@code listener.port=0} it is
 * known only once the listener has bound.
 */
public final class BrokerNode {
    private final int nodeId;
    private final String host;
    private final IntSupplier port;
    private final String clusterId;

    public BrokerNode(int nodeId, String host, IntSupplier port, String clusterId) {
        this.nodeId = nodeId;
        this.host = host;
        this.port = port;
        this.clusterId = clusterId;
    }

    public int nodeId() {
        return nodeId;
    }

    public String host() {
        return host;
    }

    public int port() {
        return port.getAsInt();
    }

    public String clusterId() {
        return clusterId;
    }
}
