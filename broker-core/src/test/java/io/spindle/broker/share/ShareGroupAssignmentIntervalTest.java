package io.spindle.broker.share;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spindle.broker.LocalBroker;
import io.spindle.fixtures.RawKafkaConnection;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.InvalidConfigurationException;
import org.apache.kafka.common.message.ShareGroupHeartbeatRequestData;
import org.apache.kafka.common.message.ShareGroupHeartbeatResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.ShareGroupHeartbeatRequest;
import org.apache.kafka.common.requests.ShareGroupHeartbeatResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kafka's share.assignment.interval.ms (KIP-1263) on a GROUP resource: a change within the interval after the last
 * assignment is assigned only once the interval has passed; a group on the broker's 0 is reassigned at once.
 */
class ShareGroupAssignmentIntervalTest {
    private static final String FIRST = "first";
    private static final String SECOND = "second";

    @TempDir
    Path dataDir;
    private LocalBroker broker;
    private Admin admin;
    private RawKafkaConnection raw;
    private int correlation;

    @BeforeEach
    void start() throws Exception {
        broker = LocalBroker.start(dataDir);
        broker.createTopic(FIRST, 1);
        broker.createTopic(SECOND, 1);
        admin = broker.admin();
        raw = RawKafkaConnection.to(broker.bootstrapServers());
    }

    @AfterEach
    void stop() throws Exception {
        raw.close();
        broker.close();
    }

    private void set(String group, String key, String value) throws Exception {
        admin.incrementalAlterConfigs(Map.of(new ConfigResource(ConfigResource.Type.GROUP, group),
                List.of(new AlterConfigOp(new ConfigEntry(key, value), AlterConfigOp.OpType.SET)))).all().get();
    }

    private ShareGroupHeartbeatResponseData heartbeat(String group, String member, int epoch, List<String> topics)
            throws Exception {
        ShareGroupHeartbeatResponse response = raw.roundTrip(new ShareGroupHeartbeatRequest.Builder(
                new ShareGroupHeartbeatRequestData().setGroupId(group).setMemberId(member).setMemberEpoch(epoch)
                        .setSubscribedTopicNames(topics)).build((short) 1), ++correlation);
        assertEquals(Errors.NONE.code(), response.data().errorCode(), response.data().errorMessage());
        return response.data();
    }

    private Set<Uuid> topics(ShareGroupHeartbeatResponseData response) {
        Set<Uuid> ids = new TreeSet<>();
        response.assignment().topicPartitions().forEach(tp -> ids.add(tp.topicId()));
        return ids;
    }

    /** Joins on FIRST, then subscribes to SECOND too; returns how long after joining SECOND was assigned, in ms. */
    private long subscriptionChangeAssignedAfterMs(String group) throws Exception {
        Uuid second = broker.broker().topics().topic(SECOND).orElseThrow().id();
        String member = Uuid.randomUuid().toString();
        long joined = System.nanoTime();
        ShareGroupHeartbeatResponseData first = heartbeat(group, member, 0, List.of(FIRST));
        assertEquals(1, topics(first).size(), "the first assignment waits for nothing");
        int[] epoch = {first.memberEpoch()};
        List<String> both = List.of(FIRST, SECOND);
        await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(100)).until(() -> {
            ShareGroupHeartbeatResponseData next = heartbeat(group, member, epoch[0], both);
            epoch[0] = next.memberEpoch();
            return next.assignment() != null && topics(next).contains(second);
        });
        return (System.nanoTime() - joined) / 1_000_000;
    }

    @Test
    void changeWithinTheGroupsAssignmentIntervalIsAssignedOnceItHasPassed() throws Exception {
        set("batched", "share.assignment.interval.ms", "2000");
        long batched = subscriptionChangeAssignedAfterMs("batched");
        assertTrue(batched >= 2_000, "assigned " + batched + " ms after the first assignment, before its 2 s");
        long prompt = subscriptionChangeAssignedAfterMs("prompt");
        assertTrue(prompt < 2_000, "the broker's 0 reassigns at once, yet it took " + prompt + " ms");
    }

    @Test
    void intervalAboveTheBrokersMaximumIsRefusedNamingTheBound() {
        ExecutionException e = assertThrows(ExecutionException.class,
                () -> set("g", "share.assignment.interval.ms", "20000"));
        assertInstanceOf(InvalidConfigurationException.class, e.getCause());
        assertTrue(e.getCause().getMessage().contains("'share.assignment.interval.ms'")
                && e.getCause().getMessage().contains("group.share.max.assignment.interval.ms"), e.getCause().getMessage());
    }
}
