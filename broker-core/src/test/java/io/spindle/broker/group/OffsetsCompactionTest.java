package io.spindle.broker.group;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spindle.broker.LocalBroker;
import io.spindle.config.BrokerConfig;
import io.spindle.config.TopicConfig;
import io.spindle.groups.GroupCoordinator;
import io.spindle.share.ShareCoordinator;
import io.spindle.txn.TransactionCoordinator;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code __consumer_offsets} is bounded by compaction alone: kafka-clients commits many offsets for a few groups
 * and partitions into a broker with small offsets segments and a fast cleaner; the cleaner shrinks the topic, and
 * after a restart every group's latest committed offset is there.
 */
class OffsetsCompactionTest {
    private static final String TOPIC = "events";
    private static final int PARTITIONS = 4;
    private static final int GROUPS = 3;

    @TempDir
    Path dataDir;

    private LocalBroker broker;

    @AfterEach
    void stop() {
        if (broker != null) {
            broker.close();
        }
    }

    private LocalBroker start() {
        return LocalBroker.start(dataDir, Map.of(BrokerConfig.OFFSETS_TOPIC_SEGMENT_BYTES, "16384",
                BrokerConfig.LOG_CLEANER_BACKOFF_MS, "20", BrokerConfig.LOG_CLEANER_MIN_CLEANABLE_RATIO, "0.1"));
    }

    private long offsetsSegments() throws IOException {
        try (Stream<Path> files = Files.list(dataDir.resolve(GroupCoordinator.OFFSETS_TOPIC + "-0"))) {
            return files.filter(f -> f.getFileName().toString().endsWith(".log")).count();
        }
    }

    private Map<TopicPartition, Long> committed(Admin admin, String group) throws Exception {
        Map<TopicPartition, Long> offsets = new HashMap<>();
        admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get()
                .forEach((tp, om) -> offsets.put(tp, om.offset()));
        return offsets;
    }

    @Test
    void theCleanerCompactsConsumerOffsetsAndARestartKeepsEveryGroupsLatestCommittedOffset() throws Exception {
        broker = start();
        broker.createTopic(TOPIC, PARTITIONS);
        Map<String, Map<TopicPartition, Long>> latest = new HashMap<>();
        for (int g = 0; g < GROUPS; g++) {
            String group = "group-" + g;
            try (KafkaConsumer<byte[], byte[]> consumer = broker.consumer(Map.of(ConsumerConfig.GROUP_ID_CONFIG, group,
                    ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false"))) {
                for (int round = 0; round < 400; round++) {
                    Map<TopicPartition, OffsetAndMetadata> commit = new HashMap<>();
                    for (int p = 0; p < PARTITIONS; p++) {
                        // Each round commits a larger offset; round 399 leaves a value per group and partition.
                        commit.put(new TopicPartition(TOPIC, p), new OffsetAndMetadata(round * 10L + p + g));
                    }
                    consumer.commitSync(commit);
                }
            }
            Map<TopicPartition, Long> last = new HashMap<>();
            for (int p = 0; p < PARTITIONS; p++) {
                last.put(new TopicPartition(TOPIC, p), 3_990L + p + g);
            }
            latest.put(group, last);
        }
        TopicPartition offsetsPartition = new TopicPartition(GroupCoordinator.OFFSETS_TOPIC, 0);
        long records = broker.admin().listOffsets(Map.of(offsetsPartition, OffsetSpec.latest())).all().get()
                .get(offsetsPartition).offset();
        assertTrue(records >= GROUPS * 400 * PARTITIONS, "every commit was written: " + records);
        // Uncompacted, 4 800 offset records (over 200 KB) need more than a dozen 16 KiB segments; compacted, the
        // 12 latest offsets fit in one cleaned segment beside the active one.
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50))
                .until(() -> offsetsSegments() <= 3);

        broker.restart();
        Admin admin = broker.admin();
        for (Map.Entry<String, Map<TopicPartition, Long>> group : latest.entrySet()) {
            assertEquals(group.getValue(), committed(admin, group.getKey()), group.getKey() + " after the restart");
        }
    }

    /** Each coordinator's state topic is bounded by compaction alone: time or size retention would delete state. */
    @ParameterizedTest
    @ValueSource(strings = {GroupCoordinator.OFFSETS_TOPIC, TransactionCoordinator.STATE_TOPIC,
        ShareCoordinator.STATE_TOPIC})
    void anInternalStateTopicAlteredToDeleteIsSetBackToCompactAtStart(String topic) throws Exception {
        broker = start();
        ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
        Admin admin = broker.admin();
        admin.incrementalAlterConfigs(Map.of(resource, List.of(new AlterConfigOp(
                new ConfigEntry(TopicConfig.CLEANUP_POLICY, "delete"), AlterConfigOp.OpType.SET)))).all().get();
        assertEquals("delete", policy(admin, resource));

        broker.restart();
        assertEquals("compact", policy(broker.admin(), resource));
    }

    private static String policy(Admin admin, ConfigResource topic) throws Exception {
        Collection<ConfigEntry> entries = admin.describeConfigs(List.of(topic)).all().get().get(topic).entries();
        return entries.stream().filter(e -> e.name().equals(TopicConfig.CLEANUP_POLICY)).findFirst().orElseThrow().value();
    }
}
