package io.spindle.broker.share;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.spindle.broker.LocalBroker;
import io.spindle.config.BrokerConfig;
import io.spindle.fixtures.RawKafkaConnection;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.TopicIdPartition;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.ShareGroupHeartbeatRequestData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.ShareAcknowledgeRequest;
import org.apache.kafka.common.requests.ShareAcknowledgeResponse;
import org.apache.kafka.common.requests.ShareFetchRequest;
import org.apache.kafka.common.requests.ShareFetchResponse;
import org.apache.kafka.common.requests.ShareGroupHeartbeatRequest;
import org.apache.kafka.common.requests.ShareGroupHeartbeatResponse;
import org.apache.kafka.common.requests.ShareRequestMetadata;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** ShareFetch and ShareAcknowledge serve only members of the group, and the broker bounds its share sessions. */
class ShareMembershipTest {
    private static final String TOPIC = "tasks";

    @TempDir
    Path dataDir;
    private LocalBroker broker;
    private TopicIdPartition partition;

    @BeforeEach
    void start() throws Exception {
        broker = LocalBroker.start(dataDir, Map.of(BrokerConfig.GROUP_SHARE_MAX_SHARE_SESSIONS, "1", BrokerConfig.GROUP_SHARE_MAX_SIZE, "1",
                BrokerConfig.GROUP_SHARE_AUTO_OFFSET_RESET, "earliest"));
        broker.createTopic(TOPIC, 1);
        Uuid id = broker.admin().describeTopics(List.of(TOPIC)).allTopicNames().get().get(TOPIC).topicId();
        partition = new TopicIdPartition(id, new TopicPartition(TOPIC, 0));
    }

    @AfterEach
    void stop() {
        broker.close();
    }

    private static String join(RawKafkaConnection raw, String group) throws Exception {
        String member = Uuid.randomUuid().toString();
        ShareGroupHeartbeatResponse joined = raw.roundTrip(new ShareGroupHeartbeatRequest.Builder(
                new ShareGroupHeartbeatRequestData().setGroupId(group).setMemberId(member).setMemberEpoch(0)
                        .setSubscribedTopicNames(List.of(TOPIC))).build((short) 1));
        assertEquals(Errors.NONE.code(), joined.data().errorCode(), joined.data().errorMessage());
        return member;
    }

    private ShareFetchRequest fetch(String group, String member, int epoch) {
        return ShareFetchRequest.Builder.forConsumer(group, new ShareRequestMetadata(Uuid.fromString(member), epoch), 0, 1, 1 << 20,
                100, 100, (byte) 0, false, List.of(partition), List.of(), Map.of()).build((short) 2);
    }

    @Test
    void shareFetchFromAMemberTheGroupDoesNotHaveIsRefusedWithUnknownMemberId() throws Exception {
        try (RawKafkaConnection raw = RawKafkaConnection.to(broker.bootstrapServers())) {
            join(raw, "crew");
            ShareFetchResponse response = raw.roundTrip(fetch("crew", Uuid.randomUuid().toString(), 0));
            assertEquals(Errors.UNKNOWN_MEMBER_ID, response.error(), response.data().errorMessage());
            ShareFetchResponse noGroup = raw.roundTrip(fetch("nobody", Uuid.randomUuid().toString(), 0));
            assertEquals(Errors.UNKNOWN_MEMBER_ID, noGroup.error(), noGroup.data().errorMessage());
        }
    }

    @Test
    void shareAcknowledgeFromAMemberThatLeftIsRefusedWithUnknownMemberId() throws Exception {
        try (RawKafkaConnection raw = RawKafkaConnection.to(broker.bootstrapServers())) {
            String member = join(raw, "crew");
            ShareFetchResponse opened = raw.roundTrip(fetch("crew", member, 0));
            assertEquals(Errors.NONE, opened.error(), opened.data().errorMessage());
            ShareGroupHeartbeatResponse left = raw.roundTrip(new ShareGroupHeartbeatRequest.Builder(
                    new ShareGroupHeartbeatRequestData().setGroupId("crew").setMemberId(member).setMemberEpoch(-1))
                    .build((short) 1));
            assertEquals(Errors.NONE.code(), left.data().errorCode());
            ShareAcknowledgeResponse ack = raw.roundTrip(ShareAcknowledgeRequest.Builder.forConsumer("crew",
                    new ShareRequestMetadata(Uuid.fromString(member), 1), false, Map.of()).build((short) 2));
            assertEquals(Errors.UNKNOWN_MEMBER_ID, ack.error(), ack.data().errorMessage());
            ShareFetchResponse fetched = raw.roundTrip(fetch("crew", member, 2));
            assertEquals(Errors.UNKNOWN_MEMBER_ID, fetched.error(), fetched.data().errorMessage());
        }
    }

    @Test
    void aShareSessionBeyondGroupShareMaxShareSessionsIsRefused() throws Exception {
        try (RawKafkaConnection raw = RawKafkaConnection.to(broker.bootstrapServers())) {
            String first = join(raw, "crew");
            String second = join(raw, "band");   // another group: group.share.max.size is 1 here, sessions are per broker
            ShareFetchResponse opened = raw.roundTrip(fetch("crew", first, 0));
            assertEquals(Errors.NONE, opened.error(), opened.data().errorMessage());
            ShareFetchResponse refused = raw.roundTrip(fetch("band", second, 0));
            assertEquals(Errors.SHARE_SESSION_LIMIT_REACHED, refused.error(), refused.data().errorMessage());
            ShareFetchResponse reopened = raw.roundTrip(fetch("crew", first, 0));
            assertEquals(Errors.NONE, reopened.error(), "a member reopening its own session is not refused");
        }
    }
}
