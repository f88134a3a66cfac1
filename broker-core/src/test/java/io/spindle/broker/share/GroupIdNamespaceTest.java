package io.spindle.broker.share;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.spindle.broker.LocalBroker;
import io.spindle.fixtures.RawKafkaConnection;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.ConsumerGroupHeartbeatRequestData;
import org.apache.kafka.common.message.JoinGroupRequestData;
import org.apache.kafka.common.message.ShareGroupHeartbeatRequestData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.ConsumerGroupHeartbeatRequest;
import org.apache.kafka.common.requests.ConsumerGroupHeartbeatResponse;
import org.apache.kafka.common.requests.JoinGroupRequest;
import org.apache.kafka.common.requests.JoinGroupResponse;
import org.apache.kafka.common.requests.ShareGroupHeartbeatRequest;
import org.apache.kafka.common.requests.ShareGroupHeartbeatResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Group ids are one namespace: a share group cannot take a consumer group's id, nor the other way round. */
class GroupIdNamespaceTest {
    private static final String TOPIC = "tasks";

    @TempDir
    Path dataDir;
    private LocalBroker broker;

    @BeforeEach
    void start() {
        broker = LocalBroker.start(dataDir);
        broker.createTopic(TOPIC, 1);
    }

    @AfterEach
    void stop() {
        broker.close();
    }

    private static ShareGroupHeartbeatRequest shareJoin(String group) {
        return new ShareGroupHeartbeatRequest.Builder(new ShareGroupHeartbeatRequestData().setGroupId(group)
                .setMemberId(Uuid.randomUuid().toString()).setMemberEpoch(0).setSubscribedTopicNames(List.of(TOPIC)))
                .build((short) 1);
    }

    @Test
    void shareMemberCannotJoinUnderAConsumerGroupsId() throws Exception {
        try (KafkaConsumer<byte[], byte[]> consumer = broker.consumer(Map.of("group.id", "billing"))) {
            consumer.subscribe(List.of(TOPIC));
            await().atMost(Duration.ofSeconds(30)).until(() -> {
                consumer.poll(Duration.ofMillis(100));
                return !consumer.assignment().isEmpty();
            });
        }
        try (RawKafkaConnection raw = RawKafkaConnection.to(broker.bootstrapServers())) {
            ShareGroupHeartbeatResponse response = raw.roundTrip(shareJoin("billing"));
            assertEquals(Errors.GROUP_ID_NOT_FOUND.code(), response.data().errorCode(), response.data().errorMessage());
        }
    }

    @Test
    void consumerMemberCannotJoinUnderAShareGroupsId() throws Exception {
        try (RawKafkaConnection raw = RawKafkaConnection.to(broker.bootstrapServers())) {
            ShareGroupHeartbeatResponse joined = raw.roundTrip(shareJoin("queue"));
            assertEquals(Errors.NONE.code(), joined.data().errorCode());

            ConsumerGroupHeartbeatResponse consumer = raw.roundTrip(new ConsumerGroupHeartbeatRequest.Builder(
                    new ConsumerGroupHeartbeatRequestData().setGroupId("queue").setMemberId(Uuid.randomUuid().toString())
                            .setMemberEpoch(0).setRebalanceTimeoutMs(30_000).setSubscribedTopicNames(List.of(TOPIC))
                            .setTopicPartitions(List.of())).build());
            assertEquals(Errors.GROUP_ID_NOT_FOUND.code(), consumer.data().errorCode());

            JoinGroupRequestData.JoinGroupRequestProtocolCollection protocols =
                    new JoinGroupRequestData.JoinGroupRequestProtocolCollection();
            protocols.add(new JoinGroupRequestData.JoinGroupRequestProtocol().setName("range").setMetadata(new byte[0]));
            JoinGroupResponse classic = raw.roundTrip(new JoinGroupRequest.Builder(new JoinGroupRequestData()
                    .setGroupId("queue").setMemberId("").setProtocolType("consumer").setSessionTimeoutMs(10_000)
                    .setRebalanceTimeoutMs(10_000).setProtocols(protocols)).build());
            assertEquals(Errors.INCONSISTENT_GROUP_PROTOCOL.code(), classic.data().errorCode());
        }
    }
}
