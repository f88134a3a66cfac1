package io.spindle.cli;

import static io.spindle.cli.ShareGroupClusterTest.consumer;
import static io.spindle.cli.ShareGroupClusterTest.leaders;
import static io.spindle.cli.ShareGroupClusterTest.produce;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spindle.fixtures.RawKafkaConnection;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.AcknowledgeType;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaShareConsumer;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.message.DescribeConfigsRequestData;
import org.apache.kafka.common.message.DescribeConfigsResponseData.DescribeConfigsResult;
import org.apache.kafka.common.message.IncrementalAlterConfigsRequestData;
import org.apache.kafka.common.message.IncrementalAlterConfigsRequestData.AlterConfigsResource;
import org.apache.kafka.common.message.IncrementalAlterConfigsRequestData.AlterableConfig;
import org.apache.kafka.common.message.IncrementalAlterConfigsRequestData.AlterableConfigCollection;
import org.apache.kafka.common.message.IncrementalAlterConfigsResponseData.AlterConfigsResourceResponse;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.DescribeConfigsRequest;
import org.apache.kafka.common.requests.DescribeConfigsResponse;
import org.apache.kafka.common.requests.IncrementalAlterConfigsRequest;
import org.apache.kafka.common.requests.IncrementalAlterConfigsResponse;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Group configs in a cluster of three brokers, each a child process (docs/cluster.md, "Group configs"): the metadata
 * quorum keeps them, so a broker that coordinates neither the share groups nor the consumer groups takes a change,
 * every broker describes it, and the share-partition leaders on every broker apply it. Requests go to one named broker
 * over a raw connection (an admin client picks its broker itself).
 */
class GroupConfigsClusterTest {
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final int PARTITIONS = ShareGroupClusterTest.PARTITIONS;    // what its produce() fills
    private static final String GROUP = "workers";
    private static final Map<String, String> SETTINGS = Map.of("broker.session.timeout.ms", "3000",
            "broker.heartbeat.interval.ms", "300", "replica.lag.time.max.ms", "3000");

    @TempDir
    Path tempDir;

    @Test
    void aGroupConfigSetThroughABrokerThatCoordinatesNothingIsDescribedByEveryBrokerAndAppliedByEveryLeader()
            throws Exception {
        try (ClusterProcesses cluster = ClusterProcesses.start(3, tempDir, SETTINGS);
             Admin admin = ClusterUpCommandTest.admin(cluster.bootstrapServers())) {
            admin.createTopics(List.of(new NewTopic("work", PARTITIONS, (short) 1))).all().get();
            assertEquals(Set.of(1, 2, 3), Set.copyOf(leaders(admin, "work").values()),
                    "the topic's partitions are led by every broker");
            produce(cluster.bootstrapServers(), "work", 5, "early");
            // The coordinators: the leaders of the internal topics, made once enough brokers are live.
            int shareCoordinator = await().atMost(WAIT).ignoreExceptions()
                    .until(() -> leaders(admin, "__share_group_state").get(0), leader -> leader != null);
            int groupCoordinator = await().atMost(WAIT).ignoreExceptions()
                    .until(() -> leaders(admin, "__consumer_offsets").get(0), leader -> leader != null);
            int other = 1;
            while (other == shareCoordinator || (other == groupCoordinator && shareCoordinator != groupCoordinator)) {
                other++;
            }
            assertNotEquals(shareCoordinator, other);

            // Set where neither share group's coordinator is (nor, when the two are apart, the consumer groups').
            AlterConfigsResourceResponse set = alter(cluster.bootstrapServers(other),
                    Map.of("share.auto.offset.reset", "earliest", "consumer.session.timeout.ms", "50000"));
            assertEquals(Errors.NONE.code(), set.errorCode(), set.errorMessage());
            for (int node = 1; node <= 3; node++) {
                int asked = node;
                await().atMost(WAIT).untilAsserted(() -> {
                    Map<String, String> described = describe(cluster.bootstrapServers(asked));
                    assertEquals("earliest", described.get("share.auto.offset.reset"), "broker " + asked);
                    assertEquals("50000", described.get("consumer.session.timeout.ms"), "broker " + asked);
                });
            }

            // Refused at any broker as on a single one: INVALID_CONFIG naming the key and the value; nothing changes.
            AlterConfigsResourceResponse badValue = alter(cluster.bootstrapServers(other),
                    Map.of("share.auto.offset.reset", "sometimes"));
            assertEquals(Errors.INVALID_CONFIG.code(), badValue.errorCode(), badValue.errorMessage());
            assertTrue(badValue.errorMessage().contains("share.auto.offset.reset")
                    && badValue.errorMessage().contains("sometimes"), badValue.errorMessage());
            AlterConfigsResourceResponse unknown = alter(cluster.bootstrapServers(other), Map.of("share.nope", "1"));
            assertEquals(Errors.INVALID_CONFIG.code(), unknown.errorCode(), unknown.errorMessage());
            assertTrue(unknown.errorMessage().contains("share.nope"), unknown.errorMessage());
            assertEquals("earliest", describe(cluster.bootstrapServers(shareCoordinator)).get("share.auto.offset.reset"));

            // share.auto.offset.reset=earliest: the records produced before the group's first member joined, on every
            // broker's partitions (the default, latest, would give none of them).
            Set<String> seen = new TreeSet<>();
            try (KafkaShareConsumer<String, String> consumer = consumer(cluster.bootstrapServers(), GROUP)) {
                consumer.subscribe(List.of("work"));
                await().atMost(WAIT).until(() -> {
                    for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(200))) {
                        seen.add(record.value());
                        consumer.acknowledge(record, AcknowledgeType.ACCEPT);
                    }
                    consumer.commitSync();
                    return seen.size() == PARTITIONS * 5;
                });
            }
            for (int p = 0; p < PARTITIONS; p++) {
                assertTrue(seen.contains("early-" + p + "-0"), "partition " + p + " from its start: " + seen);
            }
        }
    }

    private static AlterConfigsResourceResponse alter(String broker, Map<String, String> configs) throws IOException {
        AlterableConfigCollection changes = new AlterableConfigCollection();
        new TreeMap<>(configs).forEach((name, value) -> changes.add(new AlterableConfig().setName(name).setValue(value)
                .setConfigOperation(AlterConfigOp.OpType.SET.id())));
        IncrementalAlterConfigsRequestData data = new IncrementalAlterConfigsRequestData();
        data.resources().add(new AlterConfigsResource().setResourceType(ConfigResource.Type.GROUP.id())
                .setResourceName(GROUP).setConfigs(changes));
        try (RawKafkaConnection connection = RawKafkaConnection.to(broker)) {
            IncrementalAlterConfigsResponse response = connection.roundTrip(
                    new IncrementalAlterConfigsRequest.Builder(data).build((short) 1));
            return response.data().responses().get(0);
        }
    }

    /** The group's configs as {@code broker} describes them. */
    private static Map<String, String> describe(String broker) throws IOException {
        DescribeConfigsRequestData data = new DescribeConfigsRequestData();
        data.resources().add(new DescribeConfigsRequestData.DescribeConfigsResource()
                .setResourceType(ConfigResource.Type.GROUP.id()).setResourceName(GROUP).setConfigurationKeys(null));
        try (RawKafkaConnection connection = RawKafkaConnection.to(broker)) {
            DescribeConfigsResponse response = connection.roundTrip(
                    new DescribeConfigsRequest.Builder(data).build((short) 4));
            DescribeConfigsResult result = response.data().results().get(0);
            assertEquals(Errors.NONE.code(), result.errorCode(), broker + ": " + result.errorMessage());
            Map<String, String> configs = new HashMap<>();
            result.configs().forEach(config -> configs.put(config.name(), config.value()));
            return configs;
        }
    }
}
