package io.spindle.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The share-group settings: Kafka's defaults, bounds, and a group's configs on top of the broker's. */
class ShareSettingsTest {
    @Test
    void defaultsAreKafkas() {
        ShareSettings settings = ShareSettings.defaults();
        assertEquals(30_000, settings.recordLockDurationMs());
        assertEquals(5, settings.deliveryCountLimit());
        assertEquals(2_000, settings.maxRecordLocks());
        assertEquals(ShareAutoOffsetReset.LATEST, settings.autoOffsetReset());
        assertEquals(2_000, settings.maxShareSessions());
        assertEquals(ShareIsolationLevel.READ_UNCOMMITTED, settings.isolationLevel());
        assertEquals(new ShareGroupLimits(200, 45_000, 60_000, 5_000, 15_000, 15_000, 60_000, 2, 10, 100, 4_000, 0, 15_000),
                settings.limits());
    }

    @Test
    void isolationLevelGroupConfigTakesKafkasTwoValuesAndRefusesOthersNamingIt() {
        ShareSettings committed = ShareSettings.defaults().withGroupConfigs(
                Map.of(ShareSettings.SHARE_ISOLATION_LEVEL, "read_committed"));
        assertEquals(ShareIsolationLevel.READ_COMMITTED, committed.isolationLevel());
        assertEquals("read_committed", committed.groupConfigValues().get(ShareSettings.SHARE_ISOLATION_LEVEL));
        assertEquals("read_uncommitted", ShareSettings.defaults().groupConfigValues().get(ShareSettings.SHARE_ISOLATION_LEVEL));
        ConfigException bad = assertThrows(ConfigException.class, () -> ShareSettings.defaults().withGroupConfigs(
                Map.of(ShareSettings.SHARE_ISOLATION_LEVEL, "serializable")));
        assertEquals(ShareSettings.SHARE_ISOLATION_LEVEL, bad.key(), bad.getMessage());
        assertTrue(bad.getMessage().contains("read_committed"), bad.getMessage());
    }

    @Test
    void recordLocksGroupConfigLiesWithinTheBrokersMinAndMaxPartitionRecordLocks() {
        assertEquals(150, ShareSettings.defaults().withGroupConfigs(
                Map.of(ShareSettings.SHARE_PARTITION_MAX_RECORD_LOCKS, "150")).maxRecordLocks());
        for (String bad : List.of("99", "4001")) {
            ConfigException e = assertThrows(ConfigException.class, () -> ShareSettings.defaults().withGroupConfigs(
                    Map.of(ShareSettings.SHARE_PARTITION_MAX_RECORD_LOCKS, bad)));
            assertEquals(ShareSettings.SHARE_PARTITION_MAX_RECORD_LOCKS, e.key(), e.getMessage());
        }
        ConfigException aboveMax = assertThrows(ConfigException.class, () -> ShareSettings.defaults().withGroupConfigs(
                Map.of(ShareSettings.SHARE_PARTITION_MAX_RECORD_LOCKS, "4001")));
        assertTrue(aboveMax.getMessage().contains(BrokerConfig.GROUP_SHARE_MAX_PARTITION_MAX_RECORD_LOCKS),
                aboveMax.getMessage());
    }

    @Test
    void brokerRecordLocksOutsideItsMinAndMaxIsRefusedNamingItAndTheBound() {
        ConfigException e = assertThrows(ConfigException.class, () -> BrokerConfig.of(Map.of(
                BrokerConfig.GROUP_SHARE_PARTITION_MAX_RECORD_LOCKS, "5000")));
        assertEquals(BrokerConfig.GROUP_SHARE_PARTITION_MAX_RECORD_LOCKS, e.key(), e.getMessage());
        assertTrue(e.getMessage().contains(BrokerConfig.GROUP_SHARE_MAX_PARTITION_MAX_RECORD_LOCKS), e.getMessage());
        assertEquals(5_000, BrokerConfig.of(Map.of(BrokerConfig.GROUP_SHARE_PARTITION_MAX_RECORD_LOCKS, "5000",
                BrokerConfig.GROUP_SHARE_MAX_PARTITION_MAX_RECORD_LOCKS, "6000")).shares().maxRecordLocks());
        ConfigException minKey = assertThrows(ConfigException.class, () -> BrokerConfig.of(Map.of(
                BrokerConfig.GROUP_SHARE_MIN_PARTITION_MAX_RECORD_LOCKS, "2001")));
        assertEquals(BrokerConfig.GROUP_SHARE_MIN_PARTITION_MAX_RECORD_LOCKS, minKey.key(), minKey.getMessage());
    }

    @Test
    void maxSizeOutsideKafkasBoundsIsRefusedNamingTheKey() {
        for (String bad : List.of("0", "1001")) {
            ConfigException e = assertThrows(ConfigException.class,
                    () -> BrokerConfig.of(Map.of(BrokerConfig.GROUP_SHARE_MAX_SIZE, bad)));
            assertEquals(BrokerConfig.GROUP_SHARE_MAX_SIZE, e.key(), e.getMessage());
        }
        assertEquals(1, BrokerConfig.of(Map.of(BrokerConfig.GROUP_SHARE_MAX_SIZE, "1")).shares().limits().maxSize());
    }

    @Test
    void maxShareSessionsBelowMaxSizeIsRefusedNamingBoth() {
        ConfigException e = assertThrows(ConfigException.class, () -> BrokerConfig.of(Map.of(
                BrokerConfig.GROUP_SHARE_MAX_SHARE_SESSIONS, "10", BrokerConfig.GROUP_SHARE_MAX_SIZE, "11")));
        assertEquals(BrokerConfig.GROUP_SHARE_MAX_SHARE_SESSIONS, e.key(), e.getMessage());
        assertTrue(e.getMessage().contains(BrokerConfig.GROUP_SHARE_MAX_SIZE), e.getMessage());
    }

    @Test
    void eachBoundedSettingOutsideItsMinAndMaxIsRefusedNamingItAndTheBounds() {
        Map<String, Map<String, String>> cases = Map.of(
                BrokerConfig.GROUP_SHARE_SESSION_TIMEOUT_MS, Map.of(BrokerConfig.GROUP_SHARE_SESSION_TIMEOUT_MS, "30000"),
                BrokerConfig.GROUP_SHARE_HEARTBEAT_INTERVAL_MS, Map.of(BrokerConfig.GROUP_SHARE_HEARTBEAT_INTERVAL_MS, "20000"),
                BrokerConfig.GROUP_SHARE_RECORD_LOCK_DURATION_MS, Map.of(BrokerConfig.GROUP_SHARE_RECORD_LOCK_DURATION_MS, "1000"),
                BrokerConfig.GROUP_SHARE_DELIVERY_COUNT_LIMIT, Map.of(BrokerConfig.GROUP_SHARE_DELIVERY_COUNT_LIMIT, "4",
                        BrokerConfig.GROUP_SHARE_MIN_DELIVERY_COUNT_LIMIT, "5"));
        cases.forEach((key, values) -> {
            ConfigException e = assertThrows(ConfigException.class, () -> BrokerConfig.of(values));
            assertEquals(key, e.key(), e.getMessage());
            assertTrue(e.getMessage().contains(key.replace("group.share.", "group.share.min.")), e.getMessage());
        });
    }

    @Test
    void aMaximumBelowItsMinimumIsRefusedNamingTheMaximum() {
        ConfigException e = assertThrows(ConfigException.class, () -> BrokerConfig.of(Map.of(
                BrokerConfig.GROUP_SHARE_MIN_SESSION_TIMEOUT_MS, "50000", BrokerConfig.GROUP_SHARE_MAX_SESSION_TIMEOUT_MS, "49999",
                BrokerConfig.GROUP_SHARE_SESSION_TIMEOUT_MS, "50000")));
        assertEquals(BrokerConfig.GROUP_SHARE_MAX_SESSION_TIMEOUT_MS, e.key(), e.getMessage());
    }

    @Test
    void loweringTheMinimumsAllowsShortTimesAsTestsUse() {
        ShareSettings settings = BrokerConfig.of(Map.of(BrokerConfig.GROUP_SHARE_MIN_RECORD_LOCK_DURATION_MS, "100",
                BrokerConfig.GROUP_SHARE_RECORD_LOCK_DURATION_MS, "100", BrokerConfig.GROUP_SHARE_MIN_SESSION_TIMEOUT_MS, "1000",
                BrokerConfig.GROUP_SHARE_SESSION_TIMEOUT_MS, "1000", BrokerConfig.GROUP_SHARE_MIN_HEARTBEAT_INTERVAL_MS, "100",
                BrokerConfig.GROUP_SHARE_HEARTBEAT_INTERVAL_MS, "100")).shares();
        assertEquals(100, settings.recordLockDurationMs());
        assertEquals(1_000, settings.sessionTimeoutMs());
    }

    @Test
    void groupConfigOutsideTheBrokersMinAndMaxIsRefusedNamingTheGroupConfig() {
        ConfigException lock = assertThrows(ConfigException.class, () -> ShareSettings.defaults().withGroupConfigs(
                Map.of(ShareSettings.SHARE_RECORD_LOCK_DURATION_MS, "70000")));
        assertEquals(ShareSettings.SHARE_RECORD_LOCK_DURATION_MS, lock.key(), lock.getMessage());
        assertTrue(lock.getMessage().contains(BrokerConfig.GROUP_SHARE_MAX_RECORD_LOCK_DURATION_MS), lock.getMessage());
        ShareSettings narrow = BrokerConfig.of(Map.of(BrokerConfig.GROUP_SHARE_MAX_DELIVERY_COUNT_LIMIT, "5")).shares();
        ConfigException limit = assertThrows(ConfigException.class, () -> narrow.withGroupConfigs(
                Map.of(ShareSettings.SHARE_DELIVERY_COUNT_LIMIT, "6")));
        assertEquals(ShareSettings.SHARE_DELIVERY_COUNT_LIMIT, limit.key(), limit.getMessage());
    }

    @Test
    void groupSessionTimeoutAndHeartbeatIntervalOverrideTheBrokersWithinItsBounds() {
        ShareSettings group = ShareSettings.defaults().withGroupConfigs(Map.of(
                ShareSettings.SHARE_SESSION_TIMEOUT_MS, "50000", ShareSettings.SHARE_HEARTBEAT_INTERVAL_MS, "10000"));
        assertEquals(50_000, group.sessionTimeoutMs());
        assertEquals(10_000, group.heartbeatIntervalMs());
        assertEquals("50000", group.groupConfigValues().get(ShareSettings.SHARE_SESSION_TIMEOUT_MS));
        ConfigException session = assertThrows(ConfigException.class, () -> ShareSettings.defaults().withGroupConfigs(
                Map.of(ShareSettings.SHARE_SESSION_TIMEOUT_MS, "44999")));
        assertEquals(ShareSettings.SHARE_SESSION_TIMEOUT_MS, session.key(), session.getMessage());
        assertTrue(session.getMessage().contains(BrokerConfig.GROUP_SHARE_MIN_SESSION_TIMEOUT_MS), session.getMessage());
        ConfigException heartbeat = assertThrows(ConfigException.class, () -> ShareSettings.defaults().withGroupConfigs(
                Map.of(ShareSettings.SHARE_HEARTBEAT_INTERVAL_MS, "4999")));
        assertEquals(ShareSettings.SHARE_HEARTBEAT_INTERVAL_MS, heartbeat.key(), heartbeat.getMessage());
        assertTrue(heartbeat.getMessage().contains(BrokerConfig.GROUP_SHARE_MIN_HEARTBEAT_INTERVAL_MS), heartbeat.getMessage());
    }

    @Test
    void groupHeartbeatIntervalNotBelowItsSessionTimeoutIsRefusedNamingBoth() {
        ShareSettings wide = BrokerConfig.of(Map.of(BrokerConfig.GROUP_SHARE_MIN_SESSION_TIMEOUT_MS, "1000",
                BrokerConfig.GROUP_SHARE_MIN_HEARTBEAT_INTERVAL_MS, "100")).shares();
        ConfigException e = assertThrows(ConfigException.class, () -> wide.withGroupConfigs(
                Map.of(ShareSettings.SHARE_SESSION_TIMEOUT_MS, "5000")));   // the broker's heartbeat interval is 5000
        assertEquals(ShareSettings.SHARE_HEARTBEAT_INTERVAL_MS, e.key(), e.getMessage());
        assertTrue(e.getMessage().contains(ShareSettings.SHARE_SESSION_TIMEOUT_MS), e.getMessage());
    }

    @Test
    void maxShareSessionsBelowOneIsRefusedNamingTheKey() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> BrokerConfig.of(Map.of(BrokerConfig.GROUP_SHARE_MAX_SHARE_SESSIONS, "0")));
        assertTrue(e.getMessage().contains(BrokerConfig.GROUP_SHARE_MAX_SHARE_SESSIONS), e.getMessage());
    }

    @Test
    void brokerKeysSetTheSection() {
        ShareSettings settings = BrokerConfig.of(Map.of(BrokerConfig.GROUP_SHARE_DELIVERY_COUNT_LIMIT, "3",
                BrokerConfig.GROUP_SHARE_AUTO_OFFSET_RESET, "EARLIEST")).shares();
        assertEquals(3, settings.deliveryCountLimit());
        assertEquals(ShareAutoOffsetReset.EARLIEST, settings.autoOffsetReset());
    }

    @Test
    void deliveryCountLimitOutOfKafkasBoundsIsRefusedNamingTheKey() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> BrokerConfig.of(Map.of(BrokerConfig.GROUP_SHARE_DELIVERY_COUNT_LIMIT, "11")));
        assertTrue(e.getMessage().contains(BrokerConfig.GROUP_SHARE_DELIVERY_COUNT_LIMIT), e.getMessage());
    }

    @Test
    void heartbeatIntervalMustBeBelowTheSessionTimeout() {
        ConfigException e = assertThrows(ConfigException.class, () -> BrokerConfig.of(Map.of(
                BrokerConfig.GROUP_SHARE_SESSION_TIMEOUT_MS, "1000", BrokerConfig.GROUP_SHARE_HEARTBEAT_INTERVAL_MS, "1000",
                BrokerConfig.GROUP_SHARE_MIN_SESSION_TIMEOUT_MS, "1000", BrokerConfig.GROUP_SHARE_MIN_HEARTBEAT_INTERVAL_MS, "1000")));
        assertTrue(e.getMessage().contains(BrokerConfig.GROUP_SHARE_HEARTBEAT_INTERVAL_MS), e.getMessage());
    }

    @Test
    void groupConfigsOverrideTheBrokersValues() {
        ShareSettings group = ShareSettings.defaults().withGroupConfigs(Map.of(
                ShareSettings.SHARE_RECORD_LOCK_DURATION_MS, "20000", ShareSettings.SHARE_AUTO_OFFSET_RESET, "earliest"));
        assertEquals(20_000, group.recordLockDurationMs());
        assertEquals(5, group.deliveryCountLimit());
        assertEquals(ShareAutoOffsetReset.EARLIEST, group.autoOffsetReset());
        assertEquals("earliest", group.groupConfigValues().get(ShareSettings.SHARE_AUTO_OFFSET_RESET));
    }

    @Test
    void unknownGroupConfigAndBadValueAreRefusedNamingThem() {
        ConfigException unknown = assertThrows(ConfigException.class,
                () -> ShareSettings.defaults().withGroupConfigs(Map.of("share.nope", "1")));
        assertTrue(unknown.getMessage().contains("share.nope"), unknown.getMessage());
        ConfigException bad = assertThrows(ConfigException.class, () -> ShareSettings.defaults().withGroupConfigs(
                Map.of(ShareSettings.SHARE_DELIVERY_COUNT_LIMIT, "1")));
        assertTrue(bad.getMessage().contains(ShareSettings.SHARE_DELIVERY_COUNT_LIMIT), bad.getMessage());
    }

    @Test
    void deadLetterTopicPatternNamesTheRecordsTopic() {
        ShareSettings settings = ShareSettings.defaults().withGroupConfigs(Map.of(ShareSettings.DEAD_LETTER_TOPIC,
                "{topic}.dlq"));
        assertEquals("orders.dlq", settings.deadLetterTopicFor("orders"));
        assertEquals(null, ShareSettings.defaults().deadLetterTopicFor("orders"), "off by default");
    }

    @Test
    void deadLetterTopicThatIsNoTopicNameIsRefusedNamingTheConfig() {
        ConfigException e = assertThrows(ConfigException.class, () -> ShareSettings.defaults()
                .withGroupConfigs(Map.of(ShareSettings.DEAD_LETTER_TOPIC, "dead letters/{topic}")));
        assertTrue(e.getMessage().contains(ShareSettings.DEAD_LETTER_TOPIC), e.getMessage());
    }

    @Test
    void redeliveryDelayDoublesPerDeliveryUpToTheCapAndIsOffByDefault() {
        ShareSettings settings = ShareSettings.defaults().withGroupConfigs(Map.of(
                ShareSettings.REDELIVERY_BACKOFF_MS, "1000", ShareSettings.REDELIVERY_BACKOFF_MAX_MS, "5000"));
        assertEquals(1000, settings.redeliveryDelayMs(1));
        assertEquals(2000, settings.redeliveryDelayMs(2));
        assertEquals(4000, settings.redeliveryDelayMs(3));
        assertEquals(5000, settings.redeliveryDelayMs(4));
        assertEquals(5000, settings.redeliveryDelayMs(40));
        assertEquals(0, ShareSettings.defaults().redeliveryDelayMs(3));
    }

    @Test
    void autoOffsetResetTakesKafkasByDurationAndRefusesANegativeOrMalformedOne() {
        ShareSettings hour = ShareSettings.defaults().withGroupConfigs(
                Map.of(ShareSettings.SHARE_AUTO_OFFSET_RESET, "by_duration:PT1H"));
        assertEquals(ShareAutoOffsetReset.Strategy.BY_DURATION, hour.autoOffsetReset().strategy());
        assertEquals(Duration.ofHours(1), hour.autoOffsetReset().duration());
        assertEquals("by_duration:PT1H", hour.groupConfigValues().get(ShareSettings.SHARE_AUTO_OFFSET_RESET));
        assertEquals(ShareAutoOffsetReset.EARLIEST, ShareAutoOffsetReset.parse(" Earliest "));
        for (String bad : List.of("by_duration:-PT1H", "by_duration:an hour", "by_duration:", "yesterday")) {
            ConfigException e = assertThrows(ConfigException.class, () -> ShareSettings.defaults().withGroupConfigs(
                    Map.of(ShareSettings.SHARE_AUTO_OFFSET_RESET, bad)));
            assertEquals(ShareSettings.SHARE_AUTO_OFFSET_RESET, e.key(), e.getMessage());
            assertTrue(e.getMessage().contains("by_duration"), e.getMessage());
        }
    }
}
