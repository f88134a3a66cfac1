package io.spindle.groups;

import io.spindle.config.ConsumerGroupConfig;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ScheduledFuture;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.ConsumerGroupHeartbeatRequestData;
import org.apache.kafka.common.message.ConsumerGroupHeartbeatResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A group of the consumer protocol (KIP-848, {@code group.protocol=consumer}): members send only
 * ConsumerGroupHeartbeat, and the coordinator computes the assignment with a {@link ServerAssignor}.
 *
 * <p>Epochs: any change of membership, subscriptions or partition counts bumps the group epoch; the next
 * heartbeat recomputes the target assignment at that epoch (the assignment epoch). Each member then reconciles
 * towards its target one step per heartbeat: first it is told to give up the partitions it must lose (its
 * epoch stays until it reports them released, or its rebalance timeout fences it); then it moves to the
 * assignment epoch and receives the target partitions that no other member still holds; partitions still
 * held elsewhere follow on a later heartbeat once released. So no partition is ever owned by two members.
 *
 * <p>The group's timings are its consumer.* group configs on top of the broker's group.consumer.* values
 * ({@link GroupContext#consumerConfig}); a change within consumer.assignment.interval.ms of the last target
 * computation is assigned at the first heartbeat past that interval.
 *
 * <p>A member silent for its session timeout is removed. A static member (instance id) that
 * leaves with epoch -2 keeps its partitions for that long and gets them back when it rejoins.
 * Confined to the coordinator thread.
 */
final class ConsumerGroup extends Group {
    private static final Logger LOG = LoggerFactory.getLogger(ConsumerGroup.class);
    static final int LEAVE_EPOCH = -1;
    static final int STATIC_LEAVE_EPOCH = -2;

    static final class Member {
        String memberId;
        final String instanceId;
        String rackId;
        String clientId;
        String clientHost;
        int memberEpoch;
        int previousEpoch = -1;
        int rebalanceTimeoutMs = 300_000;
        List<String> subscribedTopicNames = List.of();
        String subscribedTopicRegex;
        String serverAssignor;
        Map<String, Set<Integer>> assigned = new TreeMap<>();
        Map<String, Set<Integer>> revoking = new TreeMap<>();
        Map<String, Set<Integer>> lastSent;
        long deadline;
        long revocationDeadline = Long.MAX_VALUE;
        boolean leftStatic;
        ScheduledFuture<?> expiry;

        Member(String memberId, String instanceId) {
            this.memberId = memberId;
            this.instanceId = instanceId;
        }
    }

    private final GroupContext context;
    final Map<String, Member> members = new TreeMap<>();
    final Map<String, String> staticMembers = new HashMap<>();
    int groupEpoch;
    int assignmentEpoch;
    Map<String, Map<String, Set<Integer>>> target = new TreeMap<>();
    Map<String, Integer> partitionCounts = Map.of();
    ServerAssignor assignor = ServerAssignor.UNIFORM;
    /** The group's record as last written to the offsets log; a change of state writes a new one. */
    byte[] lastStored;
    /**
     * When the target was last computed: a change within the group's assignment interval after it waits for the
     * first heartbeat past the interval, so that changes coming in a burst are assigned together (KIP-1263).
     */
    private long lastAssignmentMs = Long.MIN_VALUE / 2;

    ConsumerGroup(String groupId, GroupContext context) {
        super(groupId);
        this.context = context;
    }

    @Override
    String type() {
        return "consumer";
    }

    @Override
    String protocolType() {
        return "consumer";
    }

    @Override
    boolean isEmpty() {
        return members.isEmpty();
    }

    @Override
    int memberCount() {
        return members.size();
    }

    @Override
    long rebalanceCount() {
        return groupEpoch;
    }

    @Override
    String stateName() {
        if (members.isEmpty()) {
            return "Empty";
        }
        if (groupEpoch > assignmentEpoch) {
            return "Assigning";
        }
        for (Member m : members.values()) {
            if (m.memberEpoch != assignmentEpoch || !m.revoking.isEmpty()
                    || !m.assigned.equals(target.getOrDefault(m.memberId, Map.of()))) {
                return "Reconciling";
            }
        }
        return "Stable";
    }

    @Override
    boolean subscribedTo(String topic) {
        for (Member m : members.values()) {
            if (subscribedTopics(m).contains(topic)) {
                return true;
            }
        }
        return false;
    }

    // ------------------------------------------------------------------ heartbeat

    ConsumerGroupHeartbeatResponseData heartbeat(ConsumerGroupHeartbeatRequestData request, String clientId, String clientHost) {
        int epoch = request.memberEpoch();
        String memberId = request.memberId();
        if (epoch == LEAVE_EPOCH || epoch == STATIC_LEAVE_EPOCH) {
            return leave(request);
        }
        if (request.serverAssignor() != null && ServerAssignor.named(request.serverAssignor()) == null) {
            return error(Errors.UNSUPPORTED_ASSIGNOR, "group '" + groupId + "': no server assignor named '"
                    + request.serverAssignor() + "'; this broker has 'uniform' and 'range'");
        }
        if (request.subscribedTopicRegex() != null && !request.subscribedTopicRegex().isEmpty()) {
            try {
                Pattern.compile(request.subscribedTopicRegex());
            } catch (PatternSyntaxException e) {
                return error(Errors.INVALID_REGULAR_EXPRESSION, "group '" + groupId + "': " + e.getDescription());
            }
        }
        boolean bump = false;
        Member member;
        if (epoch == 0) {
            if (request.subscribedTopicNames() == null && request.subscribedTopicRegex() == null) {
                return error(Errors.INVALID_REQUEST, "a joining member must send its subscription");
            }
            if (memberId == null || memberId.isEmpty()) {
                memberId = Uuid.randomUuid().toString();
            }
            String instanceId = request.instanceId();
            String staticId = instanceId == null ? null : staticMembers.get(instanceId);
            if (staticId != null && !staticId.equals(memberId)) {
                Member old = members.get(staticId);
                if (!old.leftStatic) {
                    return error(Errors.UNRELEASED_INSTANCE_ID, "group '" + groupId + "': instance '" + instanceId
                            + "' is still in use by member " + staticId);
                }
                members.remove(staticId);
                old.memberId = memberId;
                old.leftStatic = false;
                old.revoking.clear();
                old.lastSent = null;
                members.put(memberId, old);
                staticMembers.put(instanceId, memberId);
                Map<String, Set<Integer>> kept = target.remove(staticId);
                if (kept != null) {
                    target.put(memberId, kept);
                }
                member = old;
                LOG.info("Group '{}': static member {} is back as {} with epoch {}", groupId, instanceId, memberId, old.memberEpoch);
            } else if (members.containsKey(memberId)) {
                // A member that lost its partitions (fenced) rejoins under its id: it owns nothing now.
                member = members.get(memberId);
                member.assigned.clear();
                member.revoking.clear();
                member.leftStatic = false;
                member.lastSent = null;
                member.previousEpoch = -1;
                member.memberEpoch = 0;
            } else {
                member = new Member(memberId, instanceId);
                members.put(memberId, member);
                if (instanceId != null) {
                    staticMembers.put(instanceId, memberId);
                }
                bump = true;
                LOG.info("Group '{}': member {} joins", groupId, memberId);
            }
        } else {
            Errors fenced = checkInstance(request.instanceId(), memberId);
            if (fenced != Errors.NONE) {
                return error(fenced, "group '" + groupId + "': instance '" + request.instanceId() + "' is "
                        + (fenced == Errors.FENCED_INSTANCE_ID ? "now member " + staticMembers.get(request.instanceId())
                        + ", not " + memberId : "not a member"));
            }
            member = members.get(memberId);
            if (member == null || member.leftStatic) {
                return error(Errors.UNKNOWN_MEMBER_ID, "group '" + groupId + "' has no member " + memberId);
            }
            if (epoch != member.memberEpoch && !(epoch == member.previousEpoch
                    && PartitionSets.contains(member.assigned, owned(request.topicPartitions())))) {
                return error(Errors.FENCED_MEMBER_EPOCH, "group '" + groupId + "': member " + memberId + " is at epoch "
                        + member.memberEpoch + ", not " + epoch);
            }
        }
        member.clientId = clientId;
        member.clientHost = clientHost;
        if (request.rackId() != null) {
            member.rackId = request.rackId();
        }
        if (request.rebalanceTimeoutMs() > 0) {
            member.rebalanceTimeoutMs = request.rebalanceTimeoutMs();
        }
        if (request.subscribedTopicNames() != null
                && !new HashSet<>(request.subscribedTopicNames()).equals(new HashSet<>(member.subscribedTopicNames))) {
            member.subscribedTopicNames = List.copyOf(request.subscribedTopicNames());
            bump = true;
        }
        if (request.subscribedTopicRegex() != null) {
            String regex = request.subscribedTopicRegex().isEmpty() ? null : request.subscribedTopicRegex();
            if (!Objects.equals(regex, member.subscribedTopicRegex)) {
                member.subscribedTopicRegex = regex;
                bump = true;
            }
        }
        if (request.serverAssignor() != null && !request.serverAssignor().equals(member.serverAssignor)) {
            member.serverAssignor = request.serverAssignor();
            bump = true;
        }
        member.deadline = context.nowMs() + config().sessionTimeoutMs();
        scheduleExpiry(member);
        Map<String, Integer> counts = currentPartitionCounts();
        if (bump || !counts.equals(partitionCounts)) {
            groupEpoch++;
        }
        if (groupEpoch > assignmentEpoch && context.nowMs() - lastAssignmentMs >= config().assignmentIntervalMs()) {
            computeTarget(counts);
        }
        reconcile(member, request.topicPartitions());
        ConsumerGroupHeartbeatResponseData response = new ConsumerGroupHeartbeatResponseData()
                .setErrorCode(Errors.NONE.code())
                .setMemberId(member.memberId)
                .setMemberEpoch(member.memberEpoch)
                .setHeartbeatIntervalMs(config().heartbeatIntervalMs());
        if (epoch == 0 || !member.assigned.equals(member.lastSent)) {
            member.lastSent = PartitionSets.deepCopy(member.assigned);
            response.setAssignment(new ConsumerGroupHeartbeatResponseData.Assignment()
                    .setTopicPartitions(toWire(member.assigned)));
        }
        context.persistIfChanged(this);
        return response;
    }

    /**
     * UNKNOWN_MEMBER_ID for an instance id no member has, FENCED_INSTANCE_ID when another member now has it (a new
     * incarnation replaced {@code memberId}), else NONE. As Kafka: the old incarnation is told it is fenced and
     * can neither heartbeat nor leave in the new one's place.
     */
    private Errors checkInstance(String instanceId, String memberId) {
        if (instanceId == null) {
            return Errors.NONE;
        }
        String current = staticMembers.get(instanceId);
        if (current == null) {
            return Errors.UNKNOWN_MEMBER_ID;
        }
        return memberId == null || memberId.isEmpty() || current.equals(memberId) ? Errors.NONE : Errors.FENCED_INSTANCE_ID;
    }

    private ConsumerGroupHeartbeatResponseData leave(ConsumerGroupHeartbeatRequestData request) {
        Errors fenced = checkInstance(request.instanceId(), request.memberId());
        if (fenced == Errors.FENCED_INSTANCE_ID) {
            return error(fenced, "group '" + groupId + "': instance '" + request.instanceId() + "' is now member "
                    + staticMembers.get(request.instanceId()) + ", not " + request.memberId());
        }
        Member member = request.instanceId() != null && fenced == Errors.NONE
                ? members.get(staticMembers.get(request.instanceId())) : members.get(request.memberId());
        if (member == null) {
            return error(Errors.UNKNOWN_MEMBER_ID, "group '" + groupId + "' has no member " + request.memberId());
        }
        if (request.memberEpoch() == STATIC_LEAVE_EPOCH && member.instanceId != null) {
            member.leftStatic = true;
            member.deadline = context.nowMs() + config().sessionTimeoutMs();
            scheduleExpiry(member);
            LOG.info("Group '{}': static member {} left for now; its partitions wait for it", groupId, member.instanceId);
        } else {
            remove(member, "left the group");
        }
        context.persistIfChanged(this);
        return new ConsumerGroupHeartbeatResponseData().setErrorCode(Errors.NONE.code()).setMemberId(request.memberId())
                .setMemberEpoch(request.memberEpoch()).setHeartbeatIntervalMs(0);
    }

    private ConsumerGroupHeartbeatResponseData error(Errors error, String message) {
        return new ConsumerGroupHeartbeatResponseData().setErrorCode(error.code()).setErrorMessage(message);
    }

    private void reconcile(Member member, List<ConsumerGroupHeartbeatRequestData.TopicPartitions> ownedOnWire) {
        if (ownedOnWire != null && !member.revoking.isEmpty()) {
            Map<String, Set<Integer>> owned = owned(ownedOnWire);
            if (!PartitionSets.intersects(owned, member.revoking)) {
                member.revoking.clear();
                member.revocationDeadline = Long.MAX_VALUE;
            }
        }
        if (!member.revoking.isEmpty()) {
            return;
        }
        Map<String, Set<Integer>> wanted = target.getOrDefault(member.memberId, Map.of());
        Map<String, Set<Integer>> lose = PartitionSets.minus(member.assigned, wanted);
        if (!lose.isEmpty()) {
            member.assigned = PartitionSets.intersection(member.assigned, wanted);
            member.revoking = lose;
            member.revocationDeadline = context.nowMs() + member.rebalanceTimeoutMs;
            // The pending timer may be the session's, due later than the rebalance timeout: replace it.
            if (member.expiry != null) {
                member.expiry.cancel(false);
                member.expiry = null;
            }
            scheduleExpiry(member);
            return;
        }
        if (member.memberEpoch != assignmentEpoch) {
            member.previousEpoch = member.memberEpoch;
            member.memberEpoch = assignmentEpoch;
        }
        for (Map.Entry<String, Set<Integer>> e : wanted.entrySet()) {
            for (int partition : e.getValue()) {
                if (!member.assigned.getOrDefault(e.getKey(), Set.of()).contains(partition)
                        && !heldByOther(member, e.getKey(), partition)) {
                    member.assigned.computeIfAbsent(e.getKey(), t -> new TreeSet<>()).add(partition);
                }
            }
        }
    }

    private boolean heldByOther(Member self, String topic, int partition) {
        for (Member m : members.values()) {
            if (m != self && (m.assigned.getOrDefault(topic, Set.of()).contains(partition)
                    || m.revoking.getOrDefault(topic, Set.of()).contains(partition))) {
                return true;
            }
        }
        return false;
    }

    private Set<String> subscribedTopics(Member member) {
        Set<String> topics = new TreeSet<>();
        for (String name : member.subscribedTopicNames) {
            if (context.topics().partitionCount(name).isPresent()) {
                topics.add(name);
            }
        }
        if (member.subscribedTopicRegex != null) {
            Pattern pattern = Pattern.compile(member.subscribedTopicRegex);
            for (String name : context.topics().topicNames()) {
                if (pattern.matcher(name).matches()) {
                    topics.add(name);
                }
            }
        }
        return topics;
    }

    private Map<String, Integer> currentPartitionCounts() {
        Map<String, Integer> counts = new TreeMap<>();
        for (Member m : members.values()) {
            for (String topic : subscribedTopics(m)) {
                OptionalInt count = context.topics().partitionCount(topic);
                if (count.isPresent()) {
                    counts.put(topic, count.getAsInt());
                }
            }
        }
        return counts;
    }

    private void computeTarget(Map<String, Integer> counts) {
        Map<String, Set<String>> subscriptions = new TreeMap<>();
        String preferred = null;
        for (Member m : members.values()) {
            subscriptions.put(m.memberId, subscribedTopics(m));
            if (preferred == null && m.serverAssignor != null) {
                preferred = m.serverAssignor;
            }
        }
        assignor = preferred == null ? ServerAssignor.UNIFORM : ServerAssignor.named(preferred);
        target = assignor.assign(subscriptions, counts, target);
        partitionCounts = counts;
        assignmentEpoch = groupEpoch;
        lastAssignmentMs = context.nowMs();
        LOG.info("Group '{}': target assignment at epoch {} ({} assignor, {} member(s))", groupId, assignmentEpoch,
                assignor.assignorName, members.size());
    }

    /** The group's timings: its consumer.* group configs on top of the broker's group.consumer.* values. */
    private ConsumerGroupConfig config() {
        return context.consumerConfig(groupId);
    }

    /**
     * The group's configs changed from {@code before}: each member's session now ends its new session timeout after
     * its last heartbeat (the heartbeat interval and assignment interval apply from the next heartbeat).
     */
    void reconfigured(ConsumerGroupConfig before) {
        int change = config().sessionTimeoutMs() - before.sessionTimeoutMs();
        if (change == 0) {
            return;
        }
        for (Member m : members.values()) {
            m.deadline += change;
            if (m.expiry != null) {
                m.expiry.cancel(false);
                m.expiry = null;
            }
            scheduleExpiry(m);
        }
    }

    // ------------------------------------------------------------------ expiry, removal

    private void scheduleExpiry(Member member) {
        if (member.expiry == null || member.expiry.isDone()) {
            long delay = Math.max(1, Math.min(member.deadline, member.revocationDeadline) - context.nowMs());
            member.expiry = context.schedule(delay, () -> checkSession(member));
        }
    }

    private void checkSession(Member member) {
        if (members.get(member.memberId) != member) {
            return;
        }
        long now = context.nowMs();
        if (now >= member.deadline) {
            remove(member, "its session timed out after " + config().sessionTimeoutMs() + " ms");
            context.persistIfChanged(this);
        } else if (!member.revoking.isEmpty() && now >= member.revocationDeadline) {
            remove(member, "it did not release " + member.revoking + " within its rebalance timeout of "
                    + member.rebalanceTimeoutMs + " ms");
            context.persistIfChanged(this);
        } else {
            member.expiry = null;
            scheduleExpiry(member);
        }
    }

    private void remove(Member member, String reason) {
        members.remove(member.memberId);
        if (member.instanceId != null && member.memberId.equals(staticMembers.get(member.instanceId))) {
            staticMembers.remove(member.instanceId);
        }
        if (member.expiry != null) {
            member.expiry.cancel(false);
        }
        target.remove(member.memberId);
        groupEpoch++;
        LOG.info("Group '{}': member {} removed ({}); group epoch {}", groupId, member.memberId, reason, groupEpoch);
    }

    /** The checks of an OffsetCommit or OffsetFetch naming a member and its epoch. */
    Errors validateMemberEpoch(String memberId, int memberEpoch, boolean commit) {
        if ((memberId == null || memberId.isEmpty()) && memberEpoch < 0) {
            return !commit || members.isEmpty() ? Errors.NONE : Errors.UNKNOWN_MEMBER_ID;
        }
        Member member = members.get(memberId);
        if (member == null) {
            return Errors.UNKNOWN_MEMBER_ID;
        }
        if (memberEpoch != member.memberEpoch) {
            return Errors.STALE_MEMBER_EPOCH;
        }
        return Errors.NONE;
    }

    // ------------------------------------------------------------------ helpers

    private List<ConsumerGroupHeartbeatResponseData.TopicPartitions> toWire(Map<String, Set<Integer>> partitions) {
        List<ConsumerGroupHeartbeatResponseData.TopicPartitions> wire = new ArrayList<>();
        for (Map.Entry<String, Set<Integer>> e : partitions.entrySet()) {
            Optional<Uuid> id = context.topics().topicId(e.getKey());
            if (id.isPresent() && !e.getValue().isEmpty()) {
                wire.add(new ConsumerGroupHeartbeatResponseData.TopicPartitions().setTopicId(id.get())
                        .setPartitions(new ArrayList<>(e.getValue())));
            }
        }
        return wire;
    }

    private Map<String, Set<Integer>> owned(List<ConsumerGroupHeartbeatRequestData.TopicPartitions> wire) {
        Map<String, Set<Integer>> owned = new TreeMap<>();
        if (wire == null) {
            return owned;
        }
        for (ConsumerGroupHeartbeatRequestData.TopicPartitions tp : wire) {
            Optional<String> name = context.topics().topicName(tp.topicId());
            name.ifPresent(n -> owned.computeIfAbsent(n, t -> new TreeSet<>()).addAll(tp.partitions()));
        }
        return owned;
    }

    /** Starts the session timers of members restored from the offsets log. */
    void startTimers() {
        for (Member m : members.values()) {
            m.deadline = context.nowMs() + config().sessionTimeoutMs();
            if (m.instanceId != null) {
                staticMembers.put(m.instanceId, m.memberId);
            }
            scheduleExpiry(m);
        }
    }

    @Override
    void shutdown() {
        for (Member m : members.values()) {
            if (m.expiry != null) {
                m.expiry.cancel(false);
            }
        }
    }
}
