package io.spindle.broker.share;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spindle.broker.LocalBroker;
import io.spindle.config.BrokerConfig;
import io.spindle.fixtures.RawKafkaConnection;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.ShareGroupDescription;
import org.apache.kafka.clients.admin.ShareMemberDescription;
import org.apache.kafka.clients.consumer.AcknowledgeType;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaShareConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicIdPartition;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.InvalidConfigurationException;
import org.apache.kafka.common.message.ShareFetchResponseData;
import org.apache.kafka.common.message.ShareGroupHeartbeatRequestData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.ShareFetchRequest;
import org.apache.kafka.common.requests.ShareFetchResponse;
import org.apache.kafka.common.requests.ShareGroupHeartbeatRequest;
import org.apache.kafka.common.requests.ShareGroupHeartbeatResponse;
import org.apache.kafka.common.requests.ShareRequestMetadata;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A share group's own share.session.timeout.ms and share.heartbeat.interval.ms (GROUP configs set with the Admin
 * client) govern its members, within the broker's group.share.min/max.* bounds; other groups keep the broker's.
 */
class ShareGroupSessionConfigsTest {
    private static final String TOPIC = "jobs";
    /** Far below the broker's 45 s session timeout and the 30 s acquisition lock: only the group's timeout fits. */
    private static final Duration WELL_BEFORE_BROKER_DEFAULTS = Duration.ofSeconds(15);

    @TempDir
    Path dataDir;
    private LocalBroker broker;
    private Admin admin;
    private TopicIdPartition partition;

    @BeforeEach
    void start() throws Exception {
        broker = LocalBroker.start(dataDir, Map.of(BrokerConfig.GROUP_SHARE_MIN_SESSION_TIMEOUT_MS, "1000",
                BrokerConfig.GROUP_SHARE_MIN_HEARTBEAT_INTERVAL_MS, "100",
                BrokerConfig.GROUP_SHARE_AUTO_OFFSET_RESET, "earliest"));
        broker.createTopic(TOPIC, 1);
        admin = broker.admin();
        Uuid id = admin.describeTopics(List.of(TOPIC)).allTopicNames().get().get(TOPIC).topicId();
        partition = new TopicIdPartition(id, new TopicPartition(TOPIC, 0));
    }

    @AfterEach
    void stop() {
        broker.close();
    }

    private void set(String group, Map<String, String> configs) throws Exception {
        List<AlterConfigOp> ops = new ArrayList<>();
        configs.forEach((k, v) -> ops.add(new AlterConfigOp(new ConfigEntry(k, v), AlterConfigOp.OpType.SET)));
        admin.incrementalAlterConfigs(Map.of(new ConfigResource(ConfigResource.Type.GROUP, group), ops)).all().get();
    }

    private static ShareGroupHeartbeatResponse join(RawKafkaConnection raw, String group, String member) throws Exception {
        ShareGroupHeartbeatResponse joined = raw.roundTrip(new ShareGroupHeartbeatRequest.Builder(
                new ShareGroupHeartbeatRequestData().setGroupId(group).setMemberId(member).setMemberEpoch(0)
                        .setSubscribedTopicNames(List.of(TOPIC))).build((short) 1));
        assertEquals(Errors.NONE.code(), joined.data().errorCode(), joined.data().errorMessage());
        return joined;
    }

    /** Acquires the partition's record for {@code member} (a share session of its own), then says nothing more. */
    private void acquire(RawKafkaConnection raw, String group, String member) throws Exception {
        ShareFetchResponse fetched = raw.roundTrip(ShareFetchRequest.Builder.forConsumer(group,
                new ShareRequestMetadata(Uuid.fromString(member), 0), 1000, 1, 1 << 20, 100, 100, (byte) 0, false,
                List.of(partition), List.of(), Map.of()).build((short) 2));
        assertEquals(Errors.NONE, fetched.error(), fetched.data().errorMessage());
        int acquired = 0;
        for (ShareFetchResponseData.ShareFetchableTopicResponse topic : fetched.data().responses()) {
            for (ShareFetchResponseData.PartitionData p : topic.partitions()) {
                acquired += p.acquiredRecords().size();
            }
        }
        assertEquals(1, acquired, "the silent member of '" + group + "' holds the record");
    }

    private List<String> members(String group) throws Exception {
        ShareGroupDescription description = admin.describeShareGroups(List.of(group)).all().get().get(group);
        return description.members().stream().map(ShareMemberDescription::consumerId).toList();
    }

    @Test
    void aGroupsShortSessionTimeoutRemovesItsSilentMemberAndReleasesItsRecordWhileADefaultGroupKeepsIts()
            throws Exception {
        set("brief", Map.of("share.session.timeout.ms", "1500", "share.heartbeat.interval.ms", "500"));
        try (KafkaProducer<byte[], byte[]> producer = broker.producer(Map.of())) {
            producer.send(new ProducerRecord<>(TOPIC, 0, null, new byte[] {7})).get();
        }
        String briefMember = Uuid.randomUuid().toString();
        String steadyMember = Uuid.randomUuid().toString();
        try (RawKafkaConnection raw = RawKafkaConnection.to(broker.bootstrapServers())) {
            assertEquals(500, join(raw, "brief", briefMember).data().heartbeatIntervalMs());
            assertEquals(5000, join(raw, "steady", steadyMember).data().heartbeatIntervalMs(), "the broker's default");
            acquire(raw, "brief", briefMember);
            acquire(raw, "steady", steadyMember);

            try (KafkaShareConsumer<byte[], byte[]> consumer = broker.shareConsumer("brief",
                    Map.of("share.acknowledgement.mode", "explicit"))) {
                consumer.subscribe(List.of(TOPIC));
                List<Short> deliveries = new ArrayList<>();
                await().atMost(WELL_BEFORE_BROKER_DEFAULTS).until(() -> {
                    for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                        deliveries.add(record.deliveryCount().orElse((short) -1));
                        consumer.acknowledge(record, AcknowledgeType.ACCEPT);
                    }
                    consumer.commitSync();
                    return !deliveries.isEmpty();
                });
                assertEquals(List.of((short) 2), deliveries, "released by the removal, delivered a second time");
                assertTrue(!members("brief").contains(briefMember), "the silent member of 'brief' was removed");
            }
            // Silent just as long, but on the broker's 45 s: still a member, still holding the record.
            assertEquals(List.of(steadyMember), members("steady"));
        }
    }

    @Test
    void describeConfigsShowsTheGroupsSessionTimeoutAndTheBrokersHeartbeatInterval() throws Exception {
        set("described", Map.of("share.session.timeout.ms", "20000"));
        ConfigResource resource = new ConfigResource(ConfigResource.Type.GROUP, "described");
        Config config = admin.describeConfigs(List.of(resource)).all().get().get(resource);
        assertEquals("20000", config.get("share.session.timeout.ms").value());
        assertEquals(ConfigEntry.ConfigSource.DYNAMIC_GROUP_CONFIG, config.get("share.session.timeout.ms").source());
        assertEquals("5000", config.get("share.heartbeat.interval.ms").value());
        assertEquals(ConfigEntry.ConfigSource.DEFAULT_CONFIG, config.get("share.heartbeat.interval.ms").source());
    }

    @Test
    void valuesOutsideTheBrokersBoundsAreRefusedNamingTheSettingAndTheBound() {
        Map<Map<String, String>, List<String>> cases = Map.of(
                Map.of("share.session.timeout.ms", "999"),
                List.of("share.session.timeout.ms", BrokerConfig.GROUP_SHARE_MIN_SESSION_TIMEOUT_MS),
                Map.of("share.session.timeout.ms", "60001"),
                List.of("share.session.timeout.ms", BrokerConfig.GROUP_SHARE_MAX_SESSION_TIMEOUT_MS),
                Map.of("share.heartbeat.interval.ms", "15001"),
                List.of("share.heartbeat.interval.ms", BrokerConfig.GROUP_SHARE_MAX_HEARTBEAT_INTERVAL_MS),
                Map.of("share.session.timeout.ms", "2000", "share.heartbeat.interval.ms", "2000"),
                List.of("share.heartbeat.interval.ms", "share.session.timeout.ms"));
        cases.forEach((configs, named) -> {
            ExecutionException e = assertThrows(ExecutionException.class, () -> set("bounded", configs));
            assertInstanceOf(InvalidConfigurationException.class, e.getCause());
            for (String name : named) {
                assertTrue(e.getCause().getMessage().contains(name), e.getCause().getMessage());
            }
        });
    }
}
