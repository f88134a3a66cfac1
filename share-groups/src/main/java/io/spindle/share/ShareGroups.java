package io.spindle.share;

import io.spindle.config.ShareSettings;
import io.spindle.groups.GroupTopics;
import io.spindle.log.CoordinatorLoop;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import java.util.function.Function;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.ListGroupsResponseData.ListedGroup;
import org.apache.kafka.common.message.ShareGroupDescribeResponseData;
import org.apache.kafka.common.message.ShareGroupHeartbeatRequestData;
import org.apache.kafka.common.message.ShareGroupHeartbeatResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The broker's share groups and their members ({@link ShareMembership}): ShareGroupHeartbeat, the server-side
 * assignment ({@link ShareGroup#reassign}, {@link ShareAssignor}) and the session timers. A group exists while it has
 * members or share-partition state; the coordinator tells this class about the latter ({@link #ensure},
 * {@link #remove}).
 *
 * <p>A member joining a group that has {@code group.share.max.size} members already is refused with
 * GROUP_MAX_SIZE_REACHED (nothing of the group changes).
 *
 * <p>A group's session timeout and heartbeat interval are its {@code share.session.timeout.ms} and
 * {@code share.heartbeat.interval.ms} when it set them (else the broker's {@code group.share.*}), read at each
 * heartbeat: a changed value reaches a member with its next heartbeat, which restarts its session timer.
 *
 * <p>Threading: confined to the share coordinator's thread ({@code loop}), except {@link #isMember}, which reads a
 * concurrent copy of the membership. A member removed (left, or silent for its group's session timeout) is
 * reported to {@code memberGone} on that thread, which releases the records it held.
 */
final class ShareGroups implements ShareMembership {
    private static final Logger LOG = LoggerFactory.getLogger(ShareGroups.class);
    private static final String ASSIGNOR_NAME = "simple";

    private record MemberKey(String group, String member) {
    }

    private final GroupTopics topics;
    private final Function<String, ShareSettings> settingsFor;
    private final ScheduledExecutorService loop;
    private final BiConsumer<String, String> memberGone;
    private final LongSupplier nowMs;
    private final Map<String, ShareGroup> groups = new TreeMap<>();
    /** The members of every group, readable from any thread (ShareFetch checks membership); written on the loop. */
    private final Set<MemberKey> liveMembers = ConcurrentHashMap.newKeySet();

    /**
     * @param settingsFor the settings of a share group by id: the broker's with the group's configs on top
     * @param memberGone  told (on the loop) the group and member id of a member that left or timed out
     * @param nowMs       the coordinator's clock, for the assignment interval
     */
    ShareGroups(GroupTopics topics, Function<String, ShareSettings> settingsFor, ScheduledExecutorService loop,
                BiConsumer<String, String> memberGone, LongSupplier nowMs) {
        this.topics = topics;
        this.settingsFor = settingsFor;
        this.loop = loop;
        this.memberGone = memberGone;
        this.nowMs = nowMs;
    }

    // ------------------------------------------------------------------ for the coordinator (its thread)

    /** Members of {@code groupId}, or -1 when there is no such share group. */
    int memberCount(String groupId) {
        ShareGroup group = groups.get(groupId);
        return group == null ? -1 : group.members.size();
    }

    /** Makes an empty share group of that id if there is none (it has share-partition state). */
    void ensure(String groupId) {
        groups.computeIfAbsent(groupId, ShareGroup::new);
    }

    /** Forgets the share group (deleted; the caller checked it has no members). */
    void remove(String groupId) {
        groups.remove(groupId);
    }

    int groupCount() {
        return groups.size();
    }

    /** Forgets every group and member, their session timers stopped (the coordinator unloads). */
    void clear() {
        for (ShareGroup group : groups.values()) {
            for (ShareGroup.Member member : group.members.values()) {
                if (member.sessionTimeout != null) {
                    member.sessionTimeout.cancel(false);
                }
            }
        }
        groups.clear();
        liveMembers.clear();
    }

    // ------------------------------------------------------------------ ShareMembership

    @Override
    public boolean isMember(String group, String member) {
        return liveMembers.contains(new MemberKey(group, member));
    }

    @Override
    public CompletableFuture<Map<String, Integer>> memberCounts() {
        return onLoop(() -> {
            Map<String, Integer> counts = new TreeMap<>();
            groups.forEach((id, group) -> counts.put(id, group.members.size()));
            return counts;
        });
    }

    @Override
    public CompletableFuture<ShareGroupHeartbeatResponseData> heartbeat(Client client, ShareGroupHeartbeatRequestData request) {
        return onLoop(() -> heartbeatOnLoop(client, request));
    }

    private ShareGroupHeartbeatResponseData heartbeatOnLoop(Client client, ShareGroupHeartbeatRequestData request) {
        String groupId = request.groupId();
        if (groupId == null || groupId.isEmpty()) {
            return heartbeatError(Errors.INVALID_REQUEST, "the group id must not be empty");
        }
        int epoch = request.memberEpoch();
        String memberId = request.memberId();
        ShareGroup group = groups.get(groupId);
        if (epoch == -1) {
            if (group != null && group.members.containsKey(memberId)) {
                removeMember(group, memberId, "left");
            }
            return new ShareGroupHeartbeatResponseData().setErrorCode(Errors.NONE.code()).setMemberId(memberId)
                    .setMemberEpoch(-1).setHeartbeatIntervalMs(0);
        }
        if (epoch < -1) {
            return heartbeatError(Errors.INVALID_REQUEST, "member epoch " + epoch + " is not allowed");
        }
        ShareSettings settings = settingsFor.apply(groupId);
        ShareGroup.Member member;
        boolean changed = false;
        if (epoch == 0) {
            if (request.subscribedTopicNames() == null || request.subscribedTopicNames().isEmpty()) {
                return heartbeatError(Errors.INVALID_REQUEST, "a joining member must name the topics it subscribes to");
            }
            if (group == null) {
                group = new ShareGroup(groupId);
                groups.put(groupId, group);
            }
            if (memberId == null || memberId.isEmpty()) {
                memberId = Uuid.randomUuid().toString();
            }
            member = group.members.get(memberId);
            if (member == null && group.members.size() >= settings.limits().maxSize()) {
                return heartbeatError(Errors.GROUP_MAX_SIZE_REACHED, "share group '" + groupId + "' already has "
                        + group.members.size() + " members, the most group.share.max.size allows");
            }
            if (member == null) {
                member = new ShareGroup.Member(memberId);
                group.members.put(memberId, member);
                liveMembers.add(new MemberKey(groupId, memberId));
                LOG.info("Share group '{}': member {} joined, subscribed to {}", groupId, memberId,
                        request.subscribedTopicNames());
            }
            member.epoch = 0;
            member.previousEpoch = -1;
            member.assignment = Map.of();
            changed = true;
        } else {
            member = group == null ? null : group.members.get(memberId);
            if (member == null) {
                return heartbeatError(Errors.UNKNOWN_MEMBER_ID, "share group '" + groupId + "' has no member " + memberId);
            }
            if (epoch != member.epoch && epoch != member.previousEpoch) {
                return heartbeatError(Errors.FENCED_MEMBER_EPOCH, "share group '" + groupId + "': member " + memberId
                        + " is at epoch " + member.epoch + ", not " + epoch);
            }
        }
        member.clientId = client.clientId();
        member.clientHost = client.clientHost();
        if (request.rackId() != null) {
            member.rackId = request.rackId();
        }
        if (request.subscribedTopicNames() != null && !request.subscribedTopicNames().equals(member.subscribed)) {
            member.subscribed = List.copyOf(request.subscribedTopicNames());
            changed = true;
        }
        Map<String, ShareAssignor.Topic> topicsNow = subscribedTopics(group);
        if (changed || group.reassignPending || !topicsNow.equals(group.topicsSeen)) {
            reassignWithinInterval(group, topicsNow, settings.assignmentIntervalMs());
        }
        scheduleSessionTimeout(group, member, settings.sessionTimeoutMs());
        ShareGroupHeartbeatResponseData response = new ShareGroupHeartbeatResponseData().setErrorCode(Errors.NONE.code())
                .setMemberId(memberId).setHeartbeatIntervalMs(settings.heartbeatIntervalMs());
        boolean resend = epoch != 0 && epoch == member.previousEpoch && epoch != member.epoch;
        if (member.epoch < group.assignmentEpoch || epoch == 0) {
            member.previousEpoch = epoch == 0 ? -1 : member.epoch;
            member.epoch = group.assignmentEpoch;
            member.assignment = group.target.getOrDefault(memberId, Map.of());
            response.setAssignment(assignment(member));
        } else if (resend) {
            response.setAssignment(assignment(member));
        }
        return response.setMemberEpoch(member.epoch);
    }

    private static ShareGroupHeartbeatResponseData.Assignment assignment(ShareGroup.Member member) {
        List<ShareGroupHeartbeatResponseData.TopicPartitions> list = new ArrayList<>();
        member.assignment.forEach((topicId, parts) -> list.add(new ShareGroupHeartbeatResponseData.TopicPartitions()
                .setTopicId(topicId).setPartitions(new ArrayList<>(parts))));
        return new ShareGroupHeartbeatResponseData.Assignment().setTopicPartitions(list);
    }

    private Map<String, ShareAssignor.Topic> subscribedTopics(ShareGroup group) {
        Map<String, ShareAssignor.Topic> result = new LinkedHashMap<>();
        for (String topic : group.subscribedTopics()) {
            OptionalInt count = topics.partitionCount(topic);
            var id = topics.topicId(topic);
            if (count.isPresent() && id.isPresent()) {
                result.put(topic, new ShareAssignor.Topic(id.get(), count.getAsInt()));
            }
        }
        return result;
    }

    private void scheduleSessionTimeout(ShareGroup group, ShareGroup.Member member, int sessionTimeoutMs) {
        if (member.sessionTimeout != null) {
            member.sessionTimeout.cancel(false);
        }
        member.sessionTimeout = loop.schedule(() -> {
            try {
                if (group.members.get(member.memberId) == member && groups.get(group.groupId) == group) {
                    removeMember(group, member.memberId, "was silent for " + sessionTimeoutMs + " ms");
                }
            } catch (RuntimeException e) {
                LOG.error("Share group '{}': removing silent member {} failed", group.groupId, member.memberId, e);
            }
        }, sessionTimeoutMs, TimeUnit.MILLISECONDS);
    }

    private void removeMember(ShareGroup group, String memberId, String why) {
        ShareGroup.Member gone = group.members.remove(memberId);
        if (gone == null) {
            return;
        }
        liveMembers.remove(new MemberKey(group.groupId, memberId));
        if (gone.sessionTimeout != null) {
            gone.sessionTimeout.cancel(false);
        }
        LOG.info("Share group '{}': member {} {}; releasing its records", group.groupId, memberId, why);
        reassignWithinInterval(group, subscribedTopics(group), settingsFor.apply(group.groupId).assignmentIntervalMs());
        memberGone.accept(group.groupId, memberId);
    }

    /** Reassigns now, or marks it pending until {@code intervalMs} after the last computation (a later heartbeat). */
    private void reassignWithinInterval(ShareGroup group, Map<String, ShareAssignor.Topic> topicsNow, int intervalMs) {
        long now = nowMs.getAsLong();
        if (now - group.lastAssignmentMs >= intervalMs) {
            group.reassign(topicsNow);
            group.lastAssignmentMs = now;
            group.reassignPending = false;
        } else {
            group.reassignPending = true;
        }
    }

    private static ShareGroupHeartbeatResponseData heartbeatError(Errors error, String message) {
        return new ShareGroupHeartbeatResponseData().setErrorCode(error.code()).setErrorMessage(message);
    }

    @Override
    public CompletableFuture<List<ShareGroupDescribeResponseData.DescribedGroup>> describe(List<String> groupIds) {
        return onLoop(() -> {
            List<ShareGroupDescribeResponseData.DescribedGroup> result = new ArrayList<>();
            for (String groupId : groupIds) {
                ShareGroup group = groups.get(groupId);
                if (group == null) {
                    result.add(new ShareGroupDescribeResponseData.DescribedGroup().setGroupId(groupId)
                            .setErrorCode(Errors.GROUP_ID_NOT_FOUND.code())
                            .setErrorMessage("share group '" + groupId + "' does not exist"));
                    continue;
                }
                List<ShareGroupDescribeResponseData.Member> members = new ArrayList<>();
                for (ShareGroup.Member m : group.members.values()) {
                    members.add(describe(m));
                }
                result.add(new ShareGroupDescribeResponseData.DescribedGroup().setGroupId(groupId)
                        .setErrorCode(Errors.NONE.code()).setGroupState(group.stateName()).setGroupEpoch(group.groupEpoch)
                        .setAssignmentEpoch(group.assignmentEpoch).setAssignorName(ASSIGNOR_NAME).setMembers(members));
            }
            return result;
        });
    }

    private ShareGroupDescribeResponseData.Member describe(ShareGroup.Member m) {
        List<ShareGroupDescribeResponseData.TopicPartitions> assigned = new ArrayList<>();
        m.assignment.forEach((topicId, parts) -> assigned.add(new ShareGroupDescribeResponseData.TopicPartitions()
                .setTopicId(topicId).setTopicName(topics.topicName(topicId).orElse(""))
                .setPartitions(new ArrayList<>(parts))));
        return new ShareGroupDescribeResponseData.Member().setMemberId(m.memberId).setRackId(m.rackId)
                .setMemberEpoch(m.epoch).setClientId(m.clientId == null ? "" : m.clientId)
                .setClientHost(m.clientHost == null ? "" : m.clientHost)
                .setSubscribedTopicNames(new ArrayList<>(m.subscribed))
                .setAssignment(new ShareGroupDescribeResponseData.Assignment().setTopicPartitions(assigned));
    }

    @Override
    public CompletableFuture<List<ListedGroup>> list(Collection<String> statesFilter, Collection<String> typesFilter) {
        return onLoop(() -> {
            Set<String> states = lower(statesFilter);
            Set<String> types = lower(typesFilter);
            List<ListedGroup> listed = new ArrayList<>();
            if (!types.isEmpty() && !types.contains(ShareCoordinator.GROUP_TYPE)) {
                return listed;
            }
            for (ShareGroup group : groups.values()) {
                if (states.isEmpty() || states.contains(group.stateName().toLowerCase(Locale.ROOT))) {
                    listed.add(new ListedGroup().setGroupId(group.groupId).setProtocolType(ShareCoordinator.GROUP_TYPE)
                            .setGroupState(group.stateName()).setGroupType(ShareCoordinator.GROUP_TYPE));
                }
            }
            return listed;
        });
    }

    private static Set<String> lower(Collection<String> values) {
        Set<String> set = new HashSet<>();
        if (values != null) {
            values.forEach(v -> set.add(v.toLowerCase(Locale.ROOT)));
        }
        return set;
    }

    private <T> CompletableFuture<T> onLoop(Supplier<T> work) {
        return CoordinatorLoop.run(loop, LOG, "share", () -> CompletableFuture.completedFuture(work.get()));
    }
}
