package io.spindle.metadata;

import io.spindle.metadata.QuorumDescription.Member;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.apache.ratis.proto.RaftProtos.RaftPeerRole;
import org.apache.ratis.proto.RaftProtos.RoleInfoProto;
import org.apache.ratis.proto.RaftProtos.ServerRpcProto;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.server.DivisionInfo;
import org.apache.ratis.server.RaftConfiguration;
import org.apache.ratis.server.RaftServer.Division;

/**
 * Describes the quorum from the leader's own Ratis division ({@link QuorumDescription}); a member that does not lead
 * describes nothing (its followers' progress is known to the leader only).
 *
 * <p>Ratis gives a leader each follower's match index and the time since its last answer, as two lists in the order
 * of its log appenders ({@link DivisionInfo#getFollowerMatchIndices} and the leader info of
 * {@link DivisionInfo#getRoleInfoProto}); they are read one after the other and used only when they are as long, so a
 * follower added in between costs one description its progress, never a wrong one.
 *
 * <p>Ratis does not say when a follower was last caught up, so {@link #sample} (called by the leader about every
 * 100 ms) keeps it as Kafka defines it: a follower holding the leader's whole log at a sample was caught up then; one
 * holding the log the leader had at the previous sample was caught up at that one. Kept per leadership term.
 *
 * <p>Thread-safe.
 */
final class QuorumDescriber {
    /**
     * A follower whose last answer is not this much younger than the leadership counts as not heard from: the leader
     * stamps its followers just after it takes office, a few ms apart, and heartbeats come every 200 ms or so.
     */
    private static final long NO_ANSWER_SLACK_MS = 50;
    private final Supplier<Optional<Division>> division;
    private final LongSupplier wallClockMillis;
    private final Map<RaftPeerId, Long> caughtUpMillis = new HashMap<>();
    private long sampledTerm = -1;
    private long previousSampleEnd = -1;
    private long previousSampleMillis = -1;

    /**
     * @param division        this member's division, empty while it cannot be had (starting, stopping)
     * @param wallClockMillis the leader's wall clock, for the timestamps
     */
    QuorumDescriber(Supplier<Optional<Division>> division, LongSupplier wallClockMillis) {
        this.division = division;
        this.wallClockMillis = wallClockMillis;
    }

    /** The quorum as this member sees it while it leads; empty when it does not lead. */
    synchronized Optional<QuorumDescription> describe() {
        Optional<Division> found = division.get();
        if (found.isEmpty() || !found.get().getInfo().isLeader()) {
            return Optional.empty();
        }
        Division leader = found.get();
        DivisionInfo info = leader.getInfo();
        long term = info.getCurrentTerm();
        long now = wallClockMillis.getAsLong();
        long commitIndex = leader.getRaftLog().getLastCommittedIndex();
        long leaderEnd = leader.getRaftLog().getNextIndex();
        Map<RaftPeerId, Progress> progress = followerProgress(info, now);
        RaftConfiguration conf = leader.getRaftConf();
        RaftPeerId self = leader.getId();
        List<Member> voters = new ArrayList<>();
        List<Member> observers = new ArrayList<>();
        for (RaftPeer peer : conf.getCurrentPeers()) {
            voters.add(peer.getId().equals(self)
                    ? member(peer, leaderEnd, -1, now)
                    : follower(peer, progress.get(peer.getId()), term));
        }
        for (RaftPeer peer : conf.getCurrentPeers(RaftPeerRole.LISTENER)) {
            observers.add(follower(peer, progress.get(peer.getId()), term));
        }
        return Optional.of(new QuorumDescription(nodeId(self), term, commitIndex + 1, voters, observers));
    }

    /** Notes which followers hold the leader's log now; the leader calls it about every 100 ms while it leads. */
    synchronized void sample() {
        Optional<Division> found = division.get();
        if (found.isEmpty() || !found.get().getInfo().isLeader()) {
            return;
        }
        Division leader = found.get();
        long term = leader.getInfo().getCurrentTerm();
        if (term != sampledTerm) {
            caughtUpMillis.clear();
            sampledTerm = term;
            previousSampleEnd = -1;
        }
        long now = wallClockMillis.getAsLong();
        long leaderEnd = leader.getRaftLog().getNextIndex();
        for (Map.Entry<RaftPeerId, Progress> follower : followerProgress(leader.getInfo(), now).entrySet()) {
            long end = follower.getValue().logEndOffset();
            if (end >= leaderEnd) {
                caughtUpMillis.put(follower.getKey(), now);
            } else if (previousSampleEnd >= 0 && end >= previousSampleEnd) {
                caughtUpMillis.merge(follower.getKey(), previousSampleMillis, Math::max);
            }
        }
        previousSampleEnd = leaderEnd;
        previousSampleMillis = now;
    }

    private Member follower(RaftPeer peer, Progress progress, long term) {
        if (progress == null) {
            return member(peer, -1, -1, -1);
        }
        Long caughtUp = term == sampledTerm ? caughtUpMillis.get(peer.getId()) : null;
        return member(peer, progress.logEndOffset(), progress.lastFetchMillis(), caughtUp == null ? -1 : caughtUp);
    }

    private static Map<RaftPeerId, Progress> followerProgress(DivisionInfo info, long now) {
        RoleInfoProto role = info.getRoleInfoProto();
        List<ServerRpcProto> followers = role.getLeaderInfo().getFollowerInfoList();
        long[] matchIndices = info.getFollowerMatchIndices();
        Map<RaftPeerId, Progress> progress = new HashMap<>();
        if (matchIndices == null || matchIndices.length != followers.size()) {
            return progress;
        }
        for (int i = 0; i < followers.size(); i++) {
            ServerRpcProto follower = followers.get(i);
            // Ratis starts a follower's last answer at the time the leader took office: one not answered since (down,
            // or not yet reached) would look as if it had fetched then. Its progress is unknown instead, as Kafka has it.
            if (role.getRoleElapsedTimeMs() - follower.getLastRpcElapsedTimeMs() < NO_ANSWER_SLACK_MS) {
                continue;
            }
            progress.put(RaftPeerId.valueOf(follower.getId().getId()),
                    new Progress(matchIndices[i] + 1, now - follower.getLastRpcElapsedTimeMs()));
        }
        return progress;
    }

    private static Member member(RaftPeer peer, long logEndOffset, long lastFetchMillis, long lastCaughtUpMillis) {
        String address = peer.getAddress();
        int colon = address.lastIndexOf(':');
        String host = address.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        return new Member(nodeId(peer.getId()), host, Integer.parseInt(address.substring(colon + 1)), logEndOffset,
                lastFetchMillis, lastCaughtUpMillis);
    }

    static int nodeId(RaftPeerId id) {
        return Integer.parseInt(id.toString());
    }

    /** What the leader knows of a follower: its log end offset (match index + 1) and last answer (wall clock). */
    private record Progress(long logEndOffset, long lastFetchMillis) {
    }
}
