package io.spindle.groups;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spindle.config.ConsumerGroupConfig;
import io.spindle.config.GroupSettings;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.ConsumerGroupHeartbeatRequestData;
import org.apache.kafka.common.message.ConsumerGroupHeartbeatRequestData.TopicPartitions;
import org.apache.kafka.common.message.ConsumerGroupHeartbeatResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A KIP-848 group run with its own timings (Kafka's consumer.* group configs): the session timeout ends a silent
 * member's session, the heartbeat interval is what members are told, and changes within the assignment interval are
 * assigned together once it has passed. On the test's clock ({@link ManualGroupContext}).
 */
class ConsumerGroupConfigTest {
    private static final GroupSettings SETTINGS = new GroupSettings(6_000, 1_800_000, 0, 45_000, 5_000, 1024 * 1024,
            1024 * 1024);

    private final ManualGroupContext context = new ManualGroupContext(SETTINGS);
    private final ConsumerGroup group = new ConsumerGroup("g", context);

    @BeforeEach
    void topic() {
        context.createTopic("orders", 6);
    }

    private ConsumerGroupHeartbeatResponseData heartbeat(String memberId, int epoch, List<Integer> owned) {
        List<TopicPartitions> wire = new ArrayList<>();
        if (!owned.isEmpty()) {
            wire.add(new TopicPartitions().setTopicId(context.topicId("orders")).setPartitions(new ArrayList<>(owned)));
        }
        ConsumerGroupHeartbeatResponseData response = group.heartbeat(new ConsumerGroupHeartbeatRequestData()
                .setGroupId("g").setMemberId(memberId).setMemberEpoch(epoch).setRebalanceTimeoutMs(60_000)
                .setSubscribedTopicNames(epoch == 0 ? List.of("orders") : null).setTopicPartitions(wire),
                "client", "/127.0.0.1");
        assertEquals(Errors.NONE.code(), response.errorCode(), response.errorMessage());
        return response;
    }

    private static List<Integer> partitions(ConsumerGroupHeartbeatResponseData response) {
        List<Integer> partitions = new ArrayList<>();
        response.assignment().topicPartitions().forEach(tp -> partitions.addAll(tp.partitions()));
        return partitions;
    }

    @Test
    void membersAreToldTheGroupsHeartbeatIntervalNotTheBrokers() {
        context.configure("g", new ConsumerGroupConfig(45_000, 700, 0));
        assertEquals(700, heartbeat(Uuid.randomUuid().toString(), 0, List.of()).heartbeatIntervalMs());
    }

    @Test
    void loweredSessionTimeoutEndsASilentMembersSessionThatLongAfterItsLastHeartbeat() {
        String member = Uuid.randomUuid().toString();
        heartbeat(member, 0, List.of());
        context.advance(1_000);
        ConsumerGroupConfig before = context.consumerConfig("g");
        context.configure("g", new ConsumerGroupConfig(3_000, 1_000, 0));
        group.reconfigured(before);
        context.advance(1_999);
        assertEquals(1, group.memberCount(), "still within 3 s of its heartbeat");
        context.advance(1);
        assertEquals(0, group.memberCount(), "3 s after its last heartbeat, not the broker's 45 s");
    }

    @Test
    void changesWithinTheAssignmentIntervalAreAssignedTogetherOnceItHasPassed() {
        context.configure("g", new ConsumerGroupConfig(45_000, 1_000, 10_000));
        String a = Uuid.randomUuid().toString();
        ConsumerGroupHeartbeatResponseData first = heartbeat(a, 0, List.of());
        assertEquals(6, partitions(first).size(), "the first assignment waits for nothing");
        int epochA = first.memberEpoch();

        context.advance(1_000);
        String b = Uuid.randomUuid().toString();
        ConsumerGroupHeartbeatResponseData joined = heartbeat(b, 0, List.of());
        assertTrue(partitions(joined).isEmpty(), "within 10 s of the last assignment: nothing yet");
        context.advance(5_000);
        ConsumerGroupHeartbeatResponseData stillAll = heartbeat(a, epochA, List.of(0, 1, 2, 3, 4, 5));
        assertEquals(null, stillAll.assignment(), "A keeps all six while the interval runs");

        context.advance(4_000);
        ConsumerGroupHeartbeatResponseData revoke = heartbeat(a, epochA, List.of(0, 1, 2, 3, 4, 5));
        assertEquals(3, partitions(revoke).size(), "10 s after the first assignment B's join is assigned");
        List<Integer> kept = partitions(revoke);
        heartbeat(a, revoke.memberEpoch(), kept);
        ConsumerGroupHeartbeatResponseData second = heartbeat(b, joined.memberEpoch(), List.of());
        assertEquals(3, partitions(second).size());
    }
}
