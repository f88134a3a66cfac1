package io.spindle.groups;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.ConsumerGroupDescribeResponseData;
import org.apache.kafka.common.message.DescribeGroupsResponseData.DescribedGroup;
import org.apache.kafka.common.message.DescribeGroupsResponseData.DescribedGroupMember;
import org.apache.kafka.common.message.ListGroupsRequestData;
import org.apache.kafka.common.message.ListGroupsResponseData;
import org.apache.kafka.common.message.ListGroupsResponseData.ListedGroup;
import org.apache.kafka.common.protocol.Errors;

/**
 * Read-only answers about the coordinator's groups: ListGroups, DescribeGroups (classic groups),
 * ConsumerGroupDescribe (KIP-848 groups), and each group's lag and statistics for the CLI and the meters. Changes
 * nothing.
 *
 * <p>Threading: the coordinator thread only (the {@link GroupCoordinator} runs every call there).
 */
final class GroupViews {
    private final Map<String, Group> groups;
    private final GroupTopics topics;

    /** Over the coordinator's {@code groups} (read, never changed here) and the partitions' log end offsets. */
    GroupViews(Map<String, Group> groups, GroupTopics topics) {
        this.groups = groups;
        this.topics = topics;
    }

    /** ListGroups, filtered by state and type as asked. */
    ListGroupsResponseData list(ListGroupsRequestData request) {
        Set<String> states = lower(request.statesFilter());
        Set<String> types = lower(request.typesFilter());
        ListGroupsResponseData response = new ListGroupsResponseData().setErrorCode(Errors.NONE.code());
        for (Group group : groups.values()) {
            if ((states.isEmpty() || states.contains(group.stateName().toLowerCase(Locale.ROOT)))
                    && (types.isEmpty() || types.contains(group.type()))) {
                response.groups().add(new ListedGroup().setGroupId(group.groupId).setProtocolType(group.protocolType())
                        .setGroupState(group.stateName()).setGroupType(group.type()));
            }
        }
        return response;
    }

    private static Set<String> lower(Collection<String> values) {
        Set<String> set = new HashSet<>();
        if (values != null) {
            values.forEach(v -> set.add(v.toLowerCase(Locale.ROOT)));
        }
        return set;
    }

    /**
     * DescribeGroups (classic groups). {@code notFoundAsError}: v6+, where an unknown group (or one of the consumer
     * protocol) is answered GROUP_ID_NOT_FOUND rather than as a Dead group.
     */
    List<DescribedGroup> describe(List<String> groupIds, boolean notFoundAsError) {
        List<DescribedGroup> result = new ArrayList<>();
        for (String groupId : groupIds) {
            Group group = groups.get(groupId);
            if (!(group instanceof ClassicGroup classic)) {
                DescribedGroup dead = new DescribedGroup().setGroupId(groupId).setGroupState("Dead")
                        .setProtocolType("").setProtocolData("");
                if (notFoundAsError) {
                    dead.setErrorCode(Errors.GROUP_ID_NOT_FOUND.code()).setErrorMessage(group == null
                            ? "group '" + groupId + "' does not exist" : "group '" + groupId + "' is not a classic group");
                }
                result.add(dead);
                continue;
            }
            boolean stable = classic.state == ClassicGroup.State.STABLE;
            List<DescribedGroupMember> members = new ArrayList<>();
            for (ClassicMember m : classic.members.values()) {
                members.add(new DescribedGroupMember().setMemberId(m.memberId).setGroupInstanceId(m.instanceId)
                        .setClientId(m.clientId == null ? "" : m.clientId)
                        .setClientHost(m.clientHost == null ? "" : m.clientHost)
                        .setMemberMetadata(stable ? m.metadata(classic.protocolName) : ClassicMember.EMPTY_BYTES)
                        .setMemberAssignment(stable ? m.assignment : ClassicMember.EMPTY_BYTES));
            }
            result.add(new DescribedGroup().setGroupId(groupId).setErrorCode(Errors.NONE.code())
                    .setGroupState(classic.stateName()).setProtocolType(classic.protocolType())
                    .setProtocolData(stable && classic.protocolName != null ? classic.protocolName : "")
                    .setMembers(members));
        }
        return result;
    }

    /**
     * ConsumerGroupDescribe: each group's epochs, assignor and members with their current and target assignments;
     * GROUP_ID_NOT_FOUND for an unknown group or a classic one.
     */
    List<ConsumerGroupDescribeResponseData.DescribedGroup> describeConsumerGroups(List<String> groupIds) {
        List<ConsumerGroupDescribeResponseData.DescribedGroup> result = new ArrayList<>();
        for (String groupId : groupIds) {
            Group group = groups.get(groupId);
            if (group instanceof ConsumerGroup consumer) {
                result.add(describe(consumer));
            } else {
                result.add(new ConsumerGroupDescribeResponseData.DescribedGroup().setGroupId(groupId)
                        .setErrorCode(Errors.GROUP_ID_NOT_FOUND.code())
                        .setErrorMessage(group == null ? "group '" + groupId + "' does not exist"
                                : "group '" + groupId + "' is not a consumer group"));
            }
        }
        return result;
    }

    private ConsumerGroupDescribeResponseData.DescribedGroup describe(ConsumerGroup group) {
        List<ConsumerGroupDescribeResponseData.Member> list = new ArrayList<>();
        for (ConsumerGroup.Member m : group.members.values()) {
            list.add(new ConsumerGroupDescribeResponseData.Member()
                    .setMemberId(m.memberId)
                    .setInstanceId(m.instanceId)
                    .setRackId(m.rackId)
                    .setMemberEpoch(m.memberEpoch)
                    .setClientId(m.clientId == null ? "" : m.clientId)
                    .setClientHost(m.clientHost == null ? "" : m.clientHost)
                    .setSubscribedTopicNames(new ArrayList<>(m.subscribedTopicNames))
                    .setSubscribedTopicRegex(m.subscribedTopicRegex)
                    .setAssignment(describeAssignment(m.assigned))
                    .setTargetAssignment(describeAssignment(group.target.getOrDefault(m.memberId, Map.of())))
                    .setMemberType((byte) 1));
        }
        return new ConsumerGroupDescribeResponseData.DescribedGroup()
                .setErrorCode(Errors.NONE.code())
                .setGroupId(group.groupId)
                .setGroupState(group.stateName())
                .setGroupEpoch(group.groupEpoch)
                .setAssignmentEpoch(group.assignmentEpoch)
                .setAssignorName(group.assignor.assignorName)
                .setMembers(list);
    }

    private ConsumerGroupDescribeResponseData.Assignment describeAssignment(Map<String, Set<Integer>> partitions) {
        List<ConsumerGroupDescribeResponseData.TopicPartitions> described = new ArrayList<>();
        for (Map.Entry<String, Set<Integer>> e : partitions.entrySet()) {
            Optional<Uuid> id = topics.topicId(e.getKey());
            described.add(new ConsumerGroupDescribeResponseData.TopicPartitions().setTopicName(e.getKey())
                    .setTopicId(id.orElse(Uuid.ZERO_UUID)).setPartitions(new ArrayList<>(e.getValue())));
        }
        return new ConsumerGroupDescribeResponseData.Assignment().setTopicPartitions(described);
    }

    /**
     * The lag of every partition {@code groupId} has committed an offset for (empty for an unknown group), sorted by
     * topic and partition. For the CLI and metrics; thread-safe like every method here.
     */
    List<PartitionLag> lag(String groupId) {
        Group group = groups.get(groupId);
        return group == null ? new ArrayList<>() : lagOf(group);
    }

    /** Every group's type, state, member count, rebalance count and lag (for metrics); thread-safe. */
    List<GroupStats> stats() {
        List<GroupStats> stats = new ArrayList<>(groups.size());
        for (Group group : groups.values()) {
            stats.add(new GroupStats(group.groupId, group.type(), group.stateName(), group.memberCount(),
                    group.rebalanceCount(), lagOf(group)));
        }
        return stats;
    }

    private List<PartitionLag> lagOf(Group group) {
        List<PartitionLag> lags = new ArrayList<>();
        for (Map.Entry<TopicPartition, CommittedOffset> e : CommittedOffsets.byName(group.offsets).entrySet()) {
            TopicPartition tp = e.getKey();
            long committed = e.getValue().offset();
            OptionalLong end = topics.logEndOffset(tp.topic(), tp.partition());
            lags.add(end.isPresent()
                    ? new PartitionLag(tp.topic(), tp.partition(), committed, end.getAsLong(), Math.max(0, end.getAsLong() - committed))
                    : new PartitionLag(tp.topic(), tp.partition(), committed, -1, -1));
        }
        return lags;
    }
}
