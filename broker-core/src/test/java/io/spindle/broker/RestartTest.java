package io.spindle.broker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spindle.config.TopicConfig;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewPartitions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.config.ConfigResource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the registry keeps across a restart on the same data directory. */
class RestartTest {
    @TempDir
    Path dataDir;

    @Test
    void topicsTheirIdsPartitionCountsAndConfigsComeBackAfterARestart() throws Exception {
        try (LocalBroker broker = LocalBroker.start(dataDir)) {
            Admin admin = broker.admin();
            Uuid kept = admin.createTopics(List.of(new NewTopic("kept", 2, (short) 1)
                    .configs(Map.of(TopicConfig.RETENTION_MS, "60000")))).topicId("kept").get();
            admin.createTopics(List.of(new NewTopic("dropped", 1, (short) 1))).all().get();
            admin.createPartitions(Map.of("kept", NewPartitions.increaseTo(3))).all().get();
            ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, "kept");
            admin.incrementalAlterConfigs(Map.of(resource, List.of(new AlterConfigOp(
                    new ConfigEntry(TopicConfig.SEGMENT_BYTES, "65536"), AlterConfigOp.OpType.SET)))).all().get();
            admin.deleteTopics(List.of("dropped")).all().get();
            String clusterId = admin.describeCluster().clusterId().get();

            broker.restart();

            Admin after = broker.admin();
            assertEquals(clusterId, after.describeCluster().clusterId().get());
            assertEquals(List.of("kept"), List.copyOf(after.listTopics().names().get()));
            TopicDescription description = after.describeTopics(List.of("kept")).allTopicNames().get().get("kept");
            assertEquals(kept, description.topicId());
            assertEquals(3, description.partitions().size());
            var config = after.describeConfigs(List.of(resource)).all().get().get(resource);
            assertEquals("60000", config.get(TopicConfig.RETENTION_MS).value());
            assertEquals(ConfigEntry.ConfigSource.DYNAMIC_TOPIC_CONFIG, config.get(TopicConfig.RETENTION_MS).source());
            assertEquals("65536", config.get(TopicConfig.SEGMENT_BYTES).value());
            TopicConfig live = broker.broker().partitions().get("kept", 2).orElseThrow().log().config();
            assertEquals(60_000L, live.retentionMs());
            assertEquals(65_536, live.segmentBytes());
            assertFalse(broker.broker().topics().topic("dropped").isPresent());
        }
    }

    @Test
    void aPartitionDirectoryTheRegistryDoesNotListIsRemovedAtStart() throws Exception {
        try (LocalBroker broker = LocalBroker.start(dataDir)) {
            broker.admin().createTopics(List.of(new NewTopic("real", 1, (short) 1))).all().get();
        }
        // A delete interrupted after the registry forgot the topic but before its directory went.
        java.nio.file.Files.createDirectories(dataDir.resolve("ghost-0"));
        try (LocalBroker broker = LocalBroker.start(dataDir)) {
            assertTrue(broker.broker().topics().topic("real").isPresent());
            assertFalse(broker.broker().topics().topic("ghost").isPresent());
            assertFalse(java.nio.file.Files.exists(dataDir.resolve("ghost-0")));
        }
    }
}
