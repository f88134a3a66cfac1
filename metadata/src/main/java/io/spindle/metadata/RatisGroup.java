package io.spindle.metadata;

import io.spindle.config.ClusterSettings;
import io.spindle.config.ClusterSettings.Voter;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.ratis.RaftConfigKeys;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.grpc.GrpcConfigKeys;
import org.apache.ratis.proto.RaftProtos.RaftPeerRole;
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

    /** The voters: what a client needs to reach the leader. */
    static RaftGroup of(List<Voter> voters) {
        return RaftGroup.valueOf(GROUP_ID, voters.stream().map(v -> peer(v, RaftPeerRole.FOLLOWER)).toList());
    }

    /**
     * The group a member's server starts with: the voters, and an observer itself as a listener (a non-voting member:
     * it never stands for election and the leader does not count it towards a commit). Only the first start of a
     * member reads it; a restart reads the configuration from its own log.
     */
    static RaftGroup of(ClusterSettings settings) {
        List<RaftPeer> peers = new ArrayList<>();
        settings.voters().forEach(voter -> peers.add(peer(voter, RaftPeerRole.FOLLOWER)));
        settings.observer().ifPresent(self -> peers.add(peer(self, RaftPeerRole.LISTENER)));
        return RaftGroup.valueOf(GROUP_ID, peers);
    }

    /** A member as a Raft peer with the role it starts in. */
    static RaftPeer peer(Voter member, RaftPeerRole role) {
        return RaftPeer.newBuilder().setId(peerId(member.id())).setAddress(member.address()).setStartupRole(role)
                .build();
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
     * flaps on a loaded machine). A snapshot every {@code snapshotIntervalEntries} applied entries; the log is purged
     * up to the lower of the snapshot and what every member has committed, in segments of 1 MiB so that purging
     * frees space soon. Purging up to the snapshot alone (Ratis' purge.upto.snapshot.index) made Ratis 3.2.2's leader
     * fail to bring back a member that had been away ("Previous TermIndex not found for firstIndex", its log appender
     * stopped, the member never caught up: QuorumProcessTest's long run), so a member away keeps the log it needs.
     * The leader counts its listeners (observers) among those members too: each has a log appender, whose commit
     * index enters that minimum, so an observer away keeps the log as a voter would.
     * Ratis forces each log write before it counts (its default), so a committed command survives power loss of a
     * minority.
     *
     * <p>A follower's appends stay chained (Ratis' default {@code append-entries.compose.enabled}), although Ratis
     * 3.2.2 lets a failed link fail every later append of that member: {@link FollowerAppendWatchdog} (run by every
     * {@link MetadataQuorum}) lets them run again ({@code FollowerAppendFailureTest}). Turning the chaining off made
     * the leader's log appender to a follower die instead ("Previous = (t:1, i:5) but firstIndex = 8", an
     * IllegalStateException after out-of-order INCONSISTENCY replies, then "not running: skipping restart"), which
     * failed CoordinatorMovesTest and QuorumSessionTest in the full build: on an ordinary start rather than after a
     * partition. See docs/cluster.md, "What survives what".
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
        RaftServerConfigKeys.Log.setPurgeUptoSnapshotIndex(properties, false);
        RaftServerConfigKeys.Log.setPurgeGap(properties, Math.max(1, settings.snapshotIntervalEntries() / 2));
        RaftServerConfigKeys.Log.setSegmentSizeMax(properties, SizeInBytes.valueOf("1MB"));
        return properties;
    }
}
