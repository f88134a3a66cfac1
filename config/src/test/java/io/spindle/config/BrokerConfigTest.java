package io.spindle.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class BrokerConfigTest {

    @TempDir
    Path dir;

    private Path propertiesFile(String... lines) throws IOException {
        Path file = dir.resolve("broker.properties");
        Files.write(file, java.util.List.of(lines), StandardCharsets.UTF_8);
        return file;
    }

    // --- defaults ---

    @Test
    void defaultsAreTheDocumentedValues() {
        BrokerConfig c = BrokerConfig.defaults();
        assertEquals(Path.of("./data"), c.dataDir());
        assertEquals("127.0.0.1", c.listenerHost());
        assertEquals(9092, c.listenerPort());
        assertEquals("127.0.0.1", c.advertisedHost());
        assertEquals(-1, c.advertisedPort());
        assertEquals(0, c.nodeId());
        assertEquals(FlushMode.FSYNC, c.flushMode());
        assertEquals(1000L, c.flushIntervalMs());
        assertEquals(10_000L, c.flushIntervalMessages());
        assertEquals(1, c.numPartitions());
        assertTrue(c.autoCreateTopicsEnable());
        assertEquals(104_857_600, c.socketRequestMaxBytes());
        assertEquals(9404, c.metricsPort());
        assertEquals("127.0.0.1", c.metricsHost());
        assertEquals(300_000L, c.logRetentionCheckIntervalMs());
        assertEquals(TopicConfig.defaults(), c.topicDefaults());
    }

    @Test
    void everyDefaultValueReportsSourceDefault() {
        BrokerConfig c = BrokerConfig.defaults();
        for (String key : BrokerConfig.names()) {
            assertEquals("default", c.source(key), key);
        }
    }

    @Test
    void loadWithNoSourcesEqualsDefaults() {
        assertEquals(BrokerConfig.defaults().asStringMap(), BrokerConfig.load(null, null, null).asStringMap());
    }

    // --- precedence ---

    @Test
    void fileOverridesDefaults() throws IOException {
        Path file = propertiesFile("# comment", "listener.port=19092", "flush.mode = interval");
        BrokerConfig c = BrokerConfig.load(file, Map.of(), Map.of());
        assertEquals(19092, c.listenerPort());
        assertEquals(FlushMode.INTERVAL, c.flushMode());
        assertEquals("file " + file, c.source(BrokerConfig.LISTENER_PORT));
        assertEquals("default", c.source(BrokerConfig.NODE_ID));
    }

    @Test
    void environmentOverridesFileButNotCommandLine() throws IOException {
        Path file = propertiesFile("node.id=1", "num.partitions=2", "log.retention.ms=3");
        Map<String, String> env = Map.of("SPINDLE_NODE_ID", "10", "SPINDLE_NUM_PARTITIONS", "20");
        BrokerConfig c = BrokerConfig.load(file, env, Map.of(BrokerConfig.NUM_PARTITIONS, "200"));

        assertEquals(10, c.nodeId());
        assertEquals("environment SPINDLE_NODE_ID", c.source(BrokerConfig.NODE_ID));
        assertEquals(200, c.numPartitions());
        assertEquals("override", c.source(BrokerConfig.NUM_PARTITIONS));
        assertEquals(3L, c.topicDefaults().retentionMs());
        assertEquals("file " + file, c.source(BrokerConfig.LOG_RETENTION_MS));
    }

    @Test
    void overrideWinsOverFileAndEnvironment() throws IOException {
        Path file = propertiesFile("listener.host=10.0.0.1");
        BrokerConfig c = BrokerConfig.load(file, Map.of("SPINDLE_LISTENER_HOST", "10.0.0.2"),
                Map.of(BrokerConfig.LISTENER_HOST, "10.0.0.3"));
        assertEquals("10.0.0.3", c.listenerHost());
        assertEquals("override", c.source(BrokerConfig.LISTENER_HOST));
    }

    @Test
    void environmentVariableMapsToKeyByStrippingPrefixLowerCasingAndDotting() {
        BrokerConfig c = BrokerConfig.load(null,
                Map.of("SPINDLE_LOG_RETENTION_CHECK_INTERVAL_MS", "5", "SPINDLE_AUTO_CREATE_TOPICS_ENABLE", "false"),
                null);
        assertEquals(5L, c.logRetentionCheckIntervalMs());
        assertFalse(c.autoCreateTopicsEnable());
        assertEquals("SPINDLE_LOG_RETENTION_MS", BrokerConfig.environmentVariable(BrokerConfig.LOG_RETENTION_MS));
    }

    @Test
    void environmentVariablesWithoutThePrefixAreIgnored() {
        BrokerConfig c = BrokerConfig.load(null,
                Map.of("PATH", "/usr/bin", "NODE_ID", "7", "spindle_node_id", "8", "XSPINDLE_NODE_ID", "9"), null);
        assertEquals(0, c.nodeId());
    }

    // --- unknown keys ---

    @Test
    void unknownKeyInFileIsRefusedNamingKeyAndFile() throws IOException {
        Path file = propertiesFile("retention.msx=1");
        ConfigException e = assertThrows(ConfigException.class, () -> BrokerConfig.load(file, null, null));
        assertEquals("retention.msx", e.key());
        assertEquals("Unknown configuration 'retention.msx' (from file " + file + ")", e.getMessage());
    }

    @Test
    void unknownSpindleEnvironmentVariableIsRefusedNamingTheVariable() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> BrokerConfig.load(null, Map.of("SPINDLE_NODE_IDD", "1"), null));
        assertEquals("Unknown configuration 'node.idd' (from environment SPINDLE_NODE_IDD)", e.getMessage());
    }

    @Test
    void unknownOverrideIsRefusedNamingKeyAndSource() {
        ConfigException e = assertThrows(ConfigException.class, () -> BrokerConfig.of(Map.of("listener.prot", "1")));
        assertEquals("Unknown configuration 'listener.prot' (from override)", e.getMessage());
    }

    @Test
    void topicLevelNameAtBrokerLevelIsRefusedPointingToTheBrokerDefault() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> BrokerConfig.of(Map.of(TopicConfig.SEGMENT_MS, "1")));
        assertEquals("Unknown configuration 'segment.ms' (from override); 'segment.ms' is a topic-level name, "
                + "the broker-wide default is 'log.roll.ms'", e.getMessage());
    }

    // --- bad values ---

    @Test
    void wrongTypeIsRefusedNamingKeyValueAllowedAndSource() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> BrokerConfig.load(null, Map.of("SPINDLE_LOG_RETENTION_MS", "abc"), null));
        assertEquals(BrokerConfig.LOG_RETENTION_MS, e.key());
        assertEquals("Invalid value 'abc' for configuration 'log.retention.ms': expected a long integer >= -1 "
                + "(from environment SPINDLE_LOG_RETENTION_MS)", e.getMessage());
    }

    @Test
    void badValueInFileNamesTheFile() throws IOException {
        Path file = propertiesFile("listener.port=70000");
        ConfigException e = assertThrows(ConfigException.class, () -> BrokerConfig.load(file, null, null));
        assertEquals("Invalid value '70000' for configuration 'listener.port': expected an integer between 0 "
                + "and 65535 (from file " + file + ")", e.getMessage());
    }

    @Test
    void badValueInLowerSourceIsRefusedEvenWhenAHigherSourceReplacesIt() throws IOException {
        Path file = propertiesFile("node.id=-5");
        assertThrows(ConfigException.class,
                () -> BrokerConfig.load(file, null, Map.of(BrokerConfig.NODE_ID, "1")));
    }

    @ParameterizedTest(name = "{0}={1} is refused: expected {2}")
    @CsvSource(delimiter = '|', value = {
        "listener.port            | -1          | an integer between 0 and 65535",
        "advertised.port          | 0           | -1 or an integer between 1 and 65535",
        "node.id                  | -1          | an integer >= 0",
        "flush.mode               | always      | one of fsync, interval, none",
        "flush.interval.ms        | 0           | a long integer >= 1",
        "flush.interval.messages  | 1e3         | a long integer >= 1",
        "num.partitions           | 0           | an integer >= 1",
        "socket.request.max.bytes | 1023        | an integer >= 1024",
        "metrics.port             | -2          | an integer between -1 and 65535",
        "listener.host            | my host     | a non-empty host name or IP address without spaces",
        "log.retention.check.interval.ms | 0    | a long integer >= 1",
        "log.segment.bytes        | 13          | an integer >= 14",
        "message.max.bytes        | 3000000000  | an integer >= 0",
        "log.message.timestamp.type | NoTime    | one of CreateTime, LogAppendTime",
    })
    void outOfRangeOrWrongTypeIsRefused(String key, String value, String expected) {
        ConfigException e = assertThrows(ConfigException.class, () -> BrokerConfig.of(Map.of(key, value)));
        assertEquals(key, e.key());
        assertEquals("Invalid value '" + value + "' for configuration '" + key + "': expected " + expected
                + " (from override)", e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"yes", "1", "on", "TRUE!", ""})
    void booleanAcceptsOnlyTrueOrFalse(String value) {
        ConfigException e = assertThrows(ConfigException.class,
                () -> BrokerConfig.of(Map.of(BrokerConfig.AUTO_CREATE_TOPICS_ENABLE, value)));
        assertTrue(e.getMessage().endsWith("expected true or false (from override)"), e.getMessage());
    }

    @Test
    void booleanIsCaseInsensitive() {
        assertFalse(BrokerConfig.of(Map.of(BrokerConfig.AUTO_CREATE_TOPICS_ENABLE, "FALSE")).autoCreateTopicsEnable());
    }

    @Test
    void emptyDataDirIsRefused() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> BrokerConfig.of(Map.of(BrokerConfig.DATA_DIR, " ")));
        assertEquals(BrokerConfig.DATA_DIR, e.key());
    }

    @Test
    void valueWithControlCharactersStillGivesAOneLineMessage() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> BrokerConfig.of(Map.of(BrokerConfig.NODE_ID, "1\n2")));
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
        assertTrue(e.getMessage().startsWith("Invalid value '1\\n2'"), e.getMessage());
    }

    @Test
    void valuesFromEverySourceAreTrimmed() throws IOException {
        Path file = propertiesFile("node.id = 4   ");
        BrokerConfig c = BrokerConfig.load(file, Map.of("SPINDLE_METRICS_PORT", " -1 "),
                Map.of(BrokerConfig.DATA_DIR, "  /var/lib/spindle "));
        assertEquals(4, c.nodeId());
        assertEquals(-1, c.metricsPort());
        assertEquals(Path.of("/var/lib/spindle"), c.dataDir());
    }

    // --- files ---

    @Test
    void missingFileIsRefusedNamingThePath() {
        Path missing = dir.resolve("absent.properties");
        ConfigException e = assertThrows(ConfigException.class, () -> BrokerConfig.load(missing, null, null));
        assertNull(e.key());
        assertEquals("Cannot read configuration file " + missing + ": no such file", e.getMessage());
    }

    @Test
    void directoryGivenAsFileIsRefusedNamingThePath() {
        ConfigException e = assertThrows(ConfigException.class, () -> BrokerConfig.load(dir, null, null));
        assertTrue(e.getMessage().startsWith("Cannot read configuration file " + dir + ": "), e.getMessage());
    }

    @Test
    void fileIsReadAsUtf8() throws IOException {
        Path file = propertiesFile("data.dir=/srv/données");
        assertEquals(Path.of("/srv/données"), BrokerConfig.load(file, null, null).dataDir());
    }

    // --- derived values ---

    @Test
    void advertisedHostFallsBackToListenerHostWhenEmpty() {
        BrokerConfig c = BrokerConfig.of(Map.of(BrokerConfig.LISTENER_HOST, "0.0.0.0"));
        assertEquals("0.0.0.0", c.advertisedHost());
        BrokerConfig advertised = BrokerConfig.of(Map.of(BrokerConfig.LISTENER_HOST, "0.0.0.0",
                BrokerConfig.ADVERTISED_HOST, "broker1.example", BrokerConfig.ADVERTISED_PORT, "29092"));
        assertEquals("broker1.example", advertised.advertisedHost());
        assertEquals(29092, advertised.advertisedPort());
    }

    @Test
    void logKeysFeedTopicDefaults() {
        BrokerConfig c = BrokerConfig.of(Map.of(
                BrokerConfig.LOG_RETENTION_MS, "-1",
                BrokerConfig.LOG_RETENTION_BYTES, "1000000",
                BrokerConfig.LOG_SEGMENT_BYTES, "65536",
                BrokerConfig.LOG_ROLL_MS, "60000",
                BrokerConfig.LOG_CLEANUP_POLICY, "compact",
                BrokerConfig.MESSAGE_MAX_BYTES, "2048",
                BrokerConfig.LOG_MESSAGE_TIMESTAMP_TYPE, "LogAppendTime",
                BrokerConfig.LOG_INDEX_INTERVAL_BYTES, "128",
                BrokerConfig.LOG_CLEANER_MIN_CLEANABLE_RATIO, "0.1",
                BrokerConfig.LOG_CLEANER_DELETE_RETENTION_MS, "500"));
        TopicConfig t = c.topicDefaults();
        assertEquals(-1L, t.retentionMs());
        assertEquals(1_000_000L, t.retentionBytes());
        assertEquals(65_536, t.segmentBytes());
        assertEquals(60_000L, t.segmentMs());
        assertEquals(CleanupPolicy.COMPACT, t.cleanupPolicy());
        assertEquals(2048, t.maxMessageBytes());
        assertEquals(TimestampType.LOG_APPEND_TIME, t.timestampType());
        assertEquals(128, t.indexIntervalBytes());
        assertEquals(0.1, t.minCleanableDirtyRatio());
        assertEquals(500L, t.deleteRetentionMs());
    }

    @Test
    void topicOverridesLayerOnTheBrokersTopicDefaults() {
        TopicConfig t = BrokerConfig.of(Map.of(BrokerConfig.LOG_SEGMENT_BYTES, "65536")).topicDefaults()
                .with(Map.of(TopicConfig.RETENTION_MS, "1000"));
        assertEquals(65_536, t.segmentBytes());
        assertEquals(1000L, t.retentionMs());
    }

    @Test
    void everyTopicKeyButTheDeadLetterQueueOptInHasABrokerSynonymWithTheSameDefault() {
        assertNull(BrokerConfig.brokerSynonym(TopicConfig.ERRORS_DEADLETTERQUEUE_GROUP_ENABLE), "none in Kafka either");
        assertFalse(BrokerConfig.defaults().topicDefaults().deadLetterQueueGroupEnable());
        for (String topicKey : TopicConfig.names()) {
            if (topicKey.equals(TopicConfig.ERRORS_DEADLETTERQUEUE_GROUP_ENABLE)) {
                continue;
            }
            String brokerKey = BrokerConfig.brokerSynonym(topicKey);
            assertTrue(BrokerConfig.names().contains(brokerKey), topicKey);
            assertEquals(TopicConfig.defaultValue(topicKey), BrokerConfig.defaults().asStringMap().get(brokerKey));
        }
        assertEquals("log.roll.ms", BrokerConfig.brokerSynonym("segment.ms"));
        assertNull(BrokerConfig.brokerSynonym("node.id"));
    }

    @Test
    void asStringMapCoversEveryKeyAndRoundTrips() {
        BrokerConfig custom = BrokerConfig.of(Map.of(BrokerConfig.FLUSH_MODE, "none",
                BrokerConfig.DATA_DIR, "/tmp/spindle", BrokerConfig.LOG_CLEANUP_POLICY, "compact"));
        Map<String, String> text = custom.asStringMap();
        assertEquals(BrokerConfig.names(), text.keySet());
        assertEquals("none", text.get(BrokerConfig.FLUSH_MODE));
        assertEquals("127.0.0.1", text.get(BrokerConfig.ADVERTISED_HOST), "shows the resolved advertised host");
        assertEquals(text, BrokerConfig.of(text).asStringMap());
    }

    @Test
    void everyKeyIsDocumentedAndHasAnEnvironmentVariable() {
        for (String key : BrokerConfig.names()) {
            assertFalse(BrokerConfig.documentation(key).isBlank(), key);
            String variable = BrokerConfig.environmentVariable(key);
            assertEquals("environment " + variable, BrokerConfig.load(null,
                    Map.of(variable, BrokerConfig.defaults().asStringMap().get(key)), null).source(key));
        }
    }

    @Test
    void sourceOfUnknownKeyIsRefused() {
        assertThrows(ConfigException.class, () -> BrokerConfig.defaults().source("no.such.key"));
    }

    @Test
    void toStringListsEveryKey() {
        String text = BrokerConfig.defaults().toString();
        for (String key : BrokerConfig.names()) {
            assertTrue(text.contains(key + "="), key);
        }
    }
}
