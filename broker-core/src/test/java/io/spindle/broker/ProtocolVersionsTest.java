package io.spindle.broker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spindle.config.TopicConfig;
import io.spindle.fixtures.RawKafkaConnection;
import java.nio.file.Path;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.message.CreatePartitionsRequestData;
import org.apache.kafka.common.message.CreatePartitionsRequestData.CreatePartitionsTopic;
import org.apache.kafka.common.message.CreatePartitionsRequestData.CreatePartitionsTopicCollection;
import org.apache.kafka.common.message.CreateTopicsRequestData;
import org.apache.kafka.common.message.CreateTopicsRequestData.CreatableTopic;
import org.apache.kafka.common.message.CreateTopicsRequestData.CreatableTopicCollection;
import org.apache.kafka.common.message.DeleteTopicsRequestData;
import org.apache.kafka.common.message.DeleteTopicsRequestData.DeleteTopicState;
import org.apache.kafka.common.message.DescribeClusterRequestData;
import org.apache.kafka.common.message.DescribeConfigsRequestData;
import org.apache.kafka.common.message.DescribeConfigsRequestData.DescribeConfigsResource;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.AlterConfigsRequest;
import org.apache.kafka.common.requests.ApiVersionsRequest;
import org.apache.kafka.common.requests.ApiVersionsResponse;
import org.apache.kafka.common.requests.CreatePartitionsRequest;
import org.apache.kafka.common.requests.CreateTopicsRequest;
import org.apache.kafka.common.requests.DeleteTopicsRequest;
import org.apache.kafka.common.requests.DescribeClusterRequest;
import org.apache.kafka.common.requests.DescribeClusterResponse;
import org.apache.kafka.common.requests.DescribeConfigsRequest;
import org.apache.kafka.common.requests.IncrementalAlterConfigsRequest;
import org.apache.kafka.common.requests.MetadataRequest;
import org.apache.kafka.common.requests.MetadataResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every admin API at every version the broker advertises, as old and new clients send them: each request gets
 * a well-formed response without errors (a field the broker sets that an old version cannot carry would make
 * serialization fail and the connection close).
 */
class ProtocolVersionsTest {
    @TempDir
    Path dataDir;

    private LocalBroker broker;
    private RawKafkaConnection raw;
    private int correlationId;

    @BeforeEach
    void start() throws Exception {
        broker = LocalBroker.start(dataDir);
        raw = RawKafkaConnection.to(broker.bootstrapServers());
    }

    @AfterEach
    void stop() throws Exception {
        raw.close();
        broker.close();
    }

    @Test
    void apiVersionsAnswersAtEveryVersion() throws Exception {
        for (short v = 0; v <= ApiKeys.API_VERSIONS.latestVersion(); v++) {
            ApiVersionsResponse response = raw.roundTrip(new ApiVersionsRequest.Builder().build(v), ++correlationId);
            assertEquals(Errors.NONE.code(), response.data().errorCode(), "v" + v);
            assertTrue(response.data().apiKeys().size() >= 9, "v" + v);
        }
    }

    @Test
    void topicLifecycleWorksAtEveryVersionOfEachAdminApi() throws Exception {
        for (short v = ApiKeys.CREATE_TOPICS.oldestVersion(); v <= ApiKeys.CREATE_TOPICS.latestVersion(); v++) {
            CreatableTopicCollection topics = new CreatableTopicCollection();
            topics.add(new CreatableTopic().setName("create-v" + v).setNumPartitions(1).setReplicationFactor((short) 1));
            assertNoErrors(raw.roundTrip(new CreateTopicsRequest.Builder(new CreateTopicsRequestData().setTopics(topics))
                    .build(v), ++correlationId), "CreateTopics v" + v);
        }
        for (short v = ApiKeys.METADATA.oldestVersion(); v <= ApiKeys.METADATA.latestVersion(); v++) {
            // kafka-clients' builder no longer builds v0, which old clients still send; build that one by hand.
            MetadataRequest request = v == 0
                    ? new MetadataRequest(new MetadataRequestData().setTopics(
                            MetadataRequest.convertToMetadataRequestTopic(List.of("create-v2"))), v)
                    : new MetadataRequest.Builder(List.of("create-v2"), true, v, v).build(v);
            MetadataResponse response = raw.roundTrip(request, ++correlationId);
            assertEquals(Map.of(), response.errors(), "Metadata v" + v);
            assertEquals(1, response.brokers().size(), "Metadata v" + v);
        }
        for (short v = ApiKeys.CREATE_PARTITIONS.oldestVersion(); v <= ApiKeys.CREATE_PARTITIONS.latestVersion(); v++) {
            CreatePartitionsTopicCollection topics = new CreatePartitionsTopicCollection();
            topics.add(new CreatePartitionsTopic().setName("create-v2").setCount(v + 2).setAssignments(null));
            assertNoErrors(raw.roundTrip(new CreatePartitionsRequest.Builder(new CreatePartitionsRequestData()
                    .setTopics(topics)).build(v), ++correlationId), "CreatePartitions v" + v);
        }
        for (short v = ApiKeys.DESCRIBE_CONFIGS.oldestVersion(); v <= ApiKeys.DESCRIBE_CONFIGS.latestVersion(); v++) {
            DescribeConfigsRequestData data = new DescribeConfigsRequestData().setIncludeSynonyms(true)
                    .setIncludeDocumentation(v >= 3)
                    .setResources(List.of(
                            new DescribeConfigsResource().setResourceType(ConfigResource.Type.TOPIC.id())
                                    .setResourceName("create-v2").setConfigurationKeys(null),
                            new DescribeConfigsResource().setResourceType(ConfigResource.Type.BROKER.id())
                                    .setResourceName("0").setConfigurationKeys(null)));
            assertNoErrors(raw.roundTrip(new DescribeConfigsRequest.Builder(data).build(v), ++correlationId),
                    "DescribeConfigs v" + v);
        }
        ConfigResource topic = new ConfigResource(ConfigResource.Type.TOPIC, "create-v2");
        for (short v = ApiKeys.ALTER_CONFIGS.oldestVersion(); v <= ApiKeys.ALTER_CONFIGS.latestVersion(); v++) {
            AlterConfigsRequest.Config config = new AlterConfigsRequest.Config(
                    List.of(new AlterConfigsRequest.ConfigEntry(TopicConfig.RETENTION_MS, Integer.toString(60_000 + v))));
            assertNoErrors(raw.roundTrip(new AlterConfigsRequest.Builder(Map.of(topic, config), false).build(v),
                    ++correlationId), "AlterConfigs v" + v);
        }
        for (short v = ApiKeys.INCREMENTAL_ALTER_CONFIGS.oldestVersion();
             v <= ApiKeys.INCREMENTAL_ALTER_CONFIGS.latestVersion(); v++) {
            Map<ConfigResource, Collection<AlterConfigOp>> ops = Map.of(topic, List.of(new AlterConfigOp(
                    new ConfigEntry(TopicConfig.SEGMENT_MS, Integer.toString(70_000 + v)), AlterConfigOp.OpType.SET)));
            assertNoErrors(raw.roundTrip(new IncrementalAlterConfigsRequest.Builder(ops, false).build(v),
                    ++correlationId), "IncrementalAlterConfigs v" + v);
        }
        for (short v = ApiKeys.DESCRIBE_CLUSTER.oldestVersion(); v <= ApiKeys.DESCRIBE_CLUSTER.latestVersion(); v++) {
            DescribeClusterResponse response = raw.roundTrip(new DescribeClusterRequest.Builder(
                    new DescribeClusterRequestData()).build(v), ++correlationId);
            assertEquals(Errors.NONE.code(), response.data().errorCode(), "DescribeCluster v" + v);
            assertEquals(broker.broker().clusterId(), response.data().clusterId());
        }
        for (short v = ApiKeys.DELETE_TOPICS.oldestVersion(); v <= ApiKeys.DELETE_TOPICS.latestVersion(); v++) {
            String name = "create-v" + (v + 1);
            DeleteTopicsRequestData data = v >= 6
                    ? new DeleteTopicsRequestData().setTopics(List.of(new DeleteTopicState().setName(name)))
                    : new DeleteTopicsRequestData().setTopicNames(List.of(name));
            assertNoErrors(raw.roundTrip(new DeleteTopicsRequest.Builder(data).build(v), ++correlationId),
                    "DeleteTopics v" + v);
            assertTrue(broker.broker().topics().topic(name).isEmpty(), name);
        }
    }

    private static void assertNoErrors(AbstractResponse response, String what) {
        assertEquals(Set.of(Errors.NONE), response.errorCounts().keySet(), what + ": " + response);
    }
}
