package io.spindle.metadata;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The metadata quorum as its leader sees it at one moment (what Kafka's DescribeQuorum answers): the leader, its Raft
 * term, the high watermark, and every member of the Raft configuration, voters and observers (Ratis listeners) apart.
 *
 * <p>Offsets follow Kafka's convention, one past the last entry: the high watermark is the leader's commit index + 1,
 * a member's log end offset its last log index + 1 (the leader's own, or the match index the leader knows of a
 * follower), -1 when the leader does not know it (a member it has not heard from since it became leader). Times are
 * the leader's wall clock in ms since the epoch, -1 when unknown: {@code lastFetchMillis} when the leader last had an
 * answer to an append (a heartbeat included) from the member, {@code lastCaughtUpMillis} the last time the member was
 * known to hold everything the leader had then (sampled by the leader, see {@code QuorumDescriber}). The leader itself
 * has no last fetch and is caught up now.
 *
 * @param leaderEpoch the Raft term of the leader
 */
public record QuorumDescription(int leaderId, long leaderEpoch, long highWatermark, List<Member> voters,
                                List<Member> observers) {
    public QuorumDescription {
        voters = List.copyOf(voters);
        observers = List.copyOf(observers);
    }

    /** A member of the Raft configuration, with its Raft (gRPC) address. */
    public record Member(int nodeId, String host, int port, long logEndOffset, long lastFetchMillis,
                         long lastCaughtUpMillis) {
    }

    /** The member with {@code nodeId} among the voters or observers, or null. */
    public Member member(int nodeId) {
        for (List<Member> members : List.of(voters, observers)) {
            for (Member member : members) {
                if (member.nodeId() == nodeId) {
                    return member;
                }
            }
        }
        return null;
    }

    /** The form a member sends it in to another member that asked (a query's answer). */
    byte[] encode() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeByte(1);   // format version
            out.writeInt(leaderId);
            out.writeLong(leaderEpoch);
            out.writeLong(highWatermark);
            for (List<Member> members : List.of(voters, observers)) {
                out.writeInt(members.size());
                for (Member member : members) {
                    out.writeInt(member.nodeId());
                    out.writeUTF(member.host());
                    out.writeInt(member.port());
                    out.writeLong(member.logEndOffset());
                    out.writeLong(member.lastFetchMillis());
                    out.writeLong(member.lastCaughtUpMillis());
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);     // a byte array does not fail
        }
        return bytes.toByteArray();
    }

    /** @throws IOException when {@code data} is not an encoded description of the version this member knows */
    static QuorumDescription decode(byte[] data) throws IOException {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(data))) {
            int version = in.readByte();
            if (version != 1) {
                throw new IOException("Quorum description of unknown format version " + version);
            }
            int leaderId = in.readInt();
            long epoch = in.readLong();
            long highWatermark = in.readLong();
            List<List<Member>> both = new ArrayList<>();
            for (int kind = 0; kind < 2; kind++) {
                int count = in.readInt();
                if (count < 0 || count > 10_000) {
                    throw new IOException("Quorum description with " + count + " members");
                }
                List<Member> members = new ArrayList<>(count);
                for (int i = 0; i < count; i++) {
                    members.add(new Member(in.readInt(), in.readUTF(), in.readInt(), in.readLong(), in.readLong(),
                            in.readLong()));
                }
                both.add(members);
            }
            return new QuorumDescription(leaderId, epoch, highWatermark, both.get(0), both.get(1));
        }
    }
}
