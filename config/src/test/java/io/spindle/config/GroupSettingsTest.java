package io.spindle.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Map;
import org.junit.jupiter.api.Test;

class GroupSettingsTest {

    @Test
    void defaultsAreKafkasExceptTheInitialRebalanceDelay() {
        assertEquals(new GroupSettings(6_000, 1_800_000, 0, 45_000, 5_000, 4 * 1024 * 1024, 8L * 1024 * 1024, 0,
                new ConsumerGroupLimits(45_000, 60_000, 5_000, 15_000, 0, 15_000)), GroupSettings.defaults());
        assertEquals(GroupSettings.defaults(), BrokerConfig.defaults().groups());
    }

    @Test
    void sectionCarriesTheEffectiveValuesOfItsKeys() {
        BrokerConfig config = BrokerConfig.of(Map.of(
                BrokerConfig.GROUP_MIN_SESSION_TIMEOUT_MS, "1000",
                BrokerConfig.GROUP_MAX_SESSION_TIMEOUT_MS, "60000",
                BrokerConfig.GROUP_INITIAL_REBALANCE_DELAY_MS, "3000",
                BrokerConfig.GROUP_CONSUMER_SESSION_TIMEOUT_MS, "3000",
                BrokerConfig.GROUP_CONSUMER_HEARTBEAT_INTERVAL_MS, "300",
                ConsumerGroupKeys.GROUP_CONSUMER_MIN_SESSION_TIMEOUT_MS, "1000",
                ConsumerGroupKeys.GROUP_CONSUMER_MIN_HEARTBEAT_INTERVAL_MS, "100",
                ConsumerGroupKeys.GROUP_CONSUMER_ASSIGNMENT_INTERVAL_MS, "500",
                BrokerConfig.OFFSETS_TOPIC_SEGMENT_BYTES, "65536",
                BrokerConfig.OFFSETS_SNAPSHOT_MIN_BYTES, "131072"));
        assertEquals(new GroupSettings(1_000, 60_000, 3_000, 3_000, 300, 65_536, 131_072, 500,
                new ConsumerGroupLimits(1_000, 60_000, 100, 15_000, 0, 15_000)), config.groups());
        assertEquals(new ConsumerGroupConfig(3_000, 300, 500), config.groups().consumerGroup());
    }

    @Test
    void badValueBuiltInCodeIsRefusedNamingTheSetting() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> new GroupSettings(6_000, 1_800_000, -1, 45_000, 5_000, 4 * 1024 * 1024, 8L * 1024 * 1024));
        assertEquals(BrokerConfig.GROUP_INITIAL_REBALANCE_DELAY_MS, e.key());
        assertEquals("Invalid value '-1' for configuration 'group.initial.rebalance.delay.ms': expected an integer >= 0",
                e.getMessage());
    }

    @Test
    void badValueInASourceKeepsItsMessage() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> BrokerConfig.of(Map.of(BrokerConfig.OFFSETS_TOPIC_SEGMENT_BYTES, "1023")));
        assertEquals("Invalid value '1023' for configuration 'offsets.topic.segment.bytes': expected an integer "
                + ">= 1024 (from override)", e.getMessage());
    }

    @Test
    void heartbeatNotBelowTheSessionTimeoutIsRefusedAtLoadNamingTheHeartbeatAndItsSource() {
        ConfigException e = assertThrows(ConfigException.class, () -> BrokerConfig.load(null,
                Map.of("SPINDLE_GROUP_CONSUMER_HEARTBEAT_INTERVAL_MS", "45000"), null));
        assertEquals(BrokerConfig.GROUP_CONSUMER_HEARTBEAT_INTERVAL_MS, e.key());
        assertEquals("Invalid value '45000' for configuration 'group.consumer.heartbeat.interval.ms': expected an "
                + "integer < 45000 ('group.consumer.session.timeout.ms') "
                + "(from environment SPINDLE_GROUP_CONSUMER_HEARTBEAT_INTERVAL_MS)", e.getMessage());
    }

    @Test
    void maximumSessionTimeoutBelowTheMinimumIsRefusedAtLoadNamingTheMaximum() {
        ConfigException e = assertThrows(ConfigException.class, () -> BrokerConfig.of(Map.of(
                BrokerConfig.GROUP_MIN_SESSION_TIMEOUT_MS, "10000",
                BrokerConfig.GROUP_MAX_SESSION_TIMEOUT_MS, "9999")));
        assertEquals(BrokerConfig.GROUP_MAX_SESSION_TIMEOUT_MS, e.key());
        assertEquals("Invalid value '9999' for configuration 'group.max.session.timeout.ms': expected an integer "
                + ">= 10000 ('group.min.session.timeout.ms') (from override)", e.getMessage());
    }

    @Test
    void equalMinimumAndMaximumSessionTimeoutsAreAllowed() {
        assertEquals(7_000, BrokerConfig.of(Map.of(BrokerConfig.GROUP_MIN_SESSION_TIMEOUT_MS, "7000",
                BrokerConfig.GROUP_MAX_SESSION_TIMEOUT_MS, "7000")).groups().maxSessionTimeoutMs());
    }

    @Test
    void consumerSessionTimeoutOutsideItsBoundsIsRefusedAtLoadNamingTheBounds() {
        ConfigException e = assertThrows(ConfigException.class, () -> BrokerConfig.of(Map.of(
                BrokerConfig.GROUP_CONSUMER_SESSION_TIMEOUT_MS, "3000",
                BrokerConfig.GROUP_CONSUMER_HEARTBEAT_INTERVAL_MS, "300")));
        assertEquals(BrokerConfig.GROUP_CONSUMER_SESSION_TIMEOUT_MS, e.key());
        assertEquals("Invalid value '3000' for configuration 'group.consumer.session.timeout.ms': expected an integer "
                + "in [45000, 60000] ('group.consumer.min.session.timeout.ms', 'group.consumer.max.session.timeout.ms') "
                + "(from override)", e.getMessage());
    }

    @Test
    void maximumAssignmentIntervalBelowTheMinimumIsRefusedNamingTheMaximum() {
        ConfigException e = assertThrows(ConfigException.class, () -> BrokerConfig.of(Map.of(
                ConsumerGroupKeys.GROUP_CONSUMER_MIN_ASSIGNMENT_INTERVAL_MS, "2000",
                ConsumerGroupKeys.GROUP_CONSUMER_MAX_ASSIGNMENT_INTERVAL_MS, "1000")));
        assertEquals(ConsumerGroupKeys.GROUP_CONSUMER_MAX_ASSIGNMENT_INTERVAL_MS, e.key());
    }

    @Test
    void groupConfigsOverrideTheBrokersValuesWithinTheBounds() {
        GroupSettings settings = GroupSettings.defaults();
        assertEquals(new ConsumerGroupConfig(50_000, 6_000, 1_000), settings.consumerGroup(Map.of(
                ConsumerGroupConfig.CONSUMER_SESSION_TIMEOUT_MS, "50000",
                ConsumerGroupConfig.CONSUMER_HEARTBEAT_INTERVAL_MS, "6000",
                ConsumerGroupConfig.CONSUMER_ASSIGNMENT_INTERVAL_MS, "1000")));
        assertEquals(Map.of("consumer.session.timeout.ms", "45000", "consumer.heartbeat.interval.ms", "5000",
                "consumer.assignment.interval.ms", "0"), settings.consumerGroup(Map.of()).groupConfigValues());
    }

    @Test
    void groupConfigOutsideTheBrokersBoundsIsRefusedNamingTheConfigAndTheBound() {
        GroupSettings settings = GroupSettings.defaults();
        ConfigException session = assertThrows(ConfigException.class, () -> settings.consumerGroup(Map.of(
                ConsumerGroupConfig.CONSUMER_SESSION_TIMEOUT_MS, "1000")));
        assertEquals("Invalid value '1000' for configuration 'consumer.session.timeout.ms': expected an integer in "
                + "[45000, 60000] ('group.consumer.min.session.timeout.ms', 'group.consumer.max.session.timeout.ms')",
                session.getMessage());
        ConfigException heartbeat = assertThrows(ConfigException.class, () -> settings.consumerGroup(Map.of(
                ConsumerGroupConfig.CONSUMER_HEARTBEAT_INTERVAL_MS, "20000")));
        assertEquals(ConsumerGroupConfig.CONSUMER_HEARTBEAT_INTERVAL_MS, heartbeat.key());
        ConfigException unknown = assertThrows(ConfigException.class, () -> settings.consumerGroup(Map.of(
                "consumer.nonsense", "1")));
        assertEquals("consumer.nonsense", unknown.key());
        ConfigException notANumber = assertThrows(ConfigException.class, () -> settings.consumerGroup(Map.of(
                ConsumerGroupConfig.CONSUMER_ASSIGNMENT_INTERVAL_MS, "soon")));
        assertEquals(ConsumerGroupConfig.CONSUMER_ASSIGNMENT_INTERVAL_MS, notANumber.key());
    }
}
