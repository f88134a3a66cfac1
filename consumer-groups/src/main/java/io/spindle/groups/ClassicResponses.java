package io.spindle.groups;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.message.JoinGroupResponseData;
import org.apache.kafka.common.message.JoinGroupResponseData.JoinGroupResponseMember;
import org.apache.kafka.common.message.SyncGroupResponseData;
import org.apache.kafka.common.protocol.Errors;

/**
 * The JoinGroup and SyncGroup answers of a {@link ClassicGroup}, built in one place so the success shapes (the
 * members' subscriptions only for the leader) and the error shapes (generation -1, empty leader and assignment)
 * cannot drift between the request paths and the timers that answer waiting requests.
 */
final class ClassicResponses {
    private ClassicResponses() {
    }

    /** The JoinGroup answer of {@code member} for the group's current generation. */
    static JoinGroupResponseData joinResponse(ClassicGroup group, ClassicMember member) {
        JoinGroupResponseData response = new JoinGroupResponseData()
                .setErrorCode(Errors.NONE.code())
                .setGenerationId(group.generation)
                .setProtocolType(group.protocolType)
                .setProtocolName(group.protocolName)
                .setLeader(group.leaderId)
                .setMemberId(member.memberId);
        List<JoinGroupResponseMember> list = new ArrayList<>();
        if (member.memberId.equals(group.leaderId)) {
            for (ClassicMember m : group.members.values()) {
                list.add(new JoinGroupResponseMember().setMemberId(m.memberId).setGroupInstanceId(m.instanceId)
                        .setMetadata(m.metadata(group.protocolName)));
            }
        }
        return response.setMembers(list);
    }

    static CompletableFuture<JoinGroupResponseData> joinError(String memberId, Errors error) {
        return CompletableFuture.completedFuture(joinErrorData(memberId, error));
    }

    static JoinGroupResponseData joinErrorData(String memberId, Errors error) {
        return new JoinGroupResponseData().setErrorCode(error.code()).setMemberId(memberId == null ? "" : memberId)
                .setGenerationId(-1).setLeader("").setProtocolName(null);
    }

    /** The SyncGroup answer of {@code member}: its share of the leader's assignment. */
    static SyncGroupResponseData syncResponse(ClassicGroup group, ClassicMember member) {
        return new SyncGroupResponseData().setErrorCode(Errors.NONE.code()).setProtocolType(group.protocolType)
                .setProtocolName(group.protocolName).setAssignment(member.assignment);
    }

    static CompletableFuture<SyncGroupResponseData> syncError(Errors error) {
        return CompletableFuture.completedFuture(new SyncGroupResponseData().setErrorCode(error.code())
                .setAssignment(ClassicMember.EMPTY_BYTES));
    }
}
