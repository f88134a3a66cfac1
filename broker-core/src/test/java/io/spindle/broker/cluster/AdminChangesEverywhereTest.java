package io.spindle.broker.cluster;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spindle.broker.LocalBroker;
import io.spindle.broker.LocalCluster;
import io.spindle.fixtures.RawKafkaConnection;
import io.spindle.metadata.MetadataClient;
import io.spindle.metadata.MetadataImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewPartitions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.message.DescribeConfigsRequestData;
import org.apache.kafka.common.message.DescribeConfigsRequestData.DescribeConfigsResource;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.DescribeConfigsRequest;
import org.apache.kafka.common.requests.DescribeConfigsResponse;
import org.apache.kafka.common.requests.MetadataRequest;
import org.apache.kafka.common.requests.MetadataResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Admin changes submitted through one broker are visible on every live broker when the call returns (docs/cluster.md,
 * "Admin calls"): the other brokers are asked at once, without waiting or retrying. The partition logs a change makes
 * follow on each broker, so those are awaited.
 */
class AdminChangesEverywhereTest {
    private static final Duration WAIT = Duration.ofSeconds(30);

    @TempDir
    static Path root;
    static LocalCluster cluster;

    @BeforeAll
    static void startCluster() {
        cluster = LocalCluster.start(root, 3, Map.of());
        await().atMost(WAIT).until(cluster::ready);
    }

    @AfterAll
    static void stopCluster() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void createGrowAlterAndDeleteThroughBrokerOneAreSeenAtOnceByBrokersTwoAndThree() throws Exception {
        Admin viaOne = cluster.admin(1);

        viaOne.createTopics(List.of(new NewTopic("seen", 4, (short) 1))).all().get();
        assertEverywhere("seen", 4);

        viaOne.createPartitions(Map.of("seen", NewPartitions.increaseTo(6))).all().get();
        assertEverywhere("seen", 6);

        ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, "seen");
        viaOne.incrementalAlterConfigs(Map.of(resource, List.of(new AlterConfigOp(
                new ConfigEntry("retention.ms", "123456"), AlterConfigOp.OpType.SET)))).all().get();
        for (int id : List.of(2, 3)) {
            assertEquals("123456", topicConfig(cluster.broker(id), "seen", "retention.ms"), "broker " + id);
        }

        viaOne.deleteTopics(List.of("seen")).all().get();
        for (int id : List.of(2, 3)) {
            MetadataResponse.TopicMetadata gone = metadata(cluster.broker(id), "seen");
            assertEquals(Errors.UNKNOWN_TOPIC_OR_PARTITION, gone.error(), "broker " + id);
        }
        for (LocalBroker broker : cluster.brokers()) {
            assertTrue(broker.broker().partitions().all().stream().noneMatch(p -> p.topic().equals("seen")),
                    broker.toString());
        }
    }

    /** kafka-clients 4.4's describeTopics goes through DescribeTopicPartitions, answered for the whole cluster. */
    @Test
    void describeTopicsThroughAnyBrokerNamesEveryPartitionsLeader() throws Exception {
        cluster.admin(3).createTopics(List.of(new NewTopic("described", 5, (short) 1))).all().get();
        for (LocalBroker broker : cluster.brokers()) {
            TopicDescription described = broker.admin().describeTopics(List.of("described")).allTopicNames().get()
                    .get("described");
            assertEquals(5, described.partitions().size(), broker.toString());
            described.partitions().forEach(partition -> await().atMost(WAIT).until(() -> cluster
                    .broker(partition.leader().id()).broker().partitions().get("described", partition.partition())
                    .isPresent()));
        }
    }

    /** Every broker's cluster meters agree with the quorum's image; and the Grafana dashboard's cluster row finds them. */
    @Test
    void clusterMetersNameTheQuorumLeaderTheLiveBrokersAndEachBrokersLeaderships() throws Exception {
        cluster.admin(1).createTopics(List.of(new NewTopic("metered", new TreeMap<>(Map.of(0, List.of(2),
                1, List.of(2), 2, List.of(3)))))).all().get();
        MetadataImage image;
        try (MetadataClient client = new MetadataClient(cluster.broker(1).config().cluster().orElseThrow().voters())) {
            image = client.readImage().get();
        }
        Map<Integer, Integer> led = new HashMap<>(Map.of(1, 0, 2, 0, 3, 0));
        image.topics().values().forEach(topic -> topic.partitions().forEach(p -> led.merge(p.leader(), 1, Integer::sum)));
        String dashboard = Files.readString(Path.of("..", "docs", "grafana-dashboard.json"));
        for (LocalBroker broker : cluster.brokers()) {
            await().atMost(WAIT).until(() -> value(broker.broker().metrics().scrape(null),
                    "spindle_cluster_metadata_lag") == 0);
            String body = broker.broker().metrics().scrape(null);
            assertEquals(broker.broker().metadataAuthority().controllerId(), value(body, "spindle_cluster_quorum_leader"));
            assertEquals(3, value(body, "spindle_cluster_brokers_live"));
            assertEquals(3, value(body, "spindle_cluster_brokers_registered"));
            assertTrue(value(body, "spindle_cluster_metadata_commit_index") >= image.offset(), body);
            for (int id = 1; id <= 3; id++) {
                assertEquals(led.get(id), value(body, "spindle_cluster_partitions_led{broker=\"" + id + "\"}"),
                        "broker " + id + " as " + broker + " counts");
            }
            Matcher names = Pattern.compile("spindle_cluster_[a-z_]+").matcher(dashboard);
            while (names.find()) {
                assertTrue(body.contains(names.group()), "the dashboard queries " + names.group());
            }
        }
    }

    /** The value of the sample named {@code series} (with its labels, if any) in a Prometheus scrape. */
    private static int value(String scrape, String series) {
        for (String line : scrape.split("\n")) {
            if (line.startsWith(series + " ")) {
                return (int) Double.parseDouble(line.substring(series.length() + 1).trim());
            }
        }
        throw new AssertionError("no sample " + series + " in the scrape");
    }

    /**
     * Brokers 2 and 3 answer Metadata for {@code topic} at once with every partition led; the broker named holds the
     * partition's log soon after (logs are made after the metadata is served, as in Kafka).
     */
    private static void assertEverywhere(String topic, int partitions) throws Exception {
        for (int id : List.of(2, 3)) {
            MetadataResponse.TopicMetadata described = metadata(cluster.broker(id), topic);
            assertEquals(Errors.NONE, described.error(), "broker " + id);
            assertEquals(partitions, described.partitionMetadata().size(), "broker " + id);
            for (MetadataResponse.PartitionMetadata partition : described.partitionMetadata()) {
                assertEquals(Errors.NONE, partition.error, "broker " + id + ": " + partition);
                int leader = partition.leaderId.orElseThrow();
                await().atMost(WAIT).until(() -> cluster.broker(leader).broker().partitions()
                        .get(topic, partition.partition()).isPresent());
            }
        }
    }

    private static MetadataResponse.TopicMetadata metadata(LocalBroker broker, String topic) throws Exception {
        try (RawKafkaConnection raw = new RawKafkaConnection(broker.host(), broker.port())) {
            MetadataResponse response = raw.roundTrip(new MetadataRequest.Builder(List.of(topic), false)
                    .build((short) 12));
            return response.topicMetadata().iterator().next();
        }
    }

    private static String topicConfig(LocalBroker broker, String topic, String name) throws Exception {
        try (RawKafkaConnection raw = new RawKafkaConnection(broker.host(), broker.port())) {
            DescribeConfigsResponse response = raw.roundTrip(new DescribeConfigsRequest.Builder(
                    new DescribeConfigsRequestData().setResources(List.of(new DescribeConfigsResource()
                            .setResourceType(ConfigResource.Type.TOPIC.id()).setResourceName(topic)
                            .setConfigurationKeys(List.of(name))))).build((short) 4));
            return response.data().results().get(0).configs().get(0).value();
        }
    }
}
