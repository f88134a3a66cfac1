package io.spindle.groups;

import io.spindle.groups.ClassicMember.Protocol;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;
import org.apache.kafka.clients.consumer.internals.ConsumerProtocol;
import org.apache.kafka.common.message.HeartbeatRequestData;
import org.apache.kafka.common.message.HeartbeatResponseData;
import org.apache.kafka.common.message.JoinGroupRequestData;
import org.apache.kafka.common.message.JoinGroupRequestData.JoinGroupRequestProtocol;
import org.apache.kafka.common.message.JoinGroupResponseData;
import org.apache.kafka.common.message.SyncGroupRequestData;
import org.apache.kafka.common.message.SyncGroupRequestData.SyncGroupRequestAssignment;
import org.apache.kafka.common.message.SyncGroupResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A group of the classic protocol: JoinGroup / SyncGroup / Heartbeat / LeaveGroup, with generations.
 *
 * <pre>
 *   Empty ──join──▶ PreparingRebalance ──all joined or rebalance timeout──▶ CompletingRebalance ──leader's sync──▶ Stable
 *     ▲                    ▲  │ (no member left)                                   │ (member joins, leaves, dies)      │
 *     └────────────────────┼──┘                                                    └───────────────▶ PreparingRebalance ◀┘
 *   Dead: deleted
 * </pre>
 *
 * <p>The coordinator never assigns: the leader (one member) receives every member's subscription in its
 * JoinGroup response, runs the client-side assignor (range, round-robin, sticky, cooperative-sticky...) and
 * sends the result in its SyncGroup; the coordinator stores it and hands each member its share.
 *
 * <p>Waiting JoinGroup and SyncGroup requests are futures completed by the event that releases them (the last
 * member joining, the leader's assignment, a timer); no thread waits. Timers (session, rebalance, sync, initial
 * delay) run on the coordinator's one scheduler thread; a member's session timer reschedules itself to its
 * latest deadline rather than being cancelled on every heartbeat. Confined to the coordinator thread.
 *
 * <p>This class takes the requests and keeps the members (joins, static members, sessions, leaving, persistence);
 * {@link ClassicRebalance} runs the join phase and its timers, {@link ClassicResponses} builds the answers and
 * {@link ClassicMember} is one member.
 */
final class ClassicGroup extends Group {
    private static final Logger LOG = LoggerFactory.getLogger(ClassicGroup.class);

    enum State {
        EMPTY("Empty"), PREPARING_REBALANCE("PreparingRebalance"), COMPLETING_REBALANCE("CompletingRebalance"),
        STABLE("Stable"), DEAD("Dead");

        final String kafkaName;

        State(String kafkaName) {
            this.kafkaName = kafkaName;
        }
    }

    final GroupContext context;
    State state = State.EMPTY;
    String protocolType;
    String protocolName;
    int generation;
    String leaderId;
    final LinkedHashMap<String, ClassicMember> members = new LinkedHashMap<>();
    private final Map<String, String> staticMembers = new HashMap<>();
    /** Member ids handed out with MEMBER_ID_REQUIRED, not yet joined; value: when they expire. */
    final Map<String, ScheduledFuture<?>> pendingMembers = new HashMap<>();
    /** Bumped on every state change; timers carry it so a stale one does nothing. */
    int round;
    /**
     * Members of the current generation that have not sent SyncGroup since it began; whoever has not within the
     * rebalance timeout is removed, so a leader that never assigns cannot keep its followers waiting for ever.
     */
    final Set<String> syncPending = new HashSet<>();
    private final ClassicRebalance rebalance = new ClassicRebalance(this);

    ClassicGroup(String groupId, GroupContext context) {
        super(groupId);
        this.context = context;
    }

    @Override
    String type() {
        return "classic";
    }

    @Override
    String stateName() {
        return state.kafkaName;
    }

    @Override
    String protocolType() {
        return protocolType == null ? "" : protocolType;
    }

    @Override
    boolean isEmpty() {
        return members.isEmpty() && pendingMembers.isEmpty();
    }

    @Override
    int memberCount() {
        return members.size();
    }

    @Override
    long rebalanceCount() {
        return generation;
    }

    @Override
    boolean subscribedTo(String topic) {
        if (members.isEmpty()) {
            return false;
        }
        if (!ConsumerProtocol.PROTOCOL_TYPE.equals(protocolType) || protocolName == null) {
            return true;
        }
        for (ClassicMember member : members.values()) {
            try {
                if (ConsumerProtocol.deserializeSubscription(ByteBuffer.wrap(member.metadata(protocolName)))
                        .topics().contains(topic)) {
                    return true;
                }
            } catch (RuntimeException e) {
                return true;    // a subscription we cannot read: assume the worst
            }
        }
        return false;
    }

    // ------------------------------------------------------------------ JoinGroup

    CompletableFuture<JoinGroupResponseData> join(JoinGroupRequestData request, String clientId, String clientHost,
                                                  boolean requireKnownMemberId) {
        List<Protocol> protocols = new ArrayList<>();
        for (JoinGroupRequestProtocol p : request.protocols()) {
            protocols.add(new Protocol(p.name(), p.metadata() == null ? ClassicMember.EMPTY_BYTES : p.metadata()));
        }
        if (state == State.DEAD) {
            return ClassicResponses.joinError(request.memberId(), Errors.COORDINATOR_NOT_AVAILABLE);
        }
        if (!rebalance.acceptsProtocols(request.protocolType(), protocols)) {
            return ClassicResponses.joinError(request.memberId(), Errors.INCONSISTENT_GROUP_PROTOCOL);
        }
        String memberId = request.memberId();
        String instanceId = request.groupInstanceId();
        if (memberId.isEmpty()) {
            if (instanceId != null && staticMembers.containsKey(instanceId)) {
                return rejoinStatic(request, protocols, clientId, clientHost);
            }
            String newId = (instanceId != null ? instanceId : clientId) + "-" + UUID.randomUUID();
            if (instanceId == null && requireKnownMemberId) {
                // KIP-394: hand out an id first, so a client that never comes back costs no rebalance.
                pendingMembers.put(newId, context.schedule(request.sessionTimeoutMs(), () -> expirePending(newId)));
                return ClassicResponses.joinError(newId, Errors.MEMBER_ID_REQUIRED);
            }
            return addMember(newId, request, protocols, clientId, clientHost);
        }
        ScheduledFuture<?> pending = pendingMembers.remove(memberId);
        if (pending != null) {
            pending.cancel(false);
            return addMember(memberId, request, protocols, clientId, clientHost);
        }
        ClassicMember member = members.get(memberId);
        if (instanceId != null) {
            String current = staticMembers.get(instanceId);
            if (current != null && !current.equals(memberId)) {
                return ClassicResponses.joinError(memberId, Errors.FENCED_INSTANCE_ID);
            }
        }
        if (member == null) {
            return ClassicResponses.joinError(memberId, Errors.UNKNOWN_MEMBER_ID);
        }
        switch (state) {
            case PREPARING_REBALANCE:
                return updateMemberAndRebalance(member, request, protocols, clientId, clientHost);
            case COMPLETING_REBALANCE:
                if (member.sameProtocols(protocols)) {
                    // it lost our answer: repeat it
                    return CompletableFuture.completedFuture(ClassicResponses.joinResponse(this, member));
                }
                return updateMemberAndRebalance(member, request, protocols, clientId, clientHost);
            case STABLE:
                if (memberId.equals(leaderId) || !member.sameProtocols(protocols)) {
                    return updateMemberAndRebalance(member, request, protocols, clientId, clientHost);
                }
                return CompletableFuture.completedFuture(ClassicResponses.joinResponse(this, member));
            default:
                return ClassicResponses.joinError(memberId, Errors.UNKNOWN_MEMBER_ID);
        }
    }

    private CompletableFuture<JoinGroupResponseData> addMember(String memberId, JoinGroupRequestData request,
                                                               List<Protocol> protocols, String clientId, String clientHost) {
        ClassicMember member = new ClassicMember(memberId, request.groupInstanceId());
        if (members.isEmpty()) {
            protocolType = request.protocolType();
        }
        members.put(memberId, member);
        if (member.instanceId != null) {
            staticMembers.put(member.instanceId, memberId);
        }
        if (leaderId == null) {
            leaderId = memberId;
        }
        rebalance.memberAdded();
        LOG.info("Group '{}': member {} joins (generation {}, state {})", groupId, memberId, generation, state.kafkaName);
        return updateMemberAndRebalance(member, request, protocols, clientId, clientHost);
    }

    private CompletableFuture<JoinGroupResponseData> updateMemberAndRebalance(
            ClassicMember member, JoinGroupRequestData request, List<Protocol> protocols, String clientId, String clientHost) {
        member.protocols = protocols;
        member.clientId = clientId;
        member.clientHost = clientHost;
        member.rebalanceTimeoutMs = request.rebalanceTimeoutMs() > 0 ? request.rebalanceTimeoutMs() : request.sessionTimeoutMs();
        member.sessionTimeoutMs = request.sessionTimeoutMs();
        if (member.awaitingJoin != null) {
            // A second JoinGroup from the same member: the newer one wins, the older is told to rejoin.
            member.awaitingJoin.complete(ClassicResponses.joinErrorData(member.memberId, Errors.REBALANCE_IN_PROGRESS));
        }
        CompletableFuture<JoinGroupResponseData> future = new CompletableFuture<>();
        member.awaitingJoin = future;
        if (state != State.PREPARING_REBALANCE) {
            rebalance.prepare("member " + member.memberId + " joined");
        } else {
            rebalance.tryCompleteJoin();
        }
        return future;
    }

    private CompletableFuture<JoinGroupResponseData> rejoinStatic(JoinGroupRequestData request, List<Protocol> protocols,
                                                                  String clientId, String clientHost) {
        String instanceId = request.groupInstanceId();
        String oldId = staticMembers.get(instanceId);
        ClassicMember member = members.get(oldId);
        String newId = instanceId + "-" + UUID.randomUUID();
        // The old incarnation of this instance is fenced: its waiting requests are answered so.
        if (member.awaitingJoin != null) {
            member.awaitingJoin.complete(ClassicResponses.joinErrorData(oldId, Errors.FENCED_INSTANCE_ID));
            member.awaitingJoin = null;
        }
        if (member.awaitingSync != null) {
            member.awaitingSync.complete(new SyncGroupResponseData().setErrorCode(Errors.FENCED_INSTANCE_ID.code()));
            member.awaitingSync = null;
        }
        // As Kafka does (KIP-345): the group rebalances only if the instance's protocols would change the group's
        // protocol. Its metadata may well differ: a new incarnation of a consumer owns no partitions yet, and says so.
        List<Protocol> previous = member.protocols;
        member.protocols = protocols;
        boolean sameGroupProtocol = protocolName != null && protocolName.equals(rebalance.selectProtocol());
        member.protocols = previous;
        members.remove(oldId);
        member.memberId = newId;
        members.put(newId, member);
        staticMembers.put(instanceId, newId);
        if (syncPending.remove(oldId)) {
            syncPending.add(newId);
        }
        if (oldId.equals(leaderId)) {
            leaderId = newId;
        }
        LOG.info("Group '{}': static member {} is back as {} (state {})", groupId, instanceId, newId, state.kafkaName);
        if (state == State.STABLE && sameGroupProtocol) {
            // KIP-345: a known static member coming back keeps its assignment, no rebalance.
            member.protocols = protocols;
            member.clientId = clientId;
            member.clientHost = clientHost;
            member.sessionTimeoutMs = request.sessionTimeoutMs();
            member.rebalanceTimeoutMs = request.rebalanceTimeoutMs() > 0 ? request.rebalanceTimeoutMs() : request.sessionTimeoutMs();
            heartbeatReceived(member);
            int expectedGeneration = generation;
            CompletableFuture<JoinGroupResponseData> answer = new CompletableFuture<>();
            CompletableFuture<Void> stored = context.persist(this);
            context.onCoordinatorThread(stored, () -> {
                if (stored.isCompletedExceptionally() || generation != expectedGeneration || !members.containsKey(newId)) {
                    answer.complete(ClassicResponses.joinErrorData(newId, stored.isCompletedExceptionally()
                            ? Errors.COORDINATOR_NOT_AVAILABLE : Errors.REBALANCE_IN_PROGRESS));
                    return;
                }
                JoinGroupResponseData response = ClassicResponses.joinResponse(this, member);
                // The leader's assignment stands; it need not run the assignor again (KIP-814).
                response.setSkipAssignment(newId.equals(leaderId));
                answer.complete(response);
            });
            return answer;
        }
        return updateMemberAndRebalance(member, request, protocols, clientId, clientHost);
    }

    private void expirePending(String memberId) {
        if (pendingMembers.remove(memberId) != null) {
            LOG.info("Group '{}': pending member {} never joined; forgotten", groupId, memberId);
            rebalance.tryCompleteJoin();
        }
    }

    // ------------------------------------------------------------------ SyncGroup

    CompletableFuture<SyncGroupResponseData> sync(SyncGroupRequestData request) {
        Errors error = validateMember(request.memberId(), request.groupInstanceId());
        if (error == Errors.NONE && request.generationId() != generation) {
            error = Errors.ILLEGAL_GENERATION;
        }
        if (error == Errors.NONE && ((request.protocolType() != null && !request.protocolType().equals(protocolType))
                || (request.protocolName() != null && !request.protocolName().equals(protocolName)))) {
            error = Errors.INCONSISTENT_GROUP_PROTOCOL;
        }
        if (error != Errors.NONE) {
            return ClassicResponses.syncError(error);
        }
        ClassicMember member = members.get(request.memberId());
        if (state == State.STABLE || state == State.COMPLETING_REBALANCE) {
            syncPending.remove(member.memberId);
        }
        switch (state) {
            case PREPARING_REBALANCE:
                return ClassicResponses.syncError(Errors.REBALANCE_IN_PROGRESS);
            case STABLE:
                heartbeatReceived(member);
                return CompletableFuture.completedFuture(ClassicResponses.syncResponse(this, member));
            case COMPLETING_REBALANCE:
                break;
            default:
                return ClassicResponses.syncError(Errors.UNKNOWN_MEMBER_ID);
        }
        heartbeatReceived(member);
        if (member.awaitingSync != null) {
            member.awaitingSync.complete(new SyncGroupResponseData().setErrorCode(Errors.REBALANCE_IN_PROGRESS.code()));
        }
        CompletableFuture<SyncGroupResponseData> future = new CompletableFuture<>();
        member.awaitingSync = future;
        if (member.memberId.equals(leaderId)) {
            Map<String, byte[]> assignments = new HashMap<>();
            for (SyncGroupRequestAssignment a : request.assignments()) {
                assignments.put(a.memberId(), a.assignment());
            }
            for (ClassicMember m : members.values()) {
                byte[] assigned = assignments.get(m.memberId);
                m.assignment = assigned == null ? ClassicMember.EMPTY_BYTES : assigned;
            }
            int expectedRound = round;
            CompletableFuture<Void> stored = context.persist(this);
            context.onCoordinatorThread(stored, () -> {
                if (round != expectedRound || state != State.COMPLETING_REBALANCE) {
                    return;     // a newer rebalance already answered the waiting members
                }
                if (stored.isCompletedExceptionally()) {
                    LOG.warn("Group '{}': storing generation {} failed; rebalancing again", groupId, generation);
                    for (ClassicMember m : members.values()) {
                        if (m.awaitingSync != null) {
                            m.awaitingSync.complete(new SyncGroupResponseData().setErrorCode(Errors.COORDINATOR_NOT_AVAILABLE.code()));
                            m.awaitingSync = null;
                        }
                    }
                    rebalance.prepare("storing the assignment failed");
                    return;
                }
                state = State.STABLE;
                round++;
                LOG.info("Group '{}' is stable at generation {}", groupId, generation);
                for (ClassicMember m : members.values()) {
                    if (m.awaitingSync != null) {
                        m.awaitingSync.complete(ClassicResponses.syncResponse(this, m));
                        m.awaitingSync = null;
                    }
                }
            });
        }
        return future;
    }

    // ------------------------------------------------------------------ Heartbeat, LeaveGroup, expiry

    HeartbeatResponseData heartbeat(HeartbeatRequestData request) {
        Errors error = validateMember(request.memberId(), request.groupInstanceId());
        if (error == Errors.NONE && request.generationId() != generation) {
            error = Errors.ILLEGAL_GENERATION;
        }
        if (error == Errors.NONE) {
            ClassicMember member = members.get(request.memberId());
            switch (state) {
                case EMPTY:
                    error = Errors.UNKNOWN_MEMBER_ID;
                    break;
                case PREPARING_REBALANCE:
                    heartbeatReceived(member);
                    error = Errors.REBALANCE_IN_PROGRESS;
                    break;
                default:
                    heartbeatReceived(member);
            }
        }
        return new HeartbeatResponseData().setErrorCode(error.code());
    }

    /** NONE when {@code memberId} (and {@code instanceId}, if given) name a member of this group. */
    Errors validateMember(String memberId, String instanceId) {
        if (state == State.DEAD) {
            return Errors.COORDINATOR_NOT_AVAILABLE;
        }
        if (instanceId != null) {
            String current = staticMembers.get(instanceId);
            if (current != null && !current.equals(memberId)) {
                return Errors.FENCED_INSTANCE_ID;
            }
        }
        return members.containsKey(memberId) ? Errors.NONE : Errors.UNKNOWN_MEMBER_ID;
    }

    /** Removes a member that leaves (LeaveGroup); returns the error for that member. */
    Errors leave(String memberId, String instanceId) {
        if (state == State.DEAD) {
            return Errors.COORDINATOR_NOT_AVAILABLE;
        }
        if (instanceId != null) {
            String current = staticMembers.get(instanceId);
            if (current == null) {
                return Errors.UNKNOWN_MEMBER_ID;
            }
            if (memberId != null && !memberId.isEmpty() && !memberId.equals(current)) {
                return Errors.FENCED_INSTANCE_ID;
            }
            memberId = current;
        }
        ScheduledFuture<?> pending = pendingMembers.remove(memberId);
        if (pending != null) {
            pending.cancel(false);
            rebalance.tryCompleteJoin();
            return Errors.NONE;
        }
        ClassicMember member = members.get(memberId);
        if (member == null) {
            return Errors.UNKNOWN_MEMBER_ID;
        }
        remove(member, "left the group");
        return Errors.NONE;
    }

    void heartbeatReceived(ClassicMember member) {
        member.deadline = context.nowMs() + member.sessionTimeoutMs;
        if (member.expiry == null || member.expiry.isDone()) {
            scheduleExpiry(member, member.sessionTimeoutMs);
        }
    }

    private void scheduleExpiry(ClassicMember member, long delayMs) {
        member.expiry = context.schedule(delayMs, () -> checkSession(member));
    }

    private void checkSession(ClassicMember member) {
        if (members.get(member.memberId) != member) {
            return;
        }
        long left = member.deadline - context.nowMs();
        if (left > 0 || member.awaitingJoin != null || member.awaitingSync != null) {
            // Members waiting on a join or sync are alive by definition; the rebalance timeout bounds their wait.
            scheduleExpiry(member, Math.max(left, member.sessionTimeoutMs / 2 + 1));
            return;
        }
        remove(member, "its session timed out after " + member.sessionTimeoutMs + " ms");
    }

    void remove(ClassicMember member, String reason) {
        members.remove(member.memberId);
        forget(member);
        LOG.info("Group '{}': member {} removed: {}", groupId, member.memberId, reason);
        if (member.awaitingJoin != null) {
            member.awaitingJoin.complete(ClassicResponses.joinErrorData(member.memberId, Errors.UNKNOWN_MEMBER_ID));
            member.awaitingJoin = null;
        }
        if (member.awaitingSync != null) {
            member.awaitingSync.complete(new SyncGroupResponseData().setErrorCode(Errors.UNKNOWN_MEMBER_ID.code()));
            member.awaitingSync = null;
        }
        if (member.memberId.equals(leaderId)) {
            leaderId = members.isEmpty() ? null : members.keySet().iterator().next();
        }
        switch (state) {
            case STABLE, COMPLETING_REBALANCE -> rebalance.prepare("member " + member.memberId + " " + reason);
            case PREPARING_REBALANCE -> rebalance.tryCompleteJoin();
            default -> { }
        }
    }

    void forget(ClassicMember member) {
        syncPending.remove(member.memberId);
        if (member.instanceId != null && member.memberId.equals(staticMembers.get(member.instanceId))) {
            staticMembers.remove(member.instanceId);
        }
        if (member.expiry != null) {
            member.expiry.cancel(false);
        }
    }

    /** The checks of an OffsetCommit from a member of this group (or from outside it, generation -1). */
    Errors validateCommit(String memberId, String instanceId, int generationId) {
        if (state == State.DEAD) {
            return Errors.COORDINATOR_NOT_AVAILABLE;
        }
        if (generationId < 0 && (memberId == null || memberId.isEmpty()) && instanceId == null) {
            // Offsets stored by a client outside the group (admin, manual assignment): only while nobody consumes.
            return state == State.EMPTY ? Errors.NONE : Errors.UNKNOWN_MEMBER_ID;
        }
        Errors error = validateMember(memberId, instanceId);
        if (error != Errors.NONE) {
            return error;
        }
        if (generationId != generation) {
            return Errors.ILLEGAL_GENERATION;
        }
        if (state == State.COMPLETING_REBALANCE) {
            return Errors.REBALANCE_IN_PROGRESS;
        }
        ClassicMember member = members.get(memberId);
        heartbeatReceived(member);
        return Errors.NONE;
    }

    // ------------------------------------------------------------------ persistence

    OffsetsRecords.StoredGroup stored() {
        List<OffsetsRecords.StoredMember> list = new ArrayList<>();
        if (state == State.STABLE || state == State.COMPLETING_REBALANCE) {
            for (ClassicMember m : members.values()) {
                list.add(new OffsetsRecords.StoredMember(m.memberId, m.instanceId, m.clientId, m.clientHost,
                        m.rebalanceTimeoutMs, m.sessionTimeoutMs, m.protocols, m.assignment));
            }
        }
        return new OffsetsRecords.StoredGroup(protocolType, generation, list.isEmpty() ? null : protocolName,
                list.isEmpty() ? null : leaderId, list);
    }

    /** Restores a group read back from the offsets log: Stable with its members if it had any, else Empty. */
    void restore(OffsetsRecords.StoredGroup stored) {
        protocolType = stored.protocolType();
        generation = stored.generation();
        protocolName = stored.protocolName();
        leaderId = stored.leader();
        members.clear();
        staticMembers.clear();
        for (OffsetsRecords.StoredMember s : stored.members()) {
            ClassicMember m = new ClassicMember(s.memberId(), s.instanceId());
            m.clientId = s.clientId();
            m.clientHost = s.clientHost();
            m.rebalanceTimeoutMs = s.rebalanceTimeoutMs();
            m.sessionTimeoutMs = s.sessionTimeoutMs();
            m.protocols = s.protocols();
            m.assignment = s.assignment() == null ? ClassicMember.EMPTY_BYTES : s.assignment();
            members.put(m.memberId, m);
            if (m.instanceId != null) {
                staticMembers.put(m.instanceId, m.memberId);
            }
        }
        state = members.isEmpty() ? State.EMPTY : State.STABLE;
    }

    /** Starts the session timers of restored members (after the whole log is loaded). */
    void startTimers() {
        for (ClassicMember m : members.values()) {
            heartbeatReceived(m);
        }
    }

    @Override
    void shutdown() {
        round++;
        for (ClassicMember m : members.values()) {
            if (m.expiry != null) {
                m.expiry.cancel(false);
            }
            if (m.awaitingJoin != null) {
                m.awaitingJoin.complete(ClassicResponses.joinErrorData(m.memberId, Errors.COORDINATOR_NOT_AVAILABLE));
                m.awaitingJoin = null;
            }
            if (m.awaitingSync != null) {
                m.awaitingSync.complete(new SyncGroupResponseData().setErrorCode(Errors.COORDINATOR_NOT_AVAILABLE.code()));
                m.awaitingSync = null;
            }
        }
        pendingMembers.values().forEach(f -> f.cancel(false));
        pendingMembers.clear();
    }

    void markDead() {
        shutdown();
        members.clear();
        staticMembers.clear();
        state = State.DEAD;
    }
}
