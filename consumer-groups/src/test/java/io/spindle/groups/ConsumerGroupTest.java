package io.spindle.groups;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spindle.config.GroupSettings;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.ConsumerGroupHeartbeatRequestData;
import org.apache.kafka.common.message.ConsumerGroupHeartbeatResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The consumer group protocol (KIP-848, ConsumerGroupHeartbeat) driven directly on {@link ConsumerGroup}: member
 * and group epochs, the server's target assignment, revocation before reassignment, leaving, static members,
 * fencing and timeouts. The clock and the timers are the test's ({@link ManualGroupContext}).
 */
class ConsumerGroupTest {
    private static final int SESSION_MS = 45_000;
    private static final int HEARTBEAT_MS = 5_000;
    private static final GroupSettings SETTINGS =
            new GroupSettings(6_000, 1_800_000, 0, SESSION_MS, HEARTBEAT_MS, 1024 * 1024, 1024 * 1024);

    private final ManualGroupContext context = new ManualGroupContext(SETTINGS);
    private final ConsumerGroup group = new ConsumerGroup("g", context);
    private final List<Consumer> consumers = new ArrayList<>();

    @BeforeEach
    void topics() {
        context.createTopic("orders", 6);
        context.createTopic("payments", 2);
    }

    /**
     * One KIP-848 consumer as the coordinator sees it. It follows the protocol: it takes what the last assignment
     * gave it, gives up at once what the assignment no longer holds, and reports what it owns on every heartbeat.
     */
    private final class Consumer {
        String memberId = Uuid.randomUuid().toString();
        final String instanceId;
        int epoch;
        Map<String, Set<Integer>> owned = new TreeMap<>();
        List<String> topics = List.of("orders");
        String regex;
        String assignor;
        int rebalanceTimeoutMs = 60_000;
        /** A consumer stuck in its revocation callback keeps its partitions and says so. */
        boolean releases = true;
        ConsumerGroupHeartbeatResponseData last;

        Consumer(String instanceId) {
            this.instanceId = instanceId;
            consumers.add(this);
        }

        ConsumerGroupHeartbeatRequestData request() {
            List<ConsumerGroupHeartbeatRequestData.TopicPartitions> wire = new ArrayList<>();
            owned.forEach((topic, partitions) -> wire.add(new ConsumerGroupHeartbeatRequestData.TopicPartitions()
                    .setTopicId(context.topicId(topic)).setPartitions(new ArrayList<>(partitions))));
            return new ConsumerGroupHeartbeatRequestData().setGroupId("g").setMemberId(memberId).setMemberEpoch(epoch)
                    .setInstanceId(instanceId).setRebalanceTimeoutMs(rebalanceTimeoutMs)
                    .setSubscribedTopicNames(regex == null ? topics : null).setSubscribedTopicRegex(regex)
                    .setServerAssignor(assignor).setTopicPartitions(wire);
        }

        ConsumerGroupHeartbeatResponseData heartbeat() {
            return send(request());
        }

        ConsumerGroupHeartbeatResponseData send(ConsumerGroupHeartbeatRequestData request) {
            last = group.heartbeat(request, "consumer-" + consumers.indexOf(this), "/127.0.0.1");
            if (last.errorCode() == Errors.FENCED_MEMBER_EPOCH.code() || last.errorCode() == Errors.UNKNOWN_MEMBER_ID.code()) {
                // What a fenced or forgotten consumer does: it gives up everything and rejoins with epoch 0.
                owned = new TreeMap<>();
                epoch = 0;
            }
            if (last.errorCode() == Errors.NONE.code() && request.memberEpoch() >= 0) {
                memberId = last.memberId();
                epoch = last.memberEpoch();
                if (last.assignment() != null) {
                    Map<String, Set<Integer>> assigned = fromWire(last.assignment());
                    if (releases) {
                        owned = assigned;
                    } else {
                        assigned.forEach((t, p) -> owned.computeIfAbsent(t, x -> new TreeSet<>()).addAll(p));
                    }
                }
            }
            assertNoPartitionOwnedTwice();
            return last;
        }

        ConsumerGroupHeartbeatResponseData leave(int leaveEpoch) {
            ConsumerGroupHeartbeatResponseData response = send(request().setMemberEpoch(leaveEpoch));
            if (response.errorCode() == Errors.NONE.code()) {
                owned = new TreeMap<>();
                epoch = 0;
                consumers.remove(this);
            }
            return response;
        }

        Errors error() {
            return Errors.forCode(last.errorCode());
        }

        int ownedCount() {
            return owned.values().stream().mapToInt(Set::size).sum();
        }
    }

    private Map<String, Set<Integer>> fromWire(ConsumerGroupHeartbeatResponseData.Assignment assignment) {
        Map<String, Set<Integer>> result = new TreeMap<>();
        for (ConsumerGroupHeartbeatResponseData.TopicPartitions tp : assignment.topicPartitions()) {
            String name = context.topics().topicName(tp.topicId()).orElseThrow();
            result.computeIfAbsent(name, n -> new TreeSet<>()).addAll(tp.partitions());
        }
        return result;
    }

    /**
     * The protocol's promise: neither the coordinator's books nor the consumers it counts as members ever have a
     * partition twice. (A consumer the coordinator already removed may still believe in its partitions until its
     * next heartbeat tells it otherwise; Kafka bounds that with the client's own session and poll timers.)
     */
    private void assertNoPartitionOwnedTwice() {
        Map<String, String> coordinatorOwner = new HashMap<>();
        for (ConsumerGroup.Member m : group.members.values()) {
            for (Map<String, Set<Integer>> held : List.of(m.assigned, m.revoking)) {
                held.forEach((topic, partitions) -> partitions.forEach(p -> {
                    String before = coordinatorOwner.put(topic + "-" + p, m.memberId);
                    assertTrue(before == null || before.equals(m.memberId),
                            topic + "-" + p + " held by " + before + " and " + m.memberId);
                }));
            }
        }
        Map<String, Consumer> consumerOwner = new HashMap<>();
        for (Consumer c : consumers) {
            ConsumerGroup.Member member = group.members.get(c.memberId);
            if (member == null || member.leftStatic) {
                continue;
            }
            c.owned.forEach((topic, partitions) -> partitions.forEach(p -> {
                Consumer before = consumerOwner.put(topic + "-" + p, c);
                assertTrue(before == null, topic + "-" + p + " consumed by two consumers at once");
            }));
        }
    }

    /** Heartbeats every consumer, in turn, until a full round changes nothing. */
    private void settle() {
        for (int round = 0; round < 20; round++) {
            boolean changed = false;
            for (Consumer c : new ArrayList<>(consumers)) {
                int epochBefore = c.epoch;
                Map<String, Set<Integer>> before = new TreeMap<>(c.owned);
                c.heartbeat();
                assertEquals(Errors.NONE, c.error(), c.last.errorMessage());
                changed |= epochBefore != c.epoch || !before.equals(c.owned);
            }
            if (!changed && "Stable".equals(group.stateName())) {
                return;
            }
        }
        throw new AssertionError("the group did not settle: " + group.stateName());
    }

    /** Advances the clock by {@code ms} in heartbeat intervals, the given consumers heartbeating at each. */
    private void heartbeatFor(long ms, Consumer... alive) {
        for (long t = 0; t < ms; t += 1_000) {
            context.advance(Math.min(1_000, ms - t));
            for (Consumer c : alive) {
                c.heartbeat();
            }
        }
    }

    private static Map<String, Set<Integer>> partitions(String topic, Integer... partitions) {
        return new TreeMap<>(Map.of(topic, new TreeSet<>(List.of(partitions))));
    }

    // ------------------------------------------------------------------ joining and epochs

    @Test
    void theFirstMemberJoinsAtEpochOneWithEveryPartitionOfItsTopics() {
        Consumer a = new Consumer(null);
        a.topics = List.of("orders", "payments");
        String sentId = a.memberId;

        ConsumerGroupHeartbeatResponseData response = a.heartbeat();

        assertEquals(Errors.NONE, a.error());
        assertEquals(sentId, response.memberId(), "the member id the client chose (KIP-1082)");
        assertEquals(1, response.memberEpoch());
        assertEquals(HEARTBEAT_MS, response.heartbeatIntervalMs());
        assertEquals(Map.of("orders", Set.of(0, 1, 2, 3, 4, 5), "payments", Set.of(0, 1)), a.owned);
        assertEquals(1, group.groupEpoch);
        assertEquals(1, group.assignmentEpoch);
        assertEquals("Stable", group.stateName());
    }

    @Test
    void aJoiningMemberWithoutAnIdIsGivenOne() {
        Consumer a = new Consumer(null);
        a.memberId = "";

        a.heartbeat();

        assertEquals(Errors.NONE, a.error());
        assertFalse(a.memberId.isEmpty());
    }

    @Test
    void aHeartbeatThatChangesNothingSendsNoAssignmentAndKeepsTheEpoch() {
        Consumer a = new Consumer(null);
        a.heartbeat();
        int writes = context.consumerWrites();

        ConsumerGroupHeartbeatResponseData again = a.heartbeat();

        assertNull(again.assignment(), "the assignment is only sent when it changes");
        assertEquals(1, again.memberEpoch());
        assertEquals(writes, context.consumerWrites(), "nothing new to store");
    }

    @Test
    void aSecondMemberGetsPartitionsOnlyOnceTheFirstHasReleasedThem() {
        Consumer a = new Consumer(null);
        a.heartbeat();
        Consumer b = new Consumer(null);

        b.heartbeat();
        assertEquals(2, group.groupEpoch, "a member joining bumps the group epoch");
        assertEquals(2, b.epoch);
        assertEquals(0, b.ownedCount(), "a still holds everything");
        assertEquals("Reconciling", group.stateName());

        a.heartbeat();
        assertEquals(1, a.epoch, "a stays at its epoch until it has revoked");
        assertEquals(3, a.ownedCount());
        assertEquals(3, group.members.get(a.memberId).revoking.values().stream().mapToInt(Set::size).sum());
        b.heartbeat();
        assertEquals(0, b.ownedCount(), "not before a says it let go");

        a.heartbeat();
        assertEquals(2, a.epoch, "having revoked, a moves to the new epoch");
        b.heartbeat();
        assertEquals(3, b.ownedCount());
        assertEquals("Stable", group.stateName());
    }

    @Test
    void noPartitionIsEverOwnedTwiceWhileMembersComeAndGo() {
        Random random = new Random(848);
        List<Consumer> all = new ArrayList<>();
        List<String> away = new ArrayList<>();
        for (int step = 0; step < 400; step++) {
            int action = random.nextInt(11);
            if (action == 10 && !away.isEmpty()) {
                Consumer restarted = new Consumer(away.remove(random.nextInt(away.size())));
                all.add(restarted);
                restarted.heartbeat();
            } else if (action == 0 || consumers.isEmpty()) {
                Consumer c = new Consumer(random.nextBoolean() ? "instance-" + step : null);
                c.topics = random.nextBoolean() ? List.of("orders") : List.of("orders", "payments");
                all.add(c);
                c.heartbeat();
            } else if (action == 1) {
                Consumer c = consumers.get(random.nextInt(consumers.size()));
                boolean staticLeave = c.instanceId != null && random.nextBoolean();
                c.leave(staticLeave ? ConsumerGroup.STATIC_LEAVE_EPOCH : ConsumerGroup.LEAVE_EPOCH);
                if (staticLeave) {
                    away.add(c.instanceId);
                }
            } else if (action == 2) {
                Consumer c = consumers.get(random.nextInt(consumers.size()));
                c.topics = c.topics.size() == 1 ? List.of("orders", "payments") : List.of("payments");
                c.heartbeat();
            } else if (action == 3) {
                context.advance(random.nextInt(3_000));
            } else {
                consumers.get(random.nextInt(consumers.size())).heartbeat();
            }
        }
        heartbeatFor(SESSION_MS, consumers.toArray(new Consumer[0]));    // static members still away expire
        settle();

        Map<String, Integer> owners = new TreeMap<>();
        for (Consumer c : consumers) {
            c.owned.forEach((t, ps) -> ps.forEach(p -> owners.merge(t + "-" + p, 1, Integer::sum)));
        }
        Set<String> subscribed = new TreeSet<>();
        consumers.forEach(c -> subscribed.addAll(c.topics));
        int expected = (subscribed.contains("orders") ? 6 : 0) + (subscribed.contains("payments") ? 2 : 0);
        assertEquals(expected, owners.size(), "every subscribed partition has an owner: " + owners);
        assertTrue(owners.values().stream().allMatch(n -> n == 1));
        assertTrue(all.size() > 10, "the walk exercised joins: " + all.size());
        assertTrue(all.stream().anyMatch(c -> c.instanceId != null && c.last.errorCode() == 0
                && all.stream().filter(o -> c.instanceId.equals(o.instanceId)).count() > 1), "and static restarts");
    }

    @Test
    void aMemberThatLostTheResponseToItsEpochBumpMayStillHeartbeatWithThePreviousEpoch() {
        Consumer a = new Consumer(null);
        a.heartbeat();
        Consumer b = new Consumer(null);
        b.heartbeat();
        a.heartbeat();          // told to revoke
        a.heartbeat();          // revoked: moves to epoch 2
        assertEquals(2, a.epoch);

        ConsumerGroupHeartbeatRequestData retried = a.request().setMemberEpoch(1);
        ConsumerGroupHeartbeatResponseData response = group.heartbeat(retried, "a", "/127.0.0.1");

        assertEquals(Errors.NONE.code(), response.errorCode(), response.errorMessage());
        assertEquals(2, response.memberEpoch());
    }

    // ------------------------------------------------------------------ fencing

    @Test
    void aMemberAheadOfItsEpochOrBehindByMoreThanOneIsFenced() {
        Consumer a = new Consumer(null);
        a.heartbeat();
        Consumer b = new Consumer(null);
        b.heartbeat();
        assertEquals(2, b.epoch);

        b.send(b.request().setMemberEpoch(3));
        assertEquals(Errors.FENCED_MEMBER_EPOCH, b.error());
        b.send(b.request().setMemberEpoch(1));
        assertEquals(Errors.FENCED_MEMBER_EPOCH, b.error(), "1 is not b's previous epoch");
    }

    @Test
    void aMemberClaimingPartitionsItWasNotGivenAtItsPreviousEpochIsFenced() {
        Consumer a = new Consumer(null);
        a.heartbeat();
        Consumer b = new Consumer(null);
        b.heartbeat();
        a.heartbeat();
        a.heartbeat();
        assertEquals(2, a.epoch);

        ConsumerGroupHeartbeatRequestData claim = a.request().setMemberEpoch(1).setTopicPartitions(List.of(
                new ConsumerGroupHeartbeatRequestData.TopicPartitions().setTopicId(context.topicId("orders"))
                        .setPartitions(List.of(0, 1, 2, 3, 4, 5))));

        assertEquals(Errors.FENCED_MEMBER_EPOCH.code(), group.heartbeat(claim, "a", "/127.0.0.1").errorCode());
    }

    @Test
    void aFencedMemberRejoinsWithEpochZeroAndGetsItsPartitionsAgain() {
        Consumer a = new Consumer(null);
        a.heartbeat();
        a.send(a.request().setMemberEpoch(7));
        assertEquals(Errors.FENCED_MEMBER_EPOCH, a.error());
        a.owned = new TreeMap<>();      // what a fenced consumer does: it gives up everything
        a.epoch = 0;

        a.heartbeat();

        assertEquals(Errors.NONE, a.error());
        assertEquals(6, a.ownedCount());
        assertEquals(group.assignmentEpoch, a.epoch);
    }

    @Test
    void aHeartbeatFromAMemberTheGroupDoesNotKnowIsUnknownMemberId() {
        Consumer a = new Consumer(null);
        a.heartbeat();
        Consumer stranger = new Consumer(null);
        stranger.epoch = 1;

        stranger.heartbeat();

        assertEquals(Errors.UNKNOWN_MEMBER_ID, stranger.error());
        assertEquals(1, group.members.size());
    }

    // ------------------------------------------------------------------ leaving

    @Test
    void aMemberLeavingWithEpochMinusOneHandsItsPartitionsToTheOthers() {
        Consumer a = new Consumer(null);
        Consumer b = new Consumer(null);
        settle();
        int epoch = group.groupEpoch;

        ConsumerGroupHeartbeatResponseData response = a.leave(ConsumerGroup.LEAVE_EPOCH);

        assertEquals(Errors.NONE.code(), response.errorCode());
        assertEquals(-1, response.memberEpoch());
        assertFalse(group.members.containsKey(a.memberId));
        assertEquals(epoch + 1, group.groupEpoch, "leaving bumps the group epoch");
        b.heartbeat();
        assertEquals(6, b.ownedCount());
        assertEquals(epoch + 1, b.epoch);
    }

    @Test
    void theLastMemberLeavingEmptiesTheGroup() {
        Consumer a = new Consumer(null);
        a.heartbeat();

        a.leave(ConsumerGroup.LEAVE_EPOCH);

        assertTrue(group.isEmpty());
        assertEquals("Empty", group.stateName());
        assertEquals(Errors.NONE, group.validateMemberEpoch("", -1, true), "an empty group takes offsets from outside");
    }

    @Test
    void aStaticMemberLeavingWithEpochMinusTwoKeepsItsPartitionsForItsNextIncarnation() {
        Consumer s = new Consumer("host-1");
        Consumer b = new Consumer(null);
        settle();
        Map<String, Set<Integer>> held = new TreeMap<>(s.owned);
        int epoch = group.groupEpoch;

        ConsumerGroupHeartbeatResponseData response = s.leave(ConsumerGroup.STATIC_LEAVE_EPOCH);
        assertEquals(-2, response.memberEpoch());
        assertEquals(epoch, group.groupEpoch, "no rebalance for a static member that will be back");
        heartbeatFor(10_000, b);
        assertEquals(3, b.ownedCount(), "its partitions wait for it");

        Consumer restarted = new Consumer("host-1");
        restarted.heartbeat();

        assertEquals(Errors.NONE, restarted.error(), restarted.last.errorMessage());
        assertEquals(held, restarted.owned);
        assertEquals(group.assignmentEpoch, restarted.epoch);
        assertEquals(epoch, group.groupEpoch);
        assertFalse(group.members.containsKey(s.memberId), "the old incarnation is gone");
    }

    @Test
    void aStaticMemberThatDoesNotComeBackWithinTheSessionTimeoutIsRemoved() {
        Consumer s = new Consumer("host-1");
        Consumer b = new Consumer(null);
        settle();
        s.leave(ConsumerGroup.STATIC_LEAVE_EPOCH);

        heartbeatFor(SESSION_MS, b);

        assertEquals(1, group.members.size());
        assertEquals(6, b.ownedCount());
    }

    @Test
    void anInstanceIdStillInUseCannotBeTakenByAnotherMember() {
        Consumer s = new Consumer("host-1");
        s.heartbeat();

        Consumer twin = new Consumer("host-1");
        twin.heartbeat();

        assertEquals(Errors.UNRELEASED_INSTANCE_ID, twin.error());
        assertEquals(6, s.ownedCount());
        assertEquals(1, group.members.size());
    }

    @Test
    void theOldIncarnationOfAReplacedStaticMemberIsFencedAndCannotRemoveTheNewOne() {
        Consumer s = new Consumer("host-1");
        s.heartbeat();
        int epoch = s.epoch;
        String oldId = s.memberId;
        s.leave(ConsumerGroup.STATIC_LEAVE_EPOCH);
        Consumer restarted = new Consumer("host-1");
        restarted.heartbeat();
        assertEquals(Errors.NONE, restarted.error());

        ConsumerGroupHeartbeatResponseData zombie = group.heartbeat(new ConsumerGroupHeartbeatRequestData().setGroupId("g")
                .setMemberId(oldId).setInstanceId("host-1").setMemberEpoch(epoch), "zombie", "/127.0.0.1");
        ConsumerGroupHeartbeatResponseData zombieLeaves = group.heartbeat(new ConsumerGroupHeartbeatRequestData()
                .setGroupId("g").setMemberId(oldId).setInstanceId("host-1").setMemberEpoch(ConsumerGroup.LEAVE_EPOCH),
                "zombie", "/127.0.0.1");

        assertEquals(Errors.FENCED_INSTANCE_ID.code(), zombie.errorCode());
        assertEquals(Errors.FENCED_INSTANCE_ID.code(), zombieLeaves.errorCode());
        assertTrue(group.members.containsKey(restarted.memberId), "the live incarnation stays");
        assertEquals(6, restarted.ownedCount());
    }

    @Test
    void aStaticMemberAwayIsUnknownUntilItRejoinsWithEpochZero() {
        Consumer s = new Consumer("host-1");
        s.heartbeat();
        int epoch = s.epoch;
        s.leave(ConsumerGroup.STATIC_LEAVE_EPOCH);

        s.send(s.request().setMemberEpoch(epoch));

        assertEquals(Errors.UNKNOWN_MEMBER_ID, s.error());
    }

    // ------------------------------------------------------------------ timeouts

    @Test
    void aMemberSilentForTheSessionTimeoutIsRemovedAndItsPartitionsReassigned() {
        Consumer a = new Consumer(null);
        Consumer b = new Consumer(null);
        settle();
        int epoch = group.groupEpoch;
        consumers.remove(b);            // b's process hangs

        heartbeatFor(SESSION_MS - 1_000, a);
        assertTrue(group.members.containsKey(b.memberId), "not before the session timeout");
        heartbeatFor(1_000, a);

        assertFalse(group.members.containsKey(b.memberId));
        assertEquals(epoch + 1, group.groupEpoch);
        assertEquals(6, a.ownedCount());
        b.heartbeat();
        assertEquals(Errors.UNKNOWN_MEMBER_ID, b.error());
    }

    @Test
    void heartbeatsKeepAMemberForLongerThanTheSessionTimeout() {
        Consumer a = new Consumer(null);
        a.heartbeat();

        heartbeatFor(5L * SESSION_MS, a);

        assertTrue(group.members.containsKey(a.memberId));
        assertEquals(1, group.groupEpoch);
    }

    @Test
    void aMemberThatDoesNotReleaseItsPartitionsWithinItsRebalanceTimeoutIsRemoved() {
        Consumer a = new Consumer(null);
        a.rebalanceTimeoutMs = 10_000;
        a.heartbeat();
        a.releases = false;
        Consumer b = new Consumer(null);
        b.heartbeat();
        a.heartbeat();
        assertFalse(group.members.get(a.memberId).revoking.isEmpty(), "a was asked to revoke");

        heartbeatFor(9_000, a, b);
        assertTrue(group.members.containsKey(a.memberId), "not before its rebalance timeout");
        heartbeatFor(1_000, a, b);

        assertFalse(group.members.containsKey(a.memberId), "fenced although it kept heartbeating");
        a.owned = new TreeMap<>();
        consumers.remove(a);
        b.heartbeat();
        assertEquals(6, b.ownedCount());
    }

    // ------------------------------------------------------------------ subscriptions and topics

    @Test
    void aSubscriptionChangeBumpsTheGroupEpochAndChangesTheAssignment() {
        Consumer a = new Consumer(null);
        a.heartbeat();

        a.topics = List.of("orders", "payments");
        a.heartbeat();

        assertEquals(2, group.groupEpoch);
        assertEquals(2, a.epoch);
        assertEquals(Set.of(0, 1), a.owned.get("payments"));

        a.topics = List.of("payments");
        a.heartbeat();
        assertEquals(2, a.epoch, "first it gives up orders");
        assertEquals(Map.of("payments", Set.of(0, 1)), a.owned);
        a.heartbeat();
        assertEquals(3, a.epoch);
        assertEquals(Map.of("payments", Set.of(0, 1)), a.owned);
    }

    @Test
    void theSameSubscriptionInAnotherOrderIsNoChange() {
        Consumer a = new Consumer(null);
        a.topics = List.of("orders", "payments");
        a.heartbeat();

        a.topics = List.of("payments", "orders");
        a.heartbeat();

        assertEquals(1, group.groupEpoch);
    }

    @Test
    void aSubscriptionToATopicThatDoesNotExistYetIsAssignedOnceItIsCreated() {
        Consumer a = new Consumer(null);
        a.topics = List.of("refunds");
        a.heartbeat();
        assertEquals(0, a.ownedCount());

        context.createTopic("refunds", 3);
        a.heartbeat();

        assertEquals(Set.of(0, 1, 2), a.owned.get("refunds"));
        assertEquals(2, group.groupEpoch, "the new topic changed the group's metadata");
    }

    @Test
    void morePartitionsBumpTheEpochAndAreAssigned() {
        Consumer a = new Consumer(null);
        a.heartbeat();

        context.createTopic("orders", 8);
        a.heartbeat();

        assertEquals(2, group.groupEpoch);
        assertEquals(8, a.ownedCount());
    }

    @Test
    void aRegexSubscriptionTakesEveryMatchingTopicIncludingOnesCreatedLater() {
        context.createTopic("orders-eu", 1);
        Consumer a = new Consumer(null);
        a.regex = "orders.*";
        a.heartbeat();
        assertEquals(Set.of("orders", "orders-eu"), a.owned.keySet());

        context.createTopic("orders-us", 2);
        a.heartbeat();

        assertEquals(Set.of("orders", "orders-eu", "orders-us"), a.owned.keySet());
        assertTrue(group.subscribedTo("orders-us"));
        assertFalse(group.subscribedTo("payments"));
    }

    @Test
    void anInvalidRegexIsRefused() {
        Consumer a = new Consumer(null);
        a.regex = "orders[";

        a.heartbeat();

        assertEquals(Errors.INVALID_REGULAR_EXPRESSION, a.error());
        assertTrue(group.isEmpty());
    }

    @Test
    void anUnknownServerAssignorIsRefusedAndANamedOneIsUsed() {
        Consumer a = new Consumer(null);
        a.assignor = "sticky-by-rack";
        a.heartbeat();
        assertEquals(Errors.UNSUPPORTED_ASSIGNOR, a.error());

        a.assignor = "range";
        Consumer b = new Consumer(null);
        b.assignor = "range";
        settle();

        assertEquals(ServerAssignor.RANGE, group.assignor);
        Consumer first = a.memberId.compareTo(b.memberId) < 0 ? a : b;
        assertEquals(partitions("orders", 0, 1, 2), first.owned, "range: the first member by id gets the first range");
    }

    @Test
    void aJoiningMemberMustSendItsSubscription() {
        Consumer a = new Consumer(null);

        a.send(a.request().setSubscribedTopicNames(null).setSubscribedTopicRegex(null));

        assertEquals(Errors.INVALID_REQUEST, a.error());
    }

    // ------------------------------------------------------------------ offsets and persistence

    @Test
    void offsetCommitsMustCarryTheMembersCurrentEpoch() {
        Consumer a = new Consumer(null);
        a.heartbeat();
        Consumer b = new Consumer(null);
        b.heartbeat();

        assertEquals(Errors.NONE, group.validateMemberEpoch(a.memberId, 1, true));
        assertEquals(Errors.STALE_MEMBER_EPOCH, group.validateMemberEpoch(b.memberId, 1, true));
        assertEquals(Errors.NONE, group.validateMemberEpoch(b.memberId, 2, true));
        assertEquals(Errors.UNKNOWN_MEMBER_ID, group.validateMemberEpoch("stranger", 2, true));
        assertEquals(Errors.UNKNOWN_MEMBER_ID, group.validateMemberEpoch("", -1, true),
                "from outside the group only while it is empty");
        assertEquals(Errors.NONE, group.validateMemberEpoch("", -1, false), "anyone may fetch offsets");
    }

    @Test
    void theStoredRecordBringsBackEpochsTargetAndAssignments() {
        Consumer a = new Consumer("host-1");
        Consumer b = new Consumer(null);
        b.topics = List.of("orders", "payments");
        settle();

        ConsumerGroup restored = context.storedConsumer("g");

        assertNotNull(restored);
        assertEquals(group.groupEpoch, restored.groupEpoch);
        assertEquals(group.assignmentEpoch, restored.assignmentEpoch);
        assertEquals(group.target, restored.target);
        assertEquals(group.members.keySet(), restored.members.keySet());
        assertEquals(a.owned, restored.members.get(a.memberId).assigned);
        assertEquals(b.epoch, restored.members.get(b.memberId).memberEpoch);
        assertEquals("host-1", restored.members.get(a.memberId).instanceId);
    }

    @Test
    void theStateNameFollowsTheEpochs() {
        assertEquals("Empty", group.stateName());
        Consumer a = new Consumer(null);
        Consumer b = new Consumer(null);
        settle();
        assertEquals("Stable", group.stateName());

        b.leave(ConsumerGroup.LEAVE_EPOCH);
        assertEquals("Assigning", group.stateName(), "the epoch moved; no target yet");
        a.heartbeat();
        assertEquals("Stable", group.stateName());
    }
}
