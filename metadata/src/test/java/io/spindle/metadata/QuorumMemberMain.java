package io.spindle.metadata;

import io.spindle.config.ClusterSettings;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.Map;

/**
 * One quorum member as its own process, for {@link QuorumProcessTest}: starts a {@link MetadataQuorum}, prints
 * {@code ready} and runs until its stdin closes (so it also ends when the test JVM does), then closes the member.
 * Arguments: node id, voters ({@code id@host:port,...}), data directory, snapshot interval in entries.
 */
public final class QuorumMemberMain {
    private QuorumMemberMain() {
    }

    public static void main(String[] args) throws IOException {
        ClusterSettings settings = ClusterSettings.fromProperties(Map.of(ClusterSettings.NODE_ID, args[0],
                ClusterSettings.QUORUM_VOTERS, args[1], ClusterSettings.SNAPSHOT_INTERVAL_ENTRIES, args[3]), "args");
        try (MetadataQuorum quorum = MetadataQuorum.start(settings, Path.of(args[2]))) {
            System.out.println("ready " + quorum.nodeId());
            System.out.flush();
            InputStream in = System.in;
            while (in.read() >= 0) {
                // wait for the end of stdin
            }
        }
    }
}
