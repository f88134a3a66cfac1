package io.spindle.groups;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spindle.config.GroupSettings;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.consumer.ConsumerPartitionAssignor.Subscription;
import org.apache.kafka.clients.consumer.internals.ConsumerProtocol;
import org.apache.kafka.common.message.HeartbeatRequestData;
import org.apache.kafka.common.message.JoinGroupRequestData;
import org.apache.kafka.common.message.JoinGroupRequestData.JoinGroupRequestProtocol;
import org.apache.kafka.common.message.JoinGroupRequestData.JoinGroupRequestProtocolCollection;
import org.apache.kafka.common.message.JoinGroupResponseData;
import org.apache.kafka.common.message.JoinGroupResponseData.JoinGroupResponseMember;
import org.apache.kafka.common.message.SyncGroupRequestData;
import org.apache.kafka.common.message.SyncGroupRequestData.SyncGroupRequestAssignment;
import org.apache.kafka.common.message.SyncGroupResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.Test;

/**
 * The classic group protocol (JoinGroup / SyncGroup / Heartbeat / LeaveGroup and the group's checks of an
 * OffsetCommit) driven directly on {@link ClassicGroup}, with the clock and the timers in the test's hands.
 * Each test states one behaviour a Kafka consumer relies on.
 */
class ClassicGroupTest {
    private static final int SESSION_MS = 10_000;
    private static final int REBALANCE_MS = 30_000;
    private static final String HOST = "/127.0.0.1";

    private ManualGroupContext context = new ManualGroupContext(settings(0));
    private ClassicGroup group = new ClassicGroup("g", context);

    private static GroupSettings settings(int initialRebalanceDelayMs) {
        return new GroupSettings(1_000, 600_000, initialRebalanceDelayMs, 45_000, 5_000, 1024 * 1024, 1024 * 1024);
    }

    /** One consumer as the group sees it: what it sends and what it was last told. */
    private final class Client {
        final String clientId;
        final String instanceId;
        String memberId = "";
        int generation = -1;
        String protocolType = "consumer";
        List<String> protocols = List.of("range");
        byte[] metadata;
        int sessionTimeoutMs = SESSION_MS;
        int rebalanceTimeoutMs = REBALANCE_MS;
        CompletableFuture<JoinGroupResponseData> joining;

        Client(String clientId, String instanceId) {
            this.clientId = clientId;
            this.instanceId = instanceId;
            this.metadata = ("subscription of " + clientId).getBytes(UTF_8);
        }

        JoinGroupRequestData joinRequest() {
            JoinGroupRequestProtocolCollection collection = new JoinGroupRequestProtocolCollection();
            for (String name : protocols) {
                collection.add(new JoinGroupRequestProtocol().setName(name).setMetadata(metadata));
            }
            return new JoinGroupRequestData().setGroupId("g").setMemberId(memberId).setGroupInstanceId(instanceId)
                    .setProtocolType(protocolType).setProtocols(collection).setSessionTimeoutMs(sessionTimeoutMs)
                    .setRebalanceTimeoutMs(rebalanceTimeoutMs);
        }

        /** KIP-394's first round: a dynamic member without an id is given one and must come back with it. */
        Client obtainMemberId() {
            JoinGroupResponseData response = group.join(joinRequest(), clientId, HOST, true).join();
            assertEquals(Errors.MEMBER_ID_REQUIRED.code(), response.errorCode());
            memberId = response.memberId();
            return this;
        }

        CompletableFuture<JoinGroupResponseData> join() {
            joining = group.join(joinRequest(), clientId, HOST, true);
            joining.thenAccept(r -> {
                if (r.errorCode() == Errors.NONE.code()) {
                    memberId = r.memberId();
                    generation = r.generationId();
                }
            });
            return joining;
        }

        /** The answer to the last JoinGroup, which must have been given, without error. */
        JoinGroupResponseData joined() {
            context.runReady();
            assertTrue(joining.isDone(), clientId + "'s JoinGroup is answered");
            JoinGroupResponseData response = joining.join();
            assertEquals(Errors.NONE, Errors.forCode(response.errorCode()), clientId + "'s JoinGroup");
            return response;
        }

        CompletableFuture<SyncGroupResponseData> sync(Map<Client, byte[]> assignments) {
            List<SyncGroupRequestAssignment> list = new ArrayList<>();
            assignments.forEach((c, a) -> list.add(new SyncGroupRequestAssignment().setMemberId(c.memberId).setAssignment(a)));
            CompletableFuture<SyncGroupResponseData> response = group.sync(new SyncGroupRequestData().setGroupId("g")
                    .setMemberId(memberId).setGroupInstanceId(instanceId).setGenerationId(generation)
                    .setProtocolType(protocolType).setAssignments(list));
            context.runReady();
            return response;
        }

        CompletableFuture<SyncGroupResponseData> sync() {
            return sync(Map.of());
        }

        Errors heartbeat() {
            return Errors.forCode(group.heartbeat(new HeartbeatRequestData().setGroupId("g").setMemberId(memberId)
                    .setGroupInstanceId(instanceId).setGenerationId(generation)).errorCode());
        }

        Errors commit() {
            return group.validateCommit(memberId, instanceId, generation);
        }

        Errors leave() {
            return group.leave(memberId, instanceId);
        }
    }

    private Client dynamic(String clientId) {
        return new Client(clientId, null);
    }

    private Client staticMember(String instanceId) {
        return new Client(instanceId, instanceId);
    }

    private static byte[] assignmentOf(Client c) {
        return ("partitions of " + c.clientId).getBytes(UTF_8);
    }

    /** Brings {@code clients} (new ones given an id first) into one stable generation; the first one leads. */
    private void formStableGroup(Client... clients) {
        for (Client c : clients) {
            if (c.memberId.isEmpty() && c.instanceId == null) {
                c.obtainMemberId();
            }
        }
        for (Client c : clients) {
            c.join();
        }
        if (group.state == ClassicGroup.State.PREPARING_REBALANCE) {
            // A static member (no id round trip) joined after the others had completed a generation: they rejoin.
            for (Client c : clients) {
                if (c.joining.isDone()) {
                    c.join();
                }
            }
        }
        Client leader = null;
        for (Client c : clients) {
            if (c.joined().leader().equals(c.memberId)) {
                leader = c;
            }
        }
        assertEquals(ClassicGroup.State.COMPLETING_REBALANCE, group.state);
        Map<Client, byte[]> assignments = new LinkedHashMap<>();
        for (Client c : clients) {
            assignments.put(c, assignmentOf(c));
        }
        List<CompletableFuture<SyncGroupResponseData>> syncs = new ArrayList<>();
        for (Client c : clients) {
            syncs.add(c == leader ? c.sync(assignments) : c.sync());
        }
        for (int i = 0; i < clients.length; i++) {
            assertTrue(syncs.get(i).isDone());
            assertEquals(Errors.NONE.code(), syncs.get(i).join().errorCode());
            assertArrayEquals(assignmentOf(clients[i]), syncs.get(i).join().assignment());
        }
        assertEquals(ClassicGroup.State.STABLE, group.state);
    }

    /** Advances the clock by {@code ms} in steps of one second, the given clients heartbeating at each. */
    private void heartbeatFor(long ms, Client... alive) {
        for (long t = 0; t < ms; t += 1_000) {
            context.advance(Math.min(1_000, ms - t));
            for (Client c : alive) {
                c.heartbeat();
            }
        }
    }

    // ------------------------------------------------------------------ joining and generations

    @Test
    void aDynamicMemberWithoutAnIdIsGivenOneAndAskedToRejoinWithoutStartingARebalance() {
        JoinGroupResponseData response = group.join(dynamic("app").joinRequest(), "app", HOST, true).join();

        assertEquals(Errors.MEMBER_ID_REQUIRED.code(), response.errorCode());
        assertTrue(response.memberId().startsWith("app-"), response.memberId());
        assertEquals(ClassicGroup.State.EMPTY, group.state);
        assertEquals(0, group.generation);
        assertTrue(group.members.isEmpty());
    }

    @Test
    void anOldClientThatCannotRoundTripForAMemberIdJoinsAtOnce() {
        Client old = dynamic("old");
        JoinGroupResponseData response = group.join(old.joinRequest(), "old", HOST, false).join();

        assertEquals(Errors.NONE.code(), response.errorCode());
        assertTrue(response.memberId().startsWith("old-"));
        assertEquals(1, response.generationId());
    }

    @Test
    void theFirstMemberLeadsGenerationOneAndReceivesItsOwnSubscription() {
        Client a = dynamic("a").obtainMemberId();
        a.join();

        JoinGroupResponseData joined = a.joined();
        assertEquals(1, joined.generationId());
        assertEquals(a.memberId, joined.leader());
        assertEquals("range", joined.protocolName());
        assertEquals("consumer", joined.protocolType());
        assertEquals(1, joined.members().size());
        assertArrayEquals(a.metadata, joined.members().get(0).metadata());
        assertEquals(ClassicGroup.State.COMPLETING_REBALANCE, group.state);
    }

    @Test
    void theLeaderGetsEveryMembersMetadataAndFollowersGetNone() {
        Client a = dynamic("a").obtainMemberId();
        Client b = dynamic("b").obtainMemberId();
        a.join();
        assertFalse(a.joining.isDone(), "the join waits for the member that was given an id");
        b.join();

        JoinGroupResponseData leader = a.joined();
        JoinGroupResponseData follower = b.joined();
        assertEquals(a.memberId, leader.leader());
        assertEquals(a.memberId, follower.leader());
        assertEquals(leader.generationId(), follower.generationId());
        Map<String, byte[]> metadata = new LinkedHashMap<>();
        for (JoinGroupResponseMember m : leader.members()) {
            metadata.put(m.memberId(), m.metadata());
        }
        assertEquals(2, metadata.size());
        assertArrayEquals(a.metadata, metadata.get(a.memberId));
        assertArrayEquals(b.metadata, metadata.get(b.memberId));
        assertTrue(follower.members().isEmpty(), "only the leader runs the assignor");
    }

    @Test
    void followersWaitInSyncGroupUntilTheLeaderSendsTheAssignment() {
        Client a = dynamic("a").obtainMemberId();
        Client b = dynamic("b").obtainMemberId();
        a.join();
        b.join();
        a.joined();
        b.joined();

        CompletableFuture<SyncGroupResponseData> followerSync = b.sync();
        assertFalse(followerSync.isDone(), "no assignment before the leader's");
        assertEquals(Errors.NONE, b.heartbeat(), "a member between join and sync may heartbeat");

        CompletableFuture<SyncGroupResponseData> leaderSync = a.sync(Map.of(a, assignmentOf(a), b, assignmentOf(b)));

        assertEquals(ClassicGroup.State.STABLE, group.state);
        assertArrayEquals(assignmentOf(b), followerSync.join().assignment());
        assertArrayEquals(assignmentOf(a), leaderSync.join().assignment());
        assertEquals("range", followerSync.join().protocolName());
    }

    @Test
    void aMemberTheLeaderLeftOutOfItsAssignmentGetsAnEmptyOne() {
        Client a = dynamic("a").obtainMemberId();
        Client b = dynamic("b").obtainMemberId();
        a.join();
        b.join();
        a.joined();
        b.joined();
        CompletableFuture<SyncGroupResponseData> followerSync = b.sync();

        a.sync(Map.of(a, assignmentOf(a)));

        assertEquals(Errors.NONE.code(), followerSync.join().errorCode());
        assertEquals(0, followerSync.join().assignment().length);
    }

    @Test
    void aSyncGroupAfterTheGroupIsStableReturnsTheStoredAssignmentAtOnce() {
        Client a = dynamic("a");
        Client b = dynamic("b");
        formStableGroup(a, b);

        CompletableFuture<SyncGroupResponseData> again = b.sync();

        assertTrue(again.isDone());
        assertArrayEquals(assignmentOf(b), again.join().assignment());
    }

    @Test
    void theLeadersSyncIsAnsweredOnlyOnceTheGenerationIsStored() {
        Client a = dynamic("a").obtainMemberId();
        a.join();
        a.joined();
        context.holdWrites();

        CompletableFuture<SyncGroupResponseData> sync = a.sync(Map.of(a, assignmentOf(a)));
        assertFalse(sync.isDone(), "not before the write is durable");
        assertEquals(ClassicGroup.State.COMPLETING_REBALANCE, group.state);

        context.completeWrites();
        assertEquals(Errors.NONE.code(), sync.join().errorCode());
        assertEquals(ClassicGroup.State.STABLE, group.state);
        OffsetsRecords.StoredGroup stored = context.storedClassic("g");
        assertEquals(1, stored.generation());
        assertEquals(a.memberId, stored.leader());
        assertArrayEquals(assignmentOf(a), stored.members().get(0).assignment());
    }

    @Test
    void whenTheAssignmentCannotBeStoredTheWaitingMembersAreToldAndTheGroupRebalances() {
        Client a = dynamic("a").obtainMemberId();
        Client b = dynamic("b").obtainMemberId();
        a.join();
        b.join();
        a.joined();
        b.joined();
        CompletableFuture<SyncGroupResponseData> followerSync = b.sync();
        context.holdWrites();
        CompletableFuture<SyncGroupResponseData> leaderSync = a.sync(Map.of(a, assignmentOf(a), b, assignmentOf(b)));

        context.failWrites();

        assertEquals(Errors.COORDINATOR_NOT_AVAILABLE.code(), leaderSync.join().errorCode());
        assertEquals(Errors.COORDINATOR_NOT_AVAILABLE.code(), followerSync.join().errorCode());
        assertEquals(ClassicGroup.State.PREPARING_REBALANCE, group.state);
        assertNull(context.storedClassic("g"), "nothing was stored");
    }

    @Test
    void aNewMemberStartsARebalanceAndEveryCompletedOneIncrementsTheGeneration() {
        Client a = dynamic("a");
        formStableGroup(a);
        assertEquals(1, group.generation);

        Client b = dynamic("b").obtainMemberId();
        assertEquals(ClassicGroup.State.STABLE, group.state, "an id handed out is no reason to rebalance");
        b.join();
        assertEquals(ClassicGroup.State.PREPARING_REBALANCE, group.state);
        assertEquals(Errors.REBALANCE_IN_PROGRESS, a.heartbeat(), "tells the old member to rejoin");
        assertFalse(b.joining.isDone(), "waits for the old member");

        a.join();

        assertEquals(2, a.joined().generationId());
        assertEquals(2, b.joined().generationId());
        assertEquals(a.memberId, b.joined().leader(), "the leader stays the leader");
    }

    @Test
    void theLeaderRejoiningAStableGroupStartsARebalanceSoItCanReassign() {
        Client a = dynamic("a");
        Client b = dynamic("b");
        formStableGroup(a, b);

        a.join();

        assertEquals(ClassicGroup.State.PREPARING_REBALANCE, group.state);
        assertFalse(a.joining.isDone());
        b.join();
        assertEquals(2, a.joined().generationId());
    }

    @Test
    void aFollowerRejoiningAStableGroupWithTheSameProtocolsGetsTheCurrentGenerationWithoutARebalance() {
        Client a = dynamic("a");
        Client b = dynamic("b");
        formStableGroup(a, b);

        b.join();

        assertEquals(1, b.joined().generationId());
        assertEquals(ClassicGroup.State.STABLE, group.state);
    }

    @Test
    void aFollowerChangingItsSubscriptionStartsARebalance() {
        Client a = dynamic("a");
        Client b = dynamic("b");
        formStableGroup(a, b);

        b.metadata = "a new subscription".getBytes(UTF_8);
        b.join();

        assertEquals(ClassicGroup.State.PREPARING_REBALANCE, group.state);
        a.join();
        JoinGroupResponseData leader = a.joined();
        assertEquals(2, leader.generationId());
        assertTrue(leader.members().stream().anyMatch(m -> java.util.Arrays.equals(b.metadata, m.metadata())));
    }

    @Test
    void aMemberThatLostItsJoinResponseGetsTheSameAnswerAgain() {
        Client a = dynamic("a").obtainMemberId();
        Client b = dynamic("b").obtainMemberId();
        a.join();
        b.join();
        JoinGroupResponseData first = a.joined();

        a.join();

        JoinGroupResponseData again = a.joined();
        assertEquals(first.generationId(), again.generationId());
        assertEquals(first.members().size(), again.members().size());
        assertEquals(ClassicGroup.State.COMPLETING_REBALANCE, group.state);
    }

    @Test
    void theGroupPicksTheProtocolEveryMemberSupportsThatMostMembersPrefer() {
        Client a = dynamic("a");
        a.protocols = List.of("range", "roundrobin");
        Client b = dynamic("b");
        b.protocols = List.of("roundrobin", "range");
        Client c = dynamic("c");
        c.protocols = List.of("sticky", "roundrobin");
        formStableGroup(a, b, c);

        assertEquals("roundrobin", group.protocolName);
        assertEquals("roundrobin", a.joining.join().protocolName());
    }

    @Test
    void aMemberWithNoProtocolInCommonWithTheGroupIsRefused() {
        Client a = dynamic("a");
        formStableGroup(a);
        Client b = dynamic("b");
        b.protocols = List.of("roundrobin");

        JoinGroupResponseData response = group.join(b.joinRequest(), "b", HOST, true).join();

        assertEquals(Errors.INCONSISTENT_GROUP_PROTOCOL.code(), response.errorCode());
        assertEquals(ClassicGroup.State.STABLE, group.state);
    }

    @Test
    void aMemberOfAnotherProtocolTypeIsRefused() {
        Client a = dynamic("a");
        formStableGroup(a);
        Client connect = dynamic("connect");
        connect.protocolType = "connect";

        JoinGroupResponseData response = group.join(connect.joinRequest(), "connect", HOST, true).join();

        assertEquals(Errors.INCONSISTENT_GROUP_PROTOCOL.code(), response.errorCode());
    }

    @Test
    void aJoinWithoutProtocolTypeOrProtocolsIsRefusedEvenByAnEmptyGroup() {
        Client blank = dynamic("blank");
        blank.protocolType = "";
        assertEquals(Errors.INCONSISTENT_GROUP_PROTOCOL.code(),
                group.join(blank.joinRequest(), "blank", HOST, true).join().errorCode());
        Client none = dynamic("none");
        none.protocols = List.of();
        assertEquals(Errors.INCONSISTENT_GROUP_PROTOCOL.code(),
                group.join(none.joinRequest(), "none", HOST, true).join().errorCode());
    }

    @Test
    void aSyncGroupNamingAnotherProtocolIsRefused() {
        Client a = dynamic("a").obtainMemberId();
        a.join();
        a.joined();

        SyncGroupResponseData response = group.sync(new SyncGroupRequestData().setGroupId("g").setMemberId(a.memberId)
                .setGenerationId(a.generation).setProtocolType("consumer").setProtocolName("roundrobin")).join();

        assertEquals(Errors.INCONSISTENT_GROUP_PROTOCOL.code(), response.errorCode());
    }

    @Test
    void theInitialRebalanceDelayGathersMembersThatJoinAnEmptyGroupTogether() {
        context = new ManualGroupContext(settings(3_000));
        group = new ClassicGroup("g", context);
        Client a = dynamic("a").obtainMemberId();
        a.join();
        context.advance(2_000);
        assertFalse(a.joining.isDone(), "still gathering");
        Client b = dynamic("b").obtainMemberId();
        b.join();
        assertFalse(a.joining.isDone());

        context.advance(1_000);
        assertFalse(a.joining.isDone(), "b joined during the delay, so the group waits one more delay");
        context.advance(3_000);

        assertEquals(1, a.joined().generationId());
        assertEquals(1, b.joined().generationId());
        assertEquals(2, a.joined().members().size());
    }

    @Test
    void theInitialRebalanceDelayIsExtendedOnlyWithinTheRebalanceTimeout() {
        context = new ManualGroupContext(settings(3_000));
        group = new ClassicGroup("g", context);
        Client a = dynamic("a").obtainMemberId();
        a.rebalanceTimeoutMs = 5_000;
        a.join();
        for (int i = 0; i < 4; i++) {
            context.advance(1_000);
            Client late = dynamic("late-" + i).obtainMemberId();
            late.rebalanceTimeoutMs = 5_000;
            late.join();
        }
        assertFalse(a.joining.isDone(), "still gathering at 4 s");

        context.advance(1_000);

        assertEquals(1, a.joined().generationId(), "at 5 s, the rebalance timeout, the generation starts");
        assertEquals(5, a.joined().members().size());
    }

    @Test
    void theInitialRebalanceDelayEndsAtOnceWhenNobodyElseJoins() {
        context = new ManualGroupContext(settings(3_000));
        group = new ClassicGroup("g", context);
        Client a = dynamic("a").obtainMemberId();
        a.join();

        context.advance(2_999);
        assertFalse(a.joining.isDone());
        context.advance(1);

        assertEquals(1, a.joined().generationId());
    }

    // ------------------------------------------------------------------ errors of members the group does not know

    @Test
    void aMemberIdTheGroupDoesNotKnowIsUnknownEverywhere() {
        Client a = dynamic("a");
        formStableGroup(a);
        Client stranger = dynamic("stranger");
        stranger.memberId = "stranger-1";
        stranger.generation = a.generation;

        assertEquals(Errors.UNKNOWN_MEMBER_ID.code(), stranger.join().join().errorCode());
        assertEquals(Errors.UNKNOWN_MEMBER_ID.code(), stranger.sync().join().errorCode());
        assertEquals(Errors.UNKNOWN_MEMBER_ID, stranger.heartbeat());
        assertEquals(Errors.UNKNOWN_MEMBER_ID, stranger.commit());
        assertEquals(Errors.UNKNOWN_MEMBER_ID, stranger.leave());
        assertEquals(ClassicGroup.State.STABLE, group.state);
    }

    @Test
    void aMemberOnAnOlderGenerationIsToldItsGenerationIsIllegal() {
        Client a = dynamic("a");
        Client b = dynamic("b");
        formStableGroup(a, b);
        a.join();       // the leader rejoins: a rebalance
        b.join();
        a.joined();
        b.joined();
        a.sync(Map.of(a, assignmentOf(a), b, assignmentOf(b)));
        assertEquals(2, group.generation);
        b.generation = 1;

        assertEquals(Errors.ILLEGAL_GENERATION, b.heartbeat());
        assertEquals(Errors.ILLEGAL_GENERATION.code(), b.sync().join().errorCode());
        assertEquals(Errors.ILLEGAL_GENERATION, b.commit());
    }

    // ------------------------------------------------------------------ timeouts

    @Test
    void heartbeatsKeepAMemberLongPastItsSessionTimeout() {
        Client a = dynamic("a");
        formStableGroup(a);

        heartbeatFor(10 * SESSION_MS, a);

        assertEquals(Errors.NONE, a.heartbeat());
        assertEquals(ClassicGroup.State.STABLE, group.state);
        assertEquals(1, group.generation);
    }

    @Test
    void aMemberSilentForItsSessionTimeoutIsRemovedAndTheOthersRebalance() {
        Client a = dynamic("a");
        Client b = dynamic("b");
        formStableGroup(a, b);

        heartbeatFor(SESSION_MS - 1_000, a);
        assertTrue(group.members.containsKey(b.memberId), "not before its session timeout");
        heartbeatFor(1_000, a);

        assertFalse(group.members.containsKey(b.memberId));
        assertEquals(ClassicGroup.State.PREPARING_REBALANCE, group.state);
        assertEquals(Errors.UNKNOWN_MEMBER_ID, b.heartbeat());
        a.join();
        JoinGroupResponseData rejoined = a.joined();
        assertEquals(2, rejoined.generationId());
        assertEquals(1, rejoined.members().size());
    }

    @Test
    void whenTheLeaderDiesAnotherMemberLeadsTheNextGeneration() {
        Client a = dynamic("a");
        Client b = dynamic("b");
        formStableGroup(a, b);

        heartbeatFor(SESSION_MS, b);
        b.join();

        assertEquals(b.memberId, b.joined().leader());
        assertEquals(1, b.joined().members().size(), "the new leader gets the member list");
    }

    @Test
    void aMemberThatDoesNotRejoinWithinTheRebalanceTimeoutIsDroppedFromTheNextGeneration() {
        Client a = dynamic("a");
        Client b = dynamic("b");
        formStableGroup(a, b);
        Client c = dynamic("c").obtainMemberId();
        c.join();
        a.join();

        heartbeatFor(REBALANCE_MS - 1_000, b);
        assertFalse(a.joining.isDone(), "the group waits for b until the rebalance timeout");
        heartbeatFor(1_000, b);

        assertEquals(2, a.joined().generationId());
        assertEquals(2, a.joined().members().size());
        assertFalse(group.members.containsKey(b.memberId));
        assertEquals(Errors.UNKNOWN_MEMBER_ID, b.heartbeat());
    }

    @Test
    void aPendingMemberHoldsTheJoinUntilItsSessionTimeoutPasses() {
        Client a = dynamic("a");
        formStableGroup(a);
        dynamic("b").obtainMemberId();          // never comes back
        Client c = dynamic("c").obtainMemberId();
        c.join();
        a.join();
        assertFalse(a.joining.isDone(), "b was promised a place");

        context.advance(SESSION_MS);

        assertEquals(2, a.joined().members().size());
        assertEquals(2, group.members.size());
    }

    @Test
    void aMemberThatNeverSendsSyncGroupIsRemovedAfterItsSessionTimeout() {
        Client a = dynamic("a").obtainMemberId();
        Client b = dynamic("b").obtainMemberId();
        a.join();
        b.join();
        a.joined();
        b.joined();
        CompletableFuture<SyncGroupResponseData> leaderSync = a.sync(Map.of(a, assignmentOf(a), b, assignmentOf(b)));
        assertTrue(leaderSync.isDone());

        heartbeatFor(SESSION_MS, a);

        assertFalse(group.members.containsKey(b.memberId));
        assertEquals(ClassicGroup.State.PREPARING_REBALANCE, group.state);
    }

    // ------------------------------------------------------------------ leaving

    @Test
    void aMemberThatLeavesIsRemovedAndTheOthersRebalanceWithoutIt() {
        Client a = dynamic("a");
        Client b = dynamic("b");
        formStableGroup(a, b);

        assertEquals(Errors.NONE, a.leave());

        assertEquals(ClassicGroup.State.PREPARING_REBALANCE, group.state);
        assertEquals(Errors.REBALANCE_IN_PROGRESS, b.heartbeat());
        b.join();
        assertEquals(b.memberId, b.joined().leader(), "the leader left; the next member leads");
        assertEquals(2, b.joined().generationId());
    }

    @Test
    void whenTheLastMemberLeavesTheGroupIsEmptyAtANewGeneration() {
        Client a = dynamic("a");
        formStableGroup(a);

        assertEquals(Errors.NONE, a.leave());

        assertEquals(ClassicGroup.State.EMPTY, group.state);
        assertEquals(2, group.generation);
        assertNull(group.protocolName);
        assertNull(group.leaderId);
        assertEquals(2, context.storedClassic("g").generation());
        assertTrue(context.storedClassic("g").members().isEmpty());
        assertEquals(Errors.NONE, group.validateCommit("", null, -1), "offsets of an empty group may be stored from outside");
    }

    @Test
    void aMemberLeavingWhileOthersWaitInSyncSendsThemBackToRejoin() {
        Client a = dynamic("a").obtainMemberId();
        Client b = dynamic("b").obtainMemberId();
        a.join();
        b.join();
        a.joined();
        b.joined();
        CompletableFuture<SyncGroupResponseData> followerSync = b.sync();

        a.leave();

        assertEquals(Errors.REBALANCE_IN_PROGRESS.code(), followerSync.join().errorCode());
    }

    @Test
    void aPendingMemberMayLeaveAndNoLongerHoldsTheJoin() {
        Client a = dynamic("a");
        formStableGroup(a);
        Client b = dynamic("b").obtainMemberId();
        Client c = dynamic("c").obtainMemberId();
        c.join();
        a.join();
        assertFalse(a.joining.isDone());

        assertEquals(Errors.NONE, b.leave());

        assertEquals(2, a.joined().members().size());
    }

    // ------------------------------------------------------------------ offset commits

    @Test
    void aMemberCommitsWithItsGenerationButNotWhileTheGroupWaitsForTheAssignment() {
        Client a = dynamic("a").obtainMemberId();
        a.join();
        a.joined();
        assertEquals(Errors.REBALANCE_IN_PROGRESS, a.commit(), "its partitions are not known yet");

        a.sync(Map.of(a, assignmentOf(a)));
        assertEquals(Errors.NONE, a.commit());

        Client b = dynamic("b").obtainMemberId();
        b.join();
        assertEquals(ClassicGroup.State.PREPARING_REBALANCE, group.state);
        assertEquals(Errors.NONE, a.commit(), "while preparing, a member may still commit what it consumed");
        a.generation = 0;
        assertEquals(Errors.ILLEGAL_GENERATION, a.commit());
    }

    @Test
    void outsideTheGroupOffsetsMayOnlyBeCommittedWhileNobodyConsumes() {
        assertEquals(Errors.NONE, group.validateCommit("", null, -1));
        Client a = dynamic("a");
        formStableGroup(a);

        assertEquals(Errors.UNKNOWN_MEMBER_ID, group.validateCommit("", null, -1));
        assertEquals(Errors.UNKNOWN_MEMBER_ID, group.validateCommit(null, null, -1));
    }

    @Test
    void aCommitCountsAsAHeartbeat() {
        Client a = dynamic("a");
        formStableGroup(a);

        for (int i = 0; i < 5; i++) {
            context.advance(SESSION_MS / 2);
            assertEquals(Errors.NONE, a.commit());
        }

        assertTrue(group.members.containsKey(a.memberId));
    }

    // ------------------------------------------------------------------ static membership (KIP-345)

    @Test
    void aNewStaticMemberJoinsWithoutBeingAskedForAMemberIdRoundTrip() {
        Client s = staticMember("host-1");

        s.join();

        assertEquals(1, s.joined().generationId());
        assertTrue(s.memberId.startsWith("host-1-"));
        assertEquals("host-1", s.joined().members().get(0).groupInstanceId());
    }

    @Test
    void aStaticMemberRestartingWithinItsSessionKeepsTheGenerationAndItsAssignment() {
        Client a = dynamic("a");
        Client s = staticMember("host-1");
        formStableGroup(a, s);
        String oldId = s.memberId;
        int generation = group.generation;

        Client restarted = staticMember("host-1");
        restarted.join();

        JoinGroupResponseData joined = restarted.joined();
        assertNotEquals(oldId, restarted.memberId, "a new incarnation gets a new member id");
        assertEquals(generation, joined.generationId(), "no rebalance");
        assertEquals(ClassicGroup.State.STABLE, group.state);
        assertEquals(a.memberId, joined.leader());
        assertArrayEquals(assignmentOf(s), restarted.sync().join().assignment(), "its partitions are still its own");
        assertEquals(Errors.NONE, a.heartbeat());
        assertEquals(restarted.memberId, context.storedClassic("g").members().stream()
                .filter(m -> "host-1".equals(m.instanceId())).findFirst().orElseThrow().memberId(), "the new id is stored");
    }

    @Test
    void theOldIncarnationOfARestartedStaticMemberIsFenced() {
        Client a = dynamic("a");
        Client s = staticMember("host-1");
        formStableGroup(a, s);
        staticMember("host-1").join();

        assertEquals(Errors.FENCED_INSTANCE_ID, s.heartbeat());
        assertEquals(Errors.FENCED_INSTANCE_ID.code(), s.sync().join().errorCode());
        assertEquals(Errors.FENCED_INSTANCE_ID, s.commit());
        assertEquals(Errors.FENCED_INSTANCE_ID, s.leave());
        assertEquals(Errors.FENCED_INSTANCE_ID.code(), s.join().join().errorCode());
    }

    @Test
    void aStaticLeaderRestartingIsToldItLeadsButNeedNotAssignAgain() {
        Client s = staticMember("host-1");
        Client b = dynamic("b");
        formStableGroup(s, b);

        Client restarted = staticMember("host-1");
        restarted.join();

        JoinGroupResponseData joined = restarted.joined();
        assertEquals(restarted.memberId, joined.leader());
        assertTrue(joined.skipAssignment(), "KIP-814: the current assignment stands");
        assertEquals(2, joined.members().size());
        assertEquals(group.generation, joined.generationId());
    }

    @Test
    void aStaticMemberRestartingWithAProtocolThatChangesTheGroupsChoiceStartsARebalance() {
        Client s = staticMember("host-1");
        s.protocols = List.of("range", "roundrobin");
        formStableGroup(s);
        assertEquals("range", group.protocolName);
        int generation = group.generation;

        Client restarted = staticMember("host-1");
        restarted.protocols = List.of("roundrobin", "range");
        restarted.join();

        assertEquals(generation + 1, restarted.joined().generationId());
        assertEquals("roundrobin", restarted.joined().protocolName());
    }

    @Test
    void aStaticMemberMayBeRemovedByItsInstanceIdAlone() {
        Client a = dynamic("a");
        Client s = staticMember("host-1");
        formStableGroup(a, s);

        assertEquals(Errors.NONE, group.leave("", "host-1"));

        assertFalse(group.members.containsKey(s.memberId));
        assertEquals(ClassicGroup.State.PREPARING_REBALANCE, group.state);
        assertEquals(Errors.UNKNOWN_MEMBER_ID, group.leave("", "host-1"));
    }

    @Test
    void aStaticMemberSilentForItsSessionTimeoutIsRemovedAndTheOthersRebalance() {
        Client a = dynamic("a");
        Client s = staticMember("host-1");
        formStableGroup(a, s);
        int generation = group.generation;

        heartbeatFor(SESSION_MS, a);

        assertFalse(group.members.containsKey(s.memberId));
        assertEquals(ClassicGroup.State.PREPARING_REBALANCE, group.state);
        Client back = staticMember("host-1");
        back.join();
        a.join();
        assertEquals(generation + 1, back.joined().generationId(), "back too late: it joins as a new member");
    }

    @Test
    void aStaticMemberThatMissesARebalanceKeepsItsPlaceInTheNextGeneration() {
        Client a = dynamic("a");
        Client s = staticMember("host-1");
        s.sessionTimeoutMs = 60_000;
        formStableGroup(a, s);
        String staticId = s.memberId;
        int generation = group.generation;

        a.join();                                     // the leader rejoins; host-1 is away
        heartbeatFor(REBALANCE_MS, a);

        JoinGroupResponseData leader = a.joined();
        assertEquals(generation + 1, leader.generationId());
        assertTrue(leader.members().stream().anyMatch(m -> "host-1".equals(m.groupInstanceId())),
                "the leader assigns to the absent static member too");
        assertTrue(group.members.containsKey(staticId));
        a.sync(Map.of(a, assignmentOf(a), s, assignmentOf(s)));
        assertEquals(ClassicGroup.State.STABLE, group.state);

        Client back = staticMember("host-1");
        back.join();
        assertEquals(generation + 1, back.joined().generationId(), "its return costs no rebalance");
        assertArrayEquals(assignmentOf(s), back.sync().join().assignment());
    }

    @Test
    void whenOnlyAbsentStaticMembersRemainTheJoinWaitsForOneOfThemToLead() {
        Client d = dynamic("d");
        Client s = staticMember("host-1");
        s.sessionTimeoutMs = 60_000;
        formStableGroup(d, s);
        int generation = group.generation;
        d.leave();

        context.advance(REBALANCE_MS + 10_000);
        assertEquals(ClassicGroup.State.PREPARING_REBALANCE, group.state, "nobody is there to lead");
        assertEquals(generation, group.generation);
        Client back = staticMember("host-1");
        back.join();

        JoinGroupResponseData joined = back.joined();
        assertEquals(generation + 1, joined.generationId());
        assertEquals(back.memberId, joined.leader());
    }

    @Test
    void anAbsentStaticMemberMustStillSyncWithinTheRebalanceTimeoutOfTheGenerationItMissed() {
        Client a = dynamic("a");
        Client s = staticMember("host-1");
        s.sessionTimeoutMs = 120_000;
        formStableGroup(a, s);
        a.join();
        heartbeatFor(REBALANCE_MS, a);
        a.sync(Map.of(a, assignmentOf(a), s, assignmentOf(s)));
        assertTrue(group.members.containsKey(s.memberId));

        heartbeatFor(REBALANCE_MS, a);

        assertFalse(group.members.containsKey(s.memberId), "not back in time: out, so its partitions move");
        assertEquals(ClassicGroup.State.PREPARING_REBALANCE, group.state);
    }

    @Test
    void aLeaderThatNeverSendsSyncGroupIsRemovedAfterTheRebalanceTimeout() {
        Client a = dynamic("a").obtainMemberId();
        Client b = dynamic("b").obtainMemberId();
        a.join();
        b.join();
        a.joined();
        b.joined();
        CompletableFuture<SyncGroupResponseData> followerSync = b.sync();

        heartbeatFor(REBALANCE_MS - 1_000, a);
        assertFalse(followerSync.isDone(), "the leader has its rebalance timeout to assign");
        heartbeatFor(1_000, a);

        assertFalse(group.members.containsKey(a.memberId), "heartbeats alone do not keep a leader that never assigns");
        assertEquals(Errors.REBALANCE_IN_PROGRESS.code(), followerSync.join().errorCode());
        b.join();
        assertEquals(b.memberId, b.joined().leader());
    }

    @Test
    void aStaticMembersRestartIsAnsweredOnlyOnceItsNewMemberIdIsStored() {
        Client a = dynamic("a");
        Client s = staticMember("host-1");
        formStableGroup(a, s);
        context.holdWrites();

        Client restarted = staticMember("host-1");
        restarted.join();
        context.runReady();
        assertFalse(restarted.joining.isDone());

        context.completeWrites();
        assertEquals(group.generation, restarted.joined().generationId());
    }

    @Test
    void aStoredStableGroupIsRestoredWithItsMembersAndAssignments() {
        Client a = dynamic("a");
        Client s = staticMember("host-1");
        formStableGroup(a, s);

        ClassicGroup restored = new ClassicGroup("g", context);
        restored.restore(context.storedClassic("g"));
        restored.startTimers();

        assertEquals(ClassicGroup.State.STABLE, restored.state);
        assertEquals(group.generation, restored.generation);
        assertEquals(a.memberId, restored.leaderId);
        assertEquals("range", restored.protocolName);
        assertArrayEquals(assignmentOf(s), restored.members.get(s.memberId).assignment);
        assertEquals(Errors.FENCED_INSTANCE_ID, restored.validateMember("other", "host-1"));
    }

    @Test
    void aConsumerGroupIsSubscribedToTheTopicsInItsMembersSubscriptions() {
        Client a = dynamic("a");
        ByteBuffer subscription = ConsumerProtocol.serializeSubscription(new Subscription(List.of("orders", "payments")));
        a.metadata = new byte[subscription.remaining()];
        subscription.get(a.metadata);
        formStableGroup(a);

        assertTrue(group.subscribedTo("orders"));
        assertFalse(group.subscribedTo("audit"));
    }
}
