package io.spindle.broker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spindle.config.CleanupPolicy;
import io.spindle.config.TopicConfig;
import io.spindle.fixtures.RawKafkaConnection;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.AlterConfigsOptions;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.DescribeConfigsOptions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.InvalidConfigurationException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AlterConfigsRequest;
import org.apache.kafka.common.requests.AlterConfigsResponse;
import org.apache.kafka.common.requests.ApiError;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Describing and altering topic configs through kafka-clients' Admin, both alter APIs. */
class AdminConfigsTest {
    private static final String TOPIC = "configured";
    private static final ConfigResource RESOURCE = new ConfigResource(ConfigResource.Type.TOPIC, TOPIC);

    @TempDir
    Path dataDir;

    private LocalBroker broker;
    private Admin admin;

    @BeforeEach
    void startBrokerWithOneTopic() throws Exception {
        broker = LocalBroker.start(dataDir, Map.of("log.retention.bytes", "1000000"));
        admin = broker.admin();
        admin.createTopics(List.of(new NewTopic(TOPIC, 2, (short) 1)
                .configs(Map.of(TopicConfig.RETENTION_MS, "3600000")))).all().get();
    }

    @AfterEach
    void stopBroker() {
        broker.close();
    }

    @Test
    void describeConfigsReportsEveryTopicKeyWithTheSourceKafkaWouldReport() throws Exception {
        Config config = describe();
        assertEquals(TopicConfig.names(), config.entries().stream().map(ConfigEntry::name).collect(Collectors.toSet()));

        ConfigEntry override = config.get(TopicConfig.RETENTION_MS);
        assertEquals("3600000", override.value());
        assertEquals(ConfigEntry.ConfigSource.DYNAMIC_TOPIC_CONFIG, override.source());

        ConfigEntry brokerDefault = config.get(TopicConfig.RETENTION_BYTES);
        assertEquals("1000000", brokerDefault.value());
        assertEquals(ConfigEntry.ConfigSource.STATIC_BROKER_CONFIG, brokerDefault.source());

        ConfigEntry builtIn = config.get(TopicConfig.CLEANUP_POLICY);
        assertEquals("delete", builtIn.value());
        assertEquals(ConfigEntry.ConfigSource.DEFAULT_CONFIG, builtIn.source());
        assertFalse(builtIn.isReadOnly());
    }

    @Test
    void describeConfigsGivesDocumentationAndSynonymsWhenAsked() throws Exception {
        Config config = admin.describeConfigs(List.of(RESOURCE),
                new DescribeConfigsOptions().includeDocumentation(true).includeSynonyms(true)).all().get().get(RESOURCE);
        ConfigEntry retention = config.get(TopicConfig.RETENTION_MS);
        assertEquals(TopicConfig.documentation(TopicConfig.RETENTION_MS), retention.documentation());
        List<String> synonyms = retention.synonyms().stream().map(s -> s.name() + "=" + s.source()).toList();
        assertEquals(List.of("retention.ms=DYNAMIC_TOPIC_CONFIG", "log.retention.ms=DEFAULT_CONFIG"), synonyms);
        assertEquals(ConfigEntry.ConfigType.LONG, retention.type());
    }

    @Test
    void describeConfigsOfTheBrokerListsItsKeysReadOnly() throws Exception {
        ConfigResource brokerResource = new ConfigResource(ConfigResource.Type.BROKER, "0");
        Config config = admin.describeConfigs(List.of(brokerResource)).all().get().get(brokerResource);
        ConfigEntry retentionBytes = config.get("log.retention.bytes");
        assertEquals("1000000", retentionBytes.value());
        assertEquals(ConfigEntry.ConfigSource.STATIC_BROKER_CONFIG, retentionBytes.source());
        assertTrue(retentionBytes.isReadOnly());
        assertEquals(ConfigEntry.ConfigSource.DEFAULT_CONFIG, config.get("num.partitions").source());
        assertNotNull(config.get("flush.mode"));
    }

    @Test
    void describeConfigsOfAnUnknownTopicFailsWithUnknownTopic() {
        ConfigResource absent = new ConfigResource(ConfigResource.Type.TOPIC, "absent");
        ExecutionException failure = assertThrows(ExecutionException.class,
                () -> admin.describeConfigs(List.of(absent)).all().get());
        assertInstanceOf(UnknownTopicOrPartitionException.class, failure.getCause());
    }

    @Test
    void incrementalAlterSetsAndDeletesOverridesAndAppliesThemToTheLiveLogs() throws Exception {
        admin.incrementalAlterConfigs(Map.of(RESOURCE, List.of(
                new AlterConfigOp(new ConfigEntry(TopicConfig.SEGMENT_BYTES, "1048576"), AlterConfigOp.OpType.SET),
                new AlterConfigOp(new ConfigEntry(TopicConfig.RETENTION_MS, null), AlterConfigOp.OpType.DELETE))))
                .all().get();

        Config config = describe();
        assertEquals("1048576", config.get(TopicConfig.SEGMENT_BYTES).value());
        assertEquals(ConfigEntry.ConfigSource.DYNAMIC_TOPIC_CONFIG, config.get(TopicConfig.SEGMENT_BYTES).source());
        assertEquals("604800000", config.get(TopicConfig.RETENTION_MS).value());
        assertEquals(ConfigEntry.ConfigSource.DEFAULT_CONFIG, config.get(TopicConfig.RETENTION_MS).source());
        for (int partition = 0; partition < 2; partition++) {
            TopicConfig live = broker.broker().partitions().get(TOPIC, partition).orElseThrow().log().config();
            assertEquals(1048576, live.segmentBytes());
            assertEquals(604_800_000L, live.retentionMs());
        }
    }

    @Test
    void incrementalAppendAndSubtractEditTheListValuedCleanupPolicy() throws Exception {
        alterCleanupPolicy("delete", AlterConfigOp.OpType.APPEND);       // already in the list: no change
        assertEquals("delete", describe().get(TopicConfig.CLEANUP_POLICY).value());

        alterCleanupPolicy("compact", AlterConfigOp.OpType.APPEND);
        assertEquals("compact,delete", describe().get(TopicConfig.CLEANUP_POLICY).value());
        TopicConfig live = broker.broker().partitions().get(TOPIC, 0).orElseThrow().log().config();
        assertEquals(CleanupPolicy.COMPACT_DELETE, live.cleanupPolicy());

        alterCleanupPolicy("delete", AlterConfigOp.OpType.SUBTRACT);
        assertEquals("compact", describe().get(TopicConfig.CLEANUP_POLICY).value());

        // Subtracting the last item would leave no policy at all.
        ExecutionException failure = assertThrows(ExecutionException.class,
                () -> alterCleanupPolicy("compact", AlterConfigOp.OpType.SUBTRACT));
        assertInstanceOf(InvalidConfigurationException.class, failure.getCause());
        assertTrue(failure.getCause().getMessage().contains(TopicConfig.CLEANUP_POLICY), failure.getCause().getMessage());
        assertEquals("compact", describe().get(TopicConfig.CLEANUP_POLICY).value());
    }

    @Test
    void describeConfigsReportsTheCompactionSettingsWithKafkasTypesAndSynonyms() throws Exception {
        Config config = admin.describeConfigs(List.of(RESOURCE),
                new DescribeConfigsOptions().includeSynonyms(true)).all().get().get(RESOURCE);
        ConfigEntry ratio = config.get(TopicConfig.MIN_CLEANABLE_DIRTY_RATIO);
        assertEquals("0.5", ratio.value());
        assertEquals(ConfigEntry.ConfigType.DOUBLE, ratio.type());
        assertEquals(List.of("log.cleaner.min.cleanable.ratio=DEFAULT_CONFIG"),
                ratio.synonyms().stream().map(s -> s.name() + "=" + s.source()).toList());
        assertEquals("86400000", config.get(TopicConfig.DELETE_RETENTION_MS).value());
        assertEquals(ConfigEntry.ConfigType.LONG, config.get(TopicConfig.DELETE_RETENTION_MS).type());
        assertEquals("0", config.get(TopicConfig.MIN_COMPACTION_LAG_MS).value());
        assertEquals(Long.toString(Long.MAX_VALUE), config.get(TopicConfig.MAX_COMPACTION_LAG_MS).value());
        assertEquals(List.of("log.cleaner.max.compaction.lag.ms=DEFAULT_CONFIG"),
                config.get(TopicConfig.MAX_COMPACTION_LAG_MS).synonyms().stream()
                        .map(s -> s.name() + "=" + s.source()).toList());
    }

    private void alterCleanupPolicy(String value, AlterConfigOp.OpType op) throws Exception {
        admin.incrementalAlterConfigs(Map.of(RESOURCE, List.of(
                new AlterConfigOp(new ConfigEntry(TopicConfig.CLEANUP_POLICY, value), op)))).all().get();
    }

    @Test
    void incrementalAppendToANonListKeyIsRefused() {
        ExecutionException failure = assertThrows(ExecutionException.class, () -> admin.incrementalAlterConfigs(
                Map.of(RESOURCE, List.of(new AlterConfigOp(new ConfigEntry(TopicConfig.RETENTION_MS, "1"),
                        AlterConfigOp.OpType.APPEND)))).all().get());
        assertInstanceOf(InvalidConfigurationException.class, failure.getCause());
        assertTrue(failure.getCause().getMessage().contains(TopicConfig.RETENTION_MS), failure.getCause().getMessage());
    }

    @Test
    void legacyAlterConfigsReplacesTheWholeOverrideSet() throws Exception {
        AlterConfigsResponse response = alterLegacy(Map.of(TopicConfig.MAX_MESSAGE_BYTES, "2048"));
        assertEquals(Errors.NONE, only(response).error());
        Config config = describe();
        assertEquals("2048", config.get(TopicConfig.MAX_MESSAGE_BYTES).value());
        assertEquals(ConfigEntry.ConfigSource.DYNAMIC_TOPIC_CONFIG, config.get(TopicConfig.MAX_MESSAGE_BYTES).source());
        assertEquals(ConfigEntry.ConfigSource.DEFAULT_CONFIG, config.get(TopicConfig.RETENTION_MS).source(),
                "retention.ms was not named, so its override is gone");
        assertEquals(2048, broker.broker().partitions().get(TOPIC, 1).orElseThrow().log().config().maxMessageBytes());
    }

    @Test
    void legacyAlterConfigsRefusesAnInvalidValueNamingTheKey() throws Exception {
        ApiError error = only(alterLegacy(Map.of(TopicConfig.RETENTION_MS, "soon")));
        assertEquals(Errors.INVALID_CONFIG, error.error());
        assertTrue(error.message().contains(TopicConfig.RETENTION_MS), error.message());
        assertEquals("3600000", describe().get(TopicConfig.RETENTION_MS).value());
    }

    @Test
    void validateOnlyAlterationChangesNothing() throws Exception {
        admin.incrementalAlterConfigs(Map.of(RESOURCE, List.of(new AlterConfigOp(
                        new ConfigEntry(TopicConfig.RETENTION_MS, "1000"), AlterConfigOp.OpType.SET))),
                new AlterConfigsOptions().validateOnly(true)).all().get();
        assertEquals("3600000", describe().get(TopicConfig.RETENTION_MS).value());
    }

    @Test
    void invalidValuesComeBackAsInvalidConfigurationNamingTheKey() {
        List<ThrowingCall> calls = List.of(
                () -> admin.createTopics(List.of(new NewTopic("bad-create", 1, (short) 1)
                        .configs(Map.of(TopicConfig.RETENTION_MS, "forever"))))
                        .all().get(),
                () -> admin.incrementalAlterConfigs(Map.of(RESOURCE, List.of(new AlterConfigOp(
                        new ConfigEntry(TopicConfig.RETENTION_MS, "-5"), AlterConfigOp.OpType.SET)))).all().get());
        for (ThrowingCall call : calls) {
            ExecutionException failure = assertThrows(ExecutionException.class, call::run);
            assertInstanceOf(InvalidConfigurationException.class, failure.getCause());
            assertTrue(failure.getCause().getMessage().contains(TopicConfig.RETENTION_MS), failure.getCause().getMessage());
        }
    }

    @Test
    void unknownKeysAreRefusedNamingTheKey() {
        ExecutionException failure = assertThrows(ExecutionException.class, () -> admin.createTopics(
                List.of(new NewTopic("bad-key", 1, (short) 1).configs(Map.of("retention.forever", "true")))).all().get());
        assertInstanceOf(InvalidConfigurationException.class, failure.getCause());
        assertTrue(failure.getCause().getMessage().contains("retention.forever"), failure.getCause().getMessage());
        assertFalse(broker.broker().topics().topic("bad-key").isPresent());
    }

    @Test
    void alteringBrokerConfigsIsRefusedBecauseTheyAreStatic() {
        ConfigResource brokerResource = new ConfigResource(ConfigResource.Type.BROKER, "0");
        ExecutionException failure = assertThrows(ExecutionException.class, () -> admin.incrementalAlterConfigs(
                Map.of(brokerResource, List.of(new AlterConfigOp(new ConfigEntry("num.partitions", "2"),
                        AlterConfigOp.OpType.SET)))).all().get());
        assertTrue(failure.getCause().getMessage().contains("static"), failure.getCause().getMessage());
    }

    /** Admin no longer offers the legacy AlterConfigs API (removed in Kafka 4), so it goes over a raw connection. */
    private AlterConfigsResponse alterLegacy(Map<String, String> settings) throws Exception {
        List<AlterConfigsRequest.ConfigEntry> entries = settings.entrySet().stream()
                .map(setting -> new AlterConfigsRequest.ConfigEntry(setting.getKey(), setting.getValue())).toList();
        AlterConfigsRequest request = new AlterConfigsRequest.Builder(
                Map.of(RESOURCE, new AlterConfigsRequest.Config(entries)), false).build(ApiKeys.ALTER_CONFIGS.latestVersion());
        try (RawKafkaConnection connection = RawKafkaConnection.to(broker.bootstrapServers())) {
            return connection.roundTrip(request, 1);
        }
    }

    private static ApiError only(AlterConfigsResponse response) {
        Map<ConfigResource, ApiError> errors = response.errors();
        assertEquals(Set.of(RESOURCE), errors.keySet());
        return errors.get(RESOURCE);
    }

    private Config describe() throws Exception {
        return admin.describeConfigs(List.of(RESOURCE)).all().get().get(RESOURCE);
    }

    @FunctionalInterface
    private interface ThrowingCall {
        void run() throws Exception;
    }
}
