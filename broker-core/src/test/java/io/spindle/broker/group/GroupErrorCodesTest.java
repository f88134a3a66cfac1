package io.spindle.broker.group;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import io.spindle.broker.LocalBroker;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.ConsumerGroupHeartbeatResponseData;
import org.apache.kafka.common.message.JoinGroupResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The error codes Kafka's coordinator answers wrong member ids, generations and epochs with, over a raw connection. */
class GroupErrorCodesTest {
    private static final String TOPIC = "audit";
    private static final TopicPartition PARTITION = new TopicPartition(TOPIC, 0);

    @TempDir
    Path dataDir;
    private LocalBroker broker;
    private RawGroupClient raw;

    @BeforeEach
    void start() throws Exception {
        broker = GroupTestSupport.startBroker(dataDir);
        GroupTestSupport.createTopic(broker, TOPIC, 1);
        raw = new RawGroupClient(broker);
    }

    @AfterEach
    void stop() throws Exception {
        raw.close();
        broker.close();
    }

    @Test
    void firstJoinOfADynamicMemberIsAnsweredMemberIdRequiredWithAnIdToUse() throws Exception {
        JoinGroupResponseData first = raw.join("g", "", TOPIC, 10_000, 10_000);
        assertEquals(Errors.MEMBER_ID_REQUIRED.code(), first.errorCode());
        JoinGroupResponseData second = raw.join("g", first.memberId(), TOPIC, 10_000, 10_000);
        assertEquals(Errors.NONE.code(), second.errorCode());
        assertEquals(first.memberId(), second.memberId());
        assertEquals(1, second.generationId());
        assertEquals(first.memberId(), second.leader(), "the only member leads");
    }

    @Test
    void heartbeatFromAnUnknownMemberIsAnsweredUnknownMemberId() throws Exception {
        JoinGroupResponseData joined = raw.joinWithId("g", TOPIC, 10_000, 10_000);
        assertEquals(Errors.UNKNOWN_MEMBER_ID, raw.heartbeat("g", "nobody", joined.generationId()));
        assertEquals(Errors.UNKNOWN_MEMBER_ID, raw.heartbeat("no-such-group", "nobody", 1));
    }

    @Test
    void heartbeatAndCommitWithAStaleGenerationAreAnsweredIllegalGeneration() throws Exception {
        JoinGroupResponseData joined = raw.joinWithId("g", TOPIC, 10_000, 10_000);
        raw.sync("g", joined.memberId(), joined.generationId(), Map.of(joined.memberId(), List.of(PARTITION)));
        assertEquals(Errors.NONE, raw.heartbeat("g", joined.memberId(), joined.generationId()));
        assertEquals(Errors.ILLEGAL_GENERATION, raw.heartbeat("g", joined.memberId(), joined.generationId() - 1));
        assertEquals(Errors.ILLEGAL_GENERATION, raw.commit("g", joined.memberId(), joined.generationId() - 1, PARTITION, 5));
        assertEquals(Errors.NONE, raw.commit("g", joined.memberId(), joined.generationId(), PARTITION, 5));
    }

    @Test
    void commitWhileTheGroupAwaitsItsAssignmentIsAnsweredRebalanceInProgress() throws Exception {
        JoinGroupResponseData joined = raw.joinWithId("g", TOPIC, 10_000, 10_000);
        // Joined but not yet synced: the group is CompletingRebalance.
        assertEquals(Errors.REBALANCE_IN_PROGRESS, raw.commit("g", joined.memberId(), joined.generationId(), PARTITION, 3));
        raw.sync("g", joined.memberId(), joined.generationId(), Map.of(joined.memberId(), List.of(PARTITION)));
        assertEquals(Errors.NONE, raw.commit("g", joined.memberId(), joined.generationId(), PARTITION, 3));
    }

    @Test
    void commitFromOutsideANonEmptyGroupIsAnsweredUnknownMemberIdAndIntoAnUnknownGroupIllegalGeneration() throws Exception {
        JoinGroupResponseData joined = raw.joinWithId("g", TOPIC, 10_000, 10_000);
        raw.sync("g", joined.memberId(), joined.generationId(), Map.of(joined.memberId(), List.of(PARTITION)));
        assertEquals(Errors.UNKNOWN_MEMBER_ID, raw.commit("g", "", -1, PARTITION, 1));
        assertEquals(Errors.UNKNOWN_MEMBER_ID, raw.commit("g", "stranger", joined.generationId(), PARTITION, 1));
        assertEquals(Errors.ILLEGAL_GENERATION, raw.commit("unknown-group", "stranger", 1, PARTITION, 1));
        assertEquals(Errors.NONE, raw.commit("offsets-only", "", -1, PARTITION, 1), "a group that only stores offsets");
    }

    @Test
    void consumerProtocolRejectsUnknownMembersWrongEpochsAndStaleCommits() throws Exception {
        String memberId = Uuid.randomUuid().toString();
        ConsumerGroupHeartbeatResponseData joined = raw.consumerHeartbeat("c", memberId, 0, List.of(TOPIC), List.of());
        assertEquals(Errors.NONE.code(), joined.errorCode(), joined.errorMessage());
        int epoch = joined.memberEpoch();

        assertEquals(Errors.FENCED_MEMBER_EPOCH.code(),
                raw.consumerHeartbeat("c", memberId, epoch + 5, null, null).errorCode());
        assertEquals(Errors.UNKNOWN_MEMBER_ID.code(),
                raw.consumerHeartbeat("c", Uuid.randomUuid().toString(), epoch, null, null).errorCode());
        assertEquals(Errors.STALE_MEMBER_EPOCH, raw.commit("c", memberId, epoch + 1, PARTITION, 7));
        assertEquals(Errors.UNKNOWN_MEMBER_ID, raw.commit("c", "stranger", epoch, PARTITION, 7));
        assertEquals(Errors.NONE, raw.commit("c", memberId, epoch, PARTITION, 7));
    }

    @Test
    void consumerProtocolHeartbeatToAClassicGroupWithMembersIsAnsweredGroupIdNotFound() throws Exception {
        raw.joinWithId("g", TOPIC, 10_000, 10_000);
        ConsumerGroupHeartbeatResponseData response = raw.consumerHeartbeat("g", Uuid.randomUuid().toString(), 0,
                List.of(TOPIC), List.of());
        assertEquals(Errors.GROUP_ID_NOT_FOUND.code(), response.errorCode());
    }

    @Test
    void aMemberThatDoesNotRejoinWithinTheRebalanceTimeoutIsLeftOutOfTheNextGeneration() throws Exception {
        JoinGroupResponseData first = raw.joinWithId("g", TOPIC, 10_000, 1_000);
        raw.sync("g", first.memberId(), first.generationId(), Map.of(first.memberId(), List.of(PARTITION)));

        long start = System.nanoTime();
        try (RawGroupClient second = new RawGroupClient(broker)) {
            // The first member never rejoins: the join completes when its rebalance timeout (1 s) runs out.
            JoinGroupResponseData joined = second.joinWithId("g", TOPIC, 10_000, 1_000);
            long waitedMs = (System.nanoTime() - start) / 1_000_000;
            assertEquals(Errors.NONE.code(), joined.errorCode());
            assertEquals(first.generationId() + 1, joined.generationId());
            assertEquals(joined.memberId(), joined.leader());
            assertEquals(1, joined.members().size(), "only the member that rejoined");
            org.junit.jupiter.api.Assertions.assertTrue(waitedMs >= 900, "waited for the rebalance timeout: " + waitedMs + " ms");
        }
        assertEquals(Errors.UNKNOWN_MEMBER_ID, raw.heartbeat("g", first.memberId(), first.generationId()));
    }

    @Test
    void aStaticMemberBackWithNewMetadataKeepsItsGenerationUnlessTheGroupProtocolWouldChange() throws Exception {
        JoinGroupResponseData first = raw.joinStatic("static", "", "host-1", TOPIC, List.of("range"), new byte[] {1});
        assertEquals(Errors.NONE.code(), first.errorCode());
        raw.sync("static", first.memberId(), first.generationId(), Map.of(first.memberId(), List.of(PARTITION)));

        // A new incarnation (as a restarted consumer is: it owns nothing yet) with other subscription bytes.
        JoinGroupResponseData back = raw.joinStatic("static", "", "host-1", TOPIC, List.of("range"), new byte[] {2});
        assertEquals(Errors.NONE.code(), back.errorCode());
        assertEquals(first.generationId(), back.generationId(), "no rebalance");
        assertNotEquals(first.memberId(), back.memberId());
        assertEquals(Errors.NONE, raw.heartbeat("static", back.memberId(), back.generationId()));
        assertEquals(Errors.FENCED_INSTANCE_ID.code(), raw.joinStatic("static", first.memberId(), "host-1", TOPIC,
                List.of("range"), new byte[] {1}).errorCode(), "the old incarnation is fenced");

        // Preferring another protocol changes the group's (this member is all of it): that needs a rebalance.
        JoinGroupResponseData other = raw.joinStatic("static", "", "host-1", TOPIC, List.of("roundrobin", "range"),
                new byte[] {3});
        assertEquals(Errors.NONE.code(), other.errorCode());
        assertEquals(first.generationId() + 1, other.generationId());
        assertEquals("roundrobin", other.protocolName());
    }
}
