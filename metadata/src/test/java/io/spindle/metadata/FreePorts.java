package io.spindle.metadata;

import io.spindle.config.ClusterSettings;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Cluster settings for members on free ports of 127.0.0.1. */
final class FreePorts {
    private FreePorts() {
    }

    /** Settings of node 1 of a quorum of {@code members} voters (ids 1..n); {@link ClusterSettings#forNode} for others. */
    static ClusterSettings cluster(int members, int sessionTimeoutMs, int snapshotIntervalEntries) {
        List<String> voters = new ArrayList<>();
        for (int id = 1; id <= members; id++) {
            voters.add(id + "@127.0.0.1:" + freePort());
        }
        return ClusterSettings.fromProperties(Map.of(ClusterSettings.NODE_ID, "1",
                ClusterSettings.QUORUM_VOTERS, String.join(",", voters),
                ClusterSettings.SESSION_TIMEOUT_MS, Integer.toString(sessionTimeoutMs),
                ClusterSettings.HEARTBEAT_INTERVAL_MS, Integer.toString(Math.max(10, sessionTimeoutMs / 5)),
                ClusterSettings.SNAPSHOT_INTERVAL_ENTRIES, Integer.toString(snapshotIntervalEntries)), "test");
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
