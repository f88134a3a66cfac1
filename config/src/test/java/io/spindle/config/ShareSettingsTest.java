package io.spindle.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
                BrokerConfig.GROUP_SHARE_SESSION_TIMEOUT_MS, "1000", BrokerConfig.GROUP_SHARE_HEARTBEAT_INTERVAL_MS, "1000")));
        assertTrue(e.getMessage().contains(BrokerConfig.GROUP_SHARE_HEARTBEAT_INTERVAL_MS), e.getMessage());
    }

    @Test
    void groupConfigsOverrideTheBrokersValues() {
        ShareSettings group = ShareSettings.defaults().withGroupConfigs(Map.of(
                ShareSettings.SHARE_RECORD_LOCK_DURATION_MS, "5000", ShareSettings.SHARE_AUTO_OFFSET_RESET, "earliest"));
        assertEquals(5_000, group.recordLockDurationMs());
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
}
