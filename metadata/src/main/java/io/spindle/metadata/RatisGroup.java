package io.spindle.metadata;

import io.spindle.config.ClusterSettings;
import io.spindle.config.ClusterSettings.Voter;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.ratis.RaftConfigKeys;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.grpc.GrpcConfigKeys;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.rpc.SupportedRpcType;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.apache.ratis.util.SizeInBytes;
import org.apache.ratis.util.TimeDuration;

/**
 * How Spindle's settings become Ratis': the one Raft group of the metadata (a fixed group id, so every member of
 * every cluster names it alike; clusters are kept apart by their voters' addresses), its peers (peer id = node id),
 * and the Raft properties of a server and of a client. The one place Ratis' knobs are chosen.
 */
final class RatisGroup {
    /** The metadata group's id: the same in every Spindle cluster. */
    static final RaftGroupId GROUP_ID = RaftGroupId.valueOf(
            UUID.nameUUIDFromBytes("spindle-cluster-metadata".getBytes(StandardCharsets.UTF_8)));

    private RatisGroup() {
    }

    static RaftPeerId peerId(int nodeId) {
        return RaftPeerId.valueOf(Integer.toString(nodeId));
    }

    static RaftGroup of(List<Voter> voters) {
        return RaftGroup.valueOf(GROUP_ID, voters.stream()
                .map(v -> RaftPeer.newBuilder().setId(peerId(v.id())).setAddress(address(v)).build())
                .toList());
    }

    private static String address(Voter voter) {
        return (voter.host().indexOf(':') >= 0 ? "[" + voter.host() + "]" : voter.host()) + ":" + voter.port();
    }

    /** What both servers and clients use: gRPC, and a request timeout that rides out a leader election. */
    static RaftProperties clientProperties() {
        RaftProperties properties = new RaftProperties();
        RaftConfigKeys.Rpc.setType(properties, SupportedRpcType.GRPC);
        RaftServerConfigKeys.Rpc.setRequestTimeout(properties, TimeDuration.valueOf(3, TimeUnit.SECONDS));
        return properties;
    }

    /**
     * A server's properties. Elections start after 400 to 800 ms without a leader (Ratis' 150 to 300 ms default
     * flaps on a loaded machine). A snapshot every {@code snapshotIntervalEntries} applied entries, the log purged up
     * to it, in segments of 1 MiB so that purging frees space soon. Ratis forces each log write before it counts
     * (its default), so a committed command survives power loss of a minority.
     */
    static RaftProperties serverProperties(ClusterSettings settings, Path storageDir) {
        RaftProperties properties = clientProperties();
        Voter self = settings.self();
        GrpcConfigKeys.Server.setHost(properties, self.host());
        GrpcConfigKeys.Server.setPort(properties, self.port());
        RaftServerConfigKeys.setStorageDir(properties, List.of(new File(storageDir.toString())));
        RaftServerConfigKeys.Rpc.setTimeoutMin(properties, TimeDuration.valueOf(400, TimeUnit.MILLISECONDS));
        RaftServerConfigKeys.Rpc.setTimeoutMax(properties, TimeDuration.valueOf(800, TimeUnit.MILLISECONDS));
        RaftServerConfigKeys.Snapshot.setAutoTriggerEnabled(properties, true);
        RaftServerConfigKeys.Snapshot.setAutoTriggerThreshold(properties, settings.snapshotIntervalEntries());
        RaftServerConfigKeys.Snapshot.setRetentionFileNum(properties, 2);
        RaftServerConfigKeys.Log.setPurgeUptoSnapshotIndex(properties, true);
        RaftServerConfigKeys.Log.setPurgeGap(properties, Math.max(1, settings.snapshotIntervalEntries() / 2));
        RaftServerConfigKeys.Log.setSegmentSizeMax(properties, SizeInBytes.valueOf("1MB"));
        return properties;
    }
}
