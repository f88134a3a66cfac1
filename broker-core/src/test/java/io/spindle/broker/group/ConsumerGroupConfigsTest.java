package io.spindle.broker.group;

import static io.spindle.broker.group.GroupTestSupport.consumerProperties;
import static io.spindle.broker.group.GroupTestSupport.createTopic;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spindle.broker.LocalBroker;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.consumer.GroupProtocol;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.InvalidConfigurationException;
import org.apache.kafka.common.message.ConsumerGroupHeartbeatRequestData.TopicPartitions;
import org.apache.kafka.common.message.ConsumerGroupHeartbeatResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kafka's consumer group configs (consumer.session.timeout.ms, consumer.heartbeat.interval.ms,
 * consumer.assignment.interval.ms) set on a GROUP resource with the Admin client, as kafka-configs.sh does, and
 * obeyed by the KIP-848 coordinator. The broker keeps Kafka's 45 s session and 5 s heartbeat but lowers the minimums,
 * so a group may go below them.
 */
class ConsumerGroupConfigsTest {
    private static final String TOPIC = "jobs";
    private static final String GROUP = "workers";
    private static final int PARTITIONS = 4;

    @TempDir
    Path dataDir;
    private LocalBroker broker;
    private Admin admin;
    private PollingConsumer survivor;

    @BeforeEach
    void start() throws Exception {
        broker = LocalBroker.start(dataDir, Map.of("group.consumer.min.session.timeout.ms", "1000",
                "group.consumer.min.heartbeat.interval.ms", "100"));
        createTopic(broker, TOPIC, PARTITIONS);
        admin = broker.admin();
    }

    @AfterEach
    void stop() throws Exception {
        if (survivor != null) {
            survivor.close();
        }
        broker.close();
    }

    private void alter(String group, AlterConfigOp... ops) throws Exception {
        admin.incrementalAlterConfigs(Map.of(new ConfigResource(ConfigResource.Type.GROUP, group), List.of(ops)))
                .all().get();
    }

    private static AlterConfigOp set(String key, String value) {
        return new AlterConfigOp(new ConfigEntry(key, value), AlterConfigOp.OpType.SET);
    }

    private Config describe(String group) throws Exception {
        ConfigResource resource = new ConfigResource(ConfigResource.Type.GROUP, group);
        return admin.describeConfigs(List.of(resource)).all().get().get(resource);
    }

    private InvalidConfigurationException refused(AlterConfigOp... ops) {
        ExecutionException e = assertThrows(ExecutionException.class, () -> alter(GROUP, ops));
        return assertInstanceOf(InvalidConfigurationException.class, e.getCause());
    }

    @Test
    void silentMemberOfAGroupWithALoweredSessionTimeoutIsRemovedAfterThatTimeout() throws Exception {
        alter(GROUP, set("consumer.session.timeout.ms", "2000"), set("consumer.heartbeat.interval.ms", "200"));
        survivor = new PollingConsumer("survivor", consumerProperties(broker, GroupProtocol.CONSUMER, GROUP, Map.of()),
                TOPIC, true);
        await().atMost(Duration.ofSeconds(30)).until(() -> survivor.assignment().size() == PARTITIONS);
        Uuid topicId = broker.broker().topics().topic(TOPIC).orElseThrow().id();
        try (RawGroupClient raw = new RawGroupClient(broker)) {
            String memberId = Uuid.randomUuid().toString();
            ConsumerGroupHeartbeatResponseData joined = raw.consumerHeartbeat(GROUP, memberId, 0, List.of(TOPIC), List.of());
            assertEquals(Errors.NONE.code(), joined.errorCode(), joined.errorMessage());
            Set<Integer> owned = new TreeSet<>(RawGroupClient.partitionsOf(joined.assignment(), topicId));
            int[] epoch = {joined.memberEpoch()};
            long[] lastBeat = {System.nanoTime()};
            await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(200)).until(() -> {
                ConsumerGroupHeartbeatResponseData next = raw.consumerHeartbeat(GROUP, memberId, epoch[0], null,
                        List.of(new TopicPartitions().setTopicId(topicId).setPartitions(new ArrayList<>(owned))));
                lastBeat[0] = System.nanoTime();
                assertEquals(Errors.NONE.code(), next.errorCode(), next.errorMessage());
                epoch[0] = next.memberEpoch();
                if (next.assignment() != null) {
                    owned.clear();
                    owned.addAll(RawGroupClient.partitionsOf(next.assignment(), topicId));
                }
                return owned.size() == PARTITIONS / 2;
            });
            // Silent from here on: the group's 2 s apply, not the broker's 45 s.
            await().atMost(Duration.ofSeconds(15)).until(() -> survivor.assignment().size() == PARTITIONS);
            long silentMs = (System.nanoTime() - lastBeat[0]) / 1_000_000;
            assertTrue(silentMs >= 2_000, "removed only after its 2 s session, yet after " + silentMs + " ms");
            ConsumerGroupHeartbeatResponseData late = raw.consumerHeartbeat(GROUP, memberId, epoch[0], null, List.of());
            assertEquals(Errors.UNKNOWN_MEMBER_ID.code(), late.errorCode(), "the silent member is gone");
        }
    }

    @Test
    void heartbeatIntervalGivenToMembersFollowsTheGroupConfigFromTheirNextHeartbeat() throws Exception {
        try (RawGroupClient raw = new RawGroupClient(broker)) {
            String memberId = Uuid.randomUuid().toString();
            ConsumerGroupHeartbeatResponseData joined = raw.consumerHeartbeat(GROUP, memberId, 0, List.of(TOPIC), List.of());
            assertEquals(5_000, joined.heartbeatIntervalMs(), "the broker's group.consumer.heartbeat.interval.ms");
            alter(GROUP, set("consumer.heartbeat.interval.ms", "700"));
            ConsumerGroupHeartbeatResponseData next = raw.consumerHeartbeat(GROUP, memberId, joined.memberEpoch(), null,
                    null);
            assertEquals(Errors.NONE.code(), next.errorCode(), next.errorMessage());
            assertEquals(700, next.heartbeatIntervalMs());
        }
    }

    @Test
    void valuesOutsideTheBrokersBoundsAreRefusedNamingTheConfigAndTheBoundAndChangeNothing() throws Exception {
        InvalidConfigurationException low = refused(set("consumer.session.timeout.ms", "500"));
        assertTrue(low.getMessage().contains("'consumer.session.timeout.ms'")
                && low.getMessage().contains("[1000, 60000]")
                && low.getMessage().contains("group.consumer.min.session.timeout.ms"), low.getMessage());
        InvalidConfigurationException high = refused(set("consumer.heartbeat.interval.ms", "20000"));
        assertTrue(high.getMessage().contains("'consumer.heartbeat.interval.ms'")
                && high.getMessage().contains("group.consumer.max.heartbeat.interval.ms"), high.getMessage());
        InvalidConfigurationException order = refused(set("consumer.session.timeout.ms", "2000"),
                set("consumer.heartbeat.interval.ms", "3000"));
        assertTrue(order.getMessage().contains("'consumer.heartbeat.interval.ms'")
                && order.getMessage().contains("< 2000 ('consumer.session.timeout.ms')"), order.getMessage());
        InvalidConfigurationException unknown = refused(set("consumer.nonsense", "1"));
        assertTrue(unknown.getMessage().contains("consumer.nonsense"), unknown.getMessage());
        // One bad value refuses the whole request, the share group's part included.
        refused(set("share.delivery.count.limit", "3"), set("consumer.assignment.interval.ms", "-1"));

        Config config = describe(GROUP);
        for (String key : List.of("consumer.session.timeout.ms", "consumer.heartbeat.interval.ms",
                "consumer.assignment.interval.ms", "share.delivery.count.limit")) {
            assertEquals(ConfigEntry.ConfigSource.DEFAULT_CONFIG, config.get(key).source(), key);
        }
        assertEquals(Map.of(), broker.broker().groupCoordinator().groupConfigs(GROUP));
    }

    @Test
    void describeConfigsShowsConsumerAndShareConfigsOfOneGroupWithTheirSources() throws Exception {
        alter(GROUP, set("consumer.session.timeout.ms", "30000"), set("consumer.assignment.interval.ms", "250"),
                set("share.delivery.count.limit", "3"));
        Config config = describe(GROUP);
        assertEquals("30000", config.get("consumer.session.timeout.ms").value());
        assertEquals(ConfigEntry.ConfigSource.DYNAMIC_GROUP_CONFIG, config.get("consumer.session.timeout.ms").source());
        assertEquals("250", config.get("consumer.assignment.interval.ms").value());
        assertEquals("5000", config.get("consumer.heartbeat.interval.ms").value());
        assertEquals(ConfigEntry.ConfigSource.DEFAULT_CONFIG, config.get("consumer.heartbeat.interval.ms").source());
        assertEquals("3", config.get("share.delivery.count.limit").value());

        alter(GROUP, new AlterConfigOp(new ConfigEntry("consumer.session.timeout.ms", null), AlterConfigOp.OpType.DELETE));
        Config after = describe(GROUP);
        assertEquals("45000", after.get("consumer.session.timeout.ms").value());
        assertEquals(ConfigEntry.ConfigSource.DEFAULT_CONFIG, after.get("consumer.session.timeout.ms").source());
        assertEquals("250", after.get("consumer.assignment.interval.ms").value(), "the other configs stay");
    }

    @Test
    void configsGoWithTheGroupWhenItIsDeleted() throws Exception {
        alter(GROUP, set("consumer.heartbeat.interval.ms", "1000"));
        try (RawGroupClient raw = new RawGroupClient(broker)) {
            String memberId = Uuid.randomUuid().toString();
            raw.consumerHeartbeat(GROUP, memberId, 0, List.of(TOPIC), List.of());
            ConsumerGroupHeartbeatResponseData left = raw.consumerHeartbeat(GROUP, memberId, -1, null, null);
            assertEquals(Errors.NONE.code(), left.errorCode(), left.errorMessage());
        }
        admin.deleteConsumerGroups(List.of(GROUP)).all().get();
        assertEquals(ConfigEntry.ConfigSource.DEFAULT_CONFIG, describe(GROUP).get("consumer.heartbeat.interval.ms").source());
        broker.restart();
        admin = broker.admin();
        assertEquals("5000", describe(GROUP).get("consumer.heartbeat.interval.ms").value(), "the tombstone is durable");
    }

    @Test
    void groupConfigsSurviveARestart() throws Exception {
        alter(GROUP, set("consumer.session.timeout.ms", "20000"), set("consumer.heartbeat.interval.ms", "2000"));
        broker.restart();
        admin = broker.admin();
        assertEquals("20000", describe(GROUP).get("consumer.session.timeout.ms").value());
        assertEquals(2_000, broker.broker().groupCoordinator().consumerGroupConfig(GROUP).heartbeatIntervalMs());
    }
}
