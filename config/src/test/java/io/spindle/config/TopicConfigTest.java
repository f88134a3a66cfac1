package io.spindle.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class TopicConfigTest {

    @Test
    void defaultsAreKafkasTopicDefaults() {
        TopicConfig c = TopicConfig.defaults();
        assertEquals(604_800_000L, c.retentionMs());
        assertEquals(-1L, c.retentionBytes());
        assertEquals(1_073_741_824, c.segmentBytes());
        assertEquals(604_800_000L, c.segmentMs());
        assertEquals(CleanupPolicy.DELETE, c.cleanupPolicy());
        assertEquals(1_048_588, c.maxMessageBytes());
        assertEquals(TimestampType.CREATE_TIME, c.timestampType());
        assertEquals(4096, c.indexIntervalBytes());
        assertEquals(0.5, c.minCleanableDirtyRatio());
        assertEquals(0L, c.minCompactionLagMs());
        assertEquals(Long.MAX_VALUE, c.maxCompactionLagMs());
        assertEquals(86_400_000L, c.deleteRetentionMs());
    }

    @Test
    void withLayersOverridesOnTopOfBaseAndLeavesBaseUnchanged() {
        TopicConfig base = TopicConfig.defaults();
        TopicConfig topic = base.with(Map.of(
                TopicConfig.RETENTION_MS, "-1",
                TopicConfig.SEGMENT_BYTES, "1048576",
                TopicConfig.CLEANUP_POLICY, "compact",
                TopicConfig.MESSAGE_TIMESTAMP_TYPE, "LogAppendTime"));

        assertEquals(-1L, topic.retentionMs());
        assertEquals(1_048_576, topic.segmentBytes());
        assertEquals(CleanupPolicy.COMPACT, topic.cleanupPolicy());
        assertEquals(TimestampType.LOG_APPEND_TIME, topic.timestampType());
        assertEquals(base.maxMessageBytes(), topic.maxMessageBytes(), "keys not overridden keep the base value");
        assertEquals(TopicConfig.defaults(), base);
    }

    @Test
    void laterLayerWinsOverEarlierLayer() {
        TopicConfig c = TopicConfig.defaults()
                .with(Map.of(TopicConfig.RETENTION_BYTES, "100", TopicConfig.SEGMENT_MS, "5"))
                .with(Map.of(TopicConfig.RETENTION_BYTES, "200"));
        assertEquals(200L, c.retentionBytes());
        assertEquals(5L, c.segmentMs());
    }

    @Test
    void withNoOverridesReturnsTheSameConfig() {
        TopicConfig base = TopicConfig.defaults();
        assertSame(base, base.with(Map.of()));
    }

    @Test
    void valuesAreTrimmedAndEnumNamesAreCaseInsensitive() {
        TopicConfig c = TopicConfig.defaults().with(Map.of(
                TopicConfig.RETENTION_MS, "  1000\t",
                TopicConfig.CLEANUP_POLICY, " COMPACT ",
                TopicConfig.MESSAGE_TIMESTAMP_TYPE, "logappendtime"));
        assertEquals(1000L, c.retentionMs());
        assertEquals(CleanupPolicy.COMPACT, c.cleanupPolicy());
        assertEquals(TimestampType.LOG_APPEND_TIME, c.timestampType());
    }

    @Test
    void asStringMapRoundTripsThroughWith() {
        TopicConfig custom = TopicConfig.defaults().with(Map.of(
                TopicConfig.RETENTION_BYTES, "123456789012",
                TopicConfig.INDEX_INTERVAL_BYTES, "0",
                TopicConfig.MESSAGE_TIMESTAMP_TYPE, "LogAppendTime"));
        Map<String, String> text = custom.asStringMap();

        assertEquals(TopicConfig.names(), text.keySet());
        assertEquals("123456789012", text.get(TopicConfig.RETENTION_BYTES));
        assertEquals("LogAppendTime", text.get(TopicConfig.MESSAGE_TIMESTAMP_TYPE));
        assertEquals("delete", text.get(TopicConfig.CLEANUP_POLICY));
        assertEquals(custom, TopicConfig.defaults().with(text));
        assertEquals(custom.hashCode(), TopicConfig.defaults().with(text).hashCode());
    }

    @Test
    void configsWithDifferentValuesAreNotEqual() {
        assertNotEquals(TopicConfig.defaults(),
                TopicConfig.defaults().with(Map.of(TopicConfig.SEGMENT_MS, "1")));
    }

    @Test
    void unknownKeyIsRefusedNamingTheKey() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> TopicConfig.defaults().with(Map.of("retention.msx", "1")));
        assertEquals("retention.msx", e.key());
        assertEquals("Unknown configuration 'retention.msx'", e.getMessage());
    }

    @Test
    void brokerNameUsedAtTopicLevelPointsToTheTopicName() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> TopicConfig.defaults().with(Map.of("log.retention.ms", "1")));
        assertTrue(e.getMessage().contains("the topic-level name is 'retention.ms'"), e.getMessage());
    }

    @Test
    void nonNumericValueIsRefusedWithKeyValueAndAllowedRange() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> TopicConfig.defaults().with(Map.of(TopicConfig.RETENTION_MS, "abc")));
        assertEquals(TopicConfig.RETENTION_MS, e.key());
        assertEquals("Invalid value 'abc' for configuration 'retention.ms': expected a long integer >= -1",
                e.getMessage());
    }

    @ParameterizedTest(name = "{0}={1} is refused: expected {2}")
    @CsvSource(delimiter = '|', value = {
        "retention.ms           | -2             | a long integer >= -1",
        "retention.bytes        | 1.5            | a long integer >= -1",
        "segment.bytes          | 13             | an integer >= 14",
        "segment.bytes          | 2147483648     | an integer >= 14",
        "segment.ms             | 0              | a long integer >= 1",
        "max.message.bytes      | -1             | an integer >= 0",
        "index.interval.bytes   | 0x10           | an integer >= 0",
        "message.timestamp.type | Create-Time    | one of CreateTime, LogAppendTime",
        "retention.ms           | 99999999999999999999 | a long integer >= -1",
    })
    void wrongTypeOrOutOfRangeValueIsRefused(String key, String value, String expected) {
        ConfigException e = assertThrows(ConfigException.class,
                () -> TopicConfig.defaults().with(Map.of(key, value)));
        assertEquals(key, e.key());
        assertEquals("Invalid value '" + value + "' for configuration '" + key + "': expected " + expected,
                e.getMessage());
    }

    @ParameterizedTest
    @CsvSource({"segment.bytes, 14", "segment.bytes, 2147483647", "retention.ms, -1",
                "retention.bytes, 9223372036854775807", "max.message.bytes, 0"})
    void boundaryValuesAreAccepted(String key, String value) {
        assertEquals(value, TopicConfig.defaults().with(Map.of(key, value)).asStringMap().get(key));
    }

    @ParameterizedTest
    @CsvSource(delimiter = ';', value = {"compact,delete; COMPACT_DELETE", "delete,compact; COMPACT_DELETE",
            " Compact , DELETE ; COMPACT_DELETE", "compact,compact; COMPACT", "delete; DELETE"})
    void cleanupPolicyIsAListInAnyOrderAndIsShownInKafkasSpelling(String value, CleanupPolicy expected) {
        TopicConfig c = TopicConfig.defaults().with(Map.of(TopicConfig.CLEANUP_POLICY, value));
        assertEquals(expected, c.cleanupPolicy());
        assertEquals(expected.configName(), c.asStringMap().get(TopicConfig.CLEANUP_POLICY));
    }

    @ParameterizedTest
    @CsvSource(delimiter = ';', value = {"''", "compact,", "delete|compact", "compact delete", "none"})
    void cleanupPolicyWithAnEmptyOrUnknownItemIsRefused(String value) {
        ConfigException e = assertThrows(ConfigException.class,
                () -> TopicConfig.defaults().with(Map.of(TopicConfig.CLEANUP_POLICY, value)));
        assertEquals(TopicConfig.CLEANUP_POLICY, e.key());
        assertTrue(e.getMessage().endsWith("expected a list of delete and compact: delete, compact or compact,delete"),
                e.getMessage());
    }

    @Test
    void compactionSettingsAreTypedAndRangeChecked() {
        TopicConfig c = TopicConfig.defaults().with(Map.of(TopicConfig.MIN_CLEANABLE_DIRTY_RATIO, "0.01",
                TopicConfig.MIN_COMPACTION_LAG_MS, "1000", TopicConfig.MAX_COMPACTION_LAG_MS, "60000",
                TopicConfig.DELETE_RETENTION_MS, "0"));
        assertEquals(0.01, c.minCleanableDirtyRatio());
        assertEquals(1000L, c.minCompactionLagMs());
        assertEquals(60_000L, c.maxCompactionLagMs());
        assertEquals(0L, c.deleteRetentionMs());
        assertEquals("0.01", c.asStringMap().get(TopicConfig.MIN_CLEANABLE_DIRTY_RATIO));
        for (String ratio : new String[] {"1.5", "-0.1", "NaN", "Infinity", "0x1p-1", "half"}) {
            ConfigException e = assertThrows(ConfigException.class,
                    () -> TopicConfig.defaults().with(Map.of(TopicConfig.MIN_CLEANABLE_DIRTY_RATIO, ratio)), ratio);
            assertEquals("Invalid value '" + ratio + "' for configuration 'min.cleanable.dirty.ratio': expected a "
                    + "number between 0.0 and 1.0", e.getMessage());
        }
        assertThrows(ConfigException.class,
                () -> TopicConfig.defaults().with(Map.of(TopicConfig.MAX_COMPACTION_LAG_MS, "0")));
    }

    @Test
    void emptyValueIsRefused() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> TopicConfig.defaults().with(Map.of(TopicConfig.SEGMENT_MS, "  ")));
        assertEquals("Invalid value '' for configuration 'segment.ms': expected a long integer >= 1",
                e.getMessage());
    }

    @Test
    void everyKeyHasDocumentationAndUnknownKeysHaveNone() {
        for (String key : TopicConfig.names()) {
            assertFalse(TopicConfig.documentation(key).isBlank(), key);
        }
        assertThrows(ConfigException.class, () -> TopicConfig.documentation("no.such.key"));
    }

    @Test
    void defaultValueIsTheTextOfTheBuiltInDefault() {
        assertEquals("604800000", TopicConfig.defaultValue(TopicConfig.RETENTION_MS));
        assertEquals("CreateTime", TopicConfig.defaultValue(TopicConfig.MESSAGE_TIMESTAMP_TYPE));
    }

    @Test
    void namesAreExactlyTheKafkaTopicKeysSpindleImplements() {
        assertEquals(java.util.List.of("retention.ms", "retention.bytes", "segment.bytes", "segment.ms",
                "cleanup.policy", "max.message.bytes", "message.timestamp.type", "index.interval.bytes",
                "min.cleanable.dirty.ratio", "min.compaction.lag.ms", "max.compaction.lag.ms", "delete.retention.ms",
                "errors.deadletterqueue.group.enable", "min.insync.replicas", "unclean.leader.election.enable"),
                java.util.List.copyOf(TopicConfig.names()));
    }
}
