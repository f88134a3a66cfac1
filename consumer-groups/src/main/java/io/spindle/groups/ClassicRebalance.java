package io.spindle.groups;

import io.spindle.groups.ClassicGroup.State;
import io.spindle.groups.ClassicMember.Protocol;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.message.JoinGroupResponseData;
import org.apache.kafka.common.message.SyncGroupResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The join phase of a {@link ClassicGroup}'s rebalance and its timers: it decides when a new generation begins
 * (every member rejoined, the initial delay or the rebalance timeout ran out), who is in it, its protocol (the
 * members' vote) and its leader, and removes the members that send no SyncGroup in time.
 *
 * <p>Timers carry the group's round (or generation) when scheduled, so one that fires after a newer state change
 * does nothing. Reads and writes the group's package-private state; confined to the coordinator thread like the
 * group. Logs under the {@code ClassicGroup} logger, so the group's story reads in one place.
 */
final class ClassicRebalance {
    private static final Logger LOG = LoggerFactory.getLogger(ClassicGroup.class);

    private final ClassicGroup group;
    private boolean initialDelayRunning;
    /** A member joined while the initial delay ran, so the delay runs once more (within the rebalance timeout). */
    private boolean joinedDuringInitialDelay;

    ClassicRebalance(ClassicGroup group) {
        this.group = group;
    }

    /** A new member was added to the group: if the initial delay runs, it runs once more. */
    void memberAdded() {
        if (initialDelayRunning) {
            joinedDuringInitialDelay = true;
        }
    }

    /** Starts a join phase (PreparingRebalance); waiting SyncGroups are told to rejoin. */
    void prepare(String reason) {
        if (group.state == State.COMPLETING_REBALANCE) {
            for (ClassicMember m : group.members.values()) {
                if (m.awaitingSync != null) {
                    m.awaitingSync.complete(new SyncGroupResponseData().setErrorCode(Errors.REBALANCE_IN_PROGRESS.code()));
                    m.awaitingSync = null;
                }
            }
        }
        boolean wasEmpty = group.state == State.EMPTY;
        group.state = State.PREPARING_REBALANCE;
        group.syncPending.clear();
        int myRound = ++group.round;
        LOG.info("Group '{}': preparing rebalance (generation {}): {}", group.groupId, group.generation, reason);
        int initialDelay = group.context.settings().initialRebalanceDelayMs();
        if (wasEmpty && initialDelay > 0) {
            initialDelayRunning = true;
            joinedDuringInitialDelay = false;
            int first = Math.min(initialDelay, rebalanceTimeoutMs());
            scheduleInitialDelay(myRound, first, Math.max(0, rebalanceTimeoutMs() - first));
            return;
        }
        scheduleRebalanceTimeout(myRound);
        tryCompleteJoin();
    }

    /**
     * The first rebalance of an empty group gathers members for group.initial.rebalance.delay.ms, and once more
     * each time a member joined during the last delay, as in Kafka, until the rebalance timeout is used up.
     */
    private void scheduleInitialDelay(int myRound, long delayMs, long remainingMs) {
        group.context.schedule(delayMs, () -> {
            if (group.round != myRound || group.state != State.PREPARING_REBALANCE) {
                return;
            }
            if (joinedDuringInitialDelay && remainingMs > 0) {
                joinedDuringInitialDelay = false;
                long next = Math.min(group.context.settings().initialRebalanceDelayMs(), remainingMs);
                scheduleInitialDelay(myRound, next, remainingMs - next);
                return;
            }
            initialDelayRunning = false;
            tryCompleteJoin();
            if (group.state == State.PREPARING_REBALANCE) {
                scheduleRebalanceTimeout(myRound);
            }
        });
    }

    private void scheduleRebalanceTimeout(int myRound) {
        group.context.schedule(rebalanceTimeoutMs(), () -> {
            if (group.round == myRound && group.state == State.PREPARING_REBALANCE) {
                completeJoin();
            }
        });
    }

    private int rebalanceTimeoutMs() {
        int max = 0;
        for (ClassicMember m : group.members.values()) {
            max = Math.max(max, m.rebalanceTimeoutMs);
        }
        return Math.max(max, 1);
    }

    void tryCompleteJoin() {
        if (group.state != State.PREPARING_REBALANCE || initialDelayRunning || !group.pendingMembers.isEmpty()) {
            return;
        }
        for (ClassicMember m : group.members.values()) {
            if (m.awaitingJoin == null) {
                return;
            }
        }
        completeJoin();
    }

    /**
     * Ends the join phase: dynamic members that did not rejoin are out; the rest get the new generation. A static
     * member that did not rejoin stays, as in Kafka (KIP-345): it is away only until its session times out, the
     * leader assigns to it, and its return costs no rebalance.
     */
    private void completeJoin() {
        ClassicMember firstJoined = null;
        for (Iterator<ClassicMember> it = group.members.values().iterator(); it.hasNext(); ) {
            ClassicMember m = it.next();
            if (m.awaitingJoin != null) {
                firstJoined = firstJoined == null ? m : firstJoined;
            } else if (m.instanceId == null) {
                LOG.info("Group '{}': member {} did not rejoin within the rebalance timeout; removed", group.groupId,
                        m.memberId);
                it.remove();
                group.forget(m);
            }
        }
        if (firstJoined == null && !group.members.isEmpty()) {
            // Only absent static members are left and none can lead: wait again; their session timeouts end it.
            LOG.info("Group '{}': no member rejoined; waiting another rebalance timeout", group.groupId);
            initialDelayRunning = false;
            scheduleRebalanceTimeout(group.round);
            return;
        }
        initialDelayRunning = false;
        group.round++;
        group.generation++;
        if (group.members.isEmpty()) {
            group.state = State.EMPTY;
            group.protocolName = null;
            group.leaderId = null;
            LOG.info("Group '{}' is empty (generation {})", group.groupId, group.generation);
            group.context.persist(group);
            return;
        }
        group.protocolName = selectProtocol();
        ClassicMember leader = group.leaderId == null ? null : group.members.get(group.leaderId);
        if (leader == null || leader.awaitingJoin == null) {
            group.leaderId = firstJoined.memberId;      // the leader must be there to receive the members and assign
        }
        group.state = State.COMPLETING_REBALANCE;
        LOG.info("Group '{}': generation {} with {} member(s), protocol {}, leader {}", group.groupId, group.generation,
                group.members.size(), group.protocolName, group.leaderId);
        for (ClassicMember m : group.members.values()) {
            CompletableFuture<JoinGroupResponseData> waiting = m.awaitingJoin;
            m.awaitingJoin = null;
            m.assignment = ClassicMember.EMPTY_BYTES;
            group.heartbeatReceived(m);
            if (waiting != null) {
                waiting.complete(ClassicResponses.joinResponse(group, m));
            }
        }
        group.syncPending.clear();
        group.syncPending.addAll(group.members.keySet());
        scheduleSyncTimeout(group.generation);
    }

    /** As Kafka (since 3.2): members that send no SyncGroup within the rebalance timeout of a join phase are out. */
    private void scheduleSyncTimeout(int expectedGeneration) {
        group.context.schedule(rebalanceTimeoutMs(), () -> {
            if (group.generation != expectedGeneration || group.syncPending.isEmpty()
                    || (group.state != State.COMPLETING_REBALANCE && group.state != State.STABLE)) {
                return;
            }
            List<ClassicMember> silent = new ArrayList<>();
            for (String id : group.syncPending) {
                ClassicMember m = group.members.get(id);
                if (m != null) {
                    silent.add(m);
                }
            }
            group.syncPending.clear();
            for (ClassicMember m : silent) {
                group.remove(m, "it sent no SyncGroup within the rebalance timeout of " + m.rebalanceTimeoutMs + " ms");
            }
        });
    }

    /** The protocol the members vote for: each one's most preferred that all support; null without members. */
    String selectProtocol() {
        // Each member votes for its most preferred protocol that every member supports.
        Map<String, Integer> votes = new LinkedHashMap<>();
        for (ClassicMember m : group.members.values()) {
            for (Protocol p : m.protocols) {
                if (supportedByAll(p.name(), null)) {
                    votes.merge(p.name(), 1, Integer::sum);
                    break;
                }
            }
        }
        String best = null;
        int most = -1;
        for (Map.Entry<String, Integer> e : votes.entrySet()) {
            if (e.getValue() > most) {
                best = e.getKey();
                most = e.getValue();
            }
        }
        return best;
    }

    /** Whether a member with these protocols may join: same protocol type, and one protocol all members support. */
    boolean acceptsProtocols(String type, List<Protocol> protocols) {
        if (type == null || type.isEmpty() || protocols.isEmpty()) {
            return false;
        }
        if (group.members.isEmpty()) {
            return true;
        }
        if (!type.equals(group.protocolType)) {
            return false;
        }
        for (Protocol candidate : protocols) {
            if (supportedByAll(candidate.name(), null)) {
                return true;
            }
        }
        return false;
    }

    private boolean supportedByAll(String protocol, ClassicMember except) {
        for (ClassicMember m : group.members.values()) {
            if (m == except) {
                continue;
            }
            boolean found = false;
            for (Protocol p : m.protocols) {
                if (p.name().equals(protocol)) {
                    found = true;
                    break;
                }
            }
            if (!found) {
                return false;
            }
        }
        return true;
    }
}
