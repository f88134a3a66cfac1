package io.spindle.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class ConfigEnumsTest {

    @ParameterizedTest
    @EnumSource(FlushMode.class)
    void flushModeParsesItsLowerCaseNameInAnyCase(FlushMode mode) {
        assertEquals(mode.name().toLowerCase(), mode.configName());
        assertEquals(mode, FlushMode.parse(mode.name()));
        assertEquals(mode, FlushMode.parse(" " + mode.configName() + " "));
    }

    @ParameterizedTest
    @EnumSource(CleanupPolicy.class)
    void cleanupPolicyParsesKafkasSpelling(CleanupPolicy policy) {
        assertEquals(policy, CleanupPolicy.parse(policy.configName()));
        assertEquals(policy != CleanupPolicy.DELETE, policy.compacts());
        assertEquals(policy != CleanupPolicy.COMPACT, policy.deletes());
    }

    @Test
    void timestampTypeUsesKafkasSpelling() {
        assertEquals("CreateTime", TimestampType.CREATE_TIME.configName());
        assertEquals("LogAppendTime", TimestampType.LOG_APPEND_TIME.configName());
        assertEquals(TimestampType.LOG_APPEND_TIME, TimestampType.parse("LOGAPPENDTIME"));
    }

    @Test
    void unknownEnumValueIsRefusedListingTheAllowedOnes() {
        ConfigException e = assertThrows(ConfigException.class, () -> FlushMode.parse("sometimes"));
        assertNull(e.key());
        assertEquals("Invalid value 'sometimes' for flush mode: expected one of fsync, interval, none",
                e.getMessage());
    }

    @Test
    void nullEnumValueIsRefused() {
        ConfigException e = assertThrows(ConfigException.class, () -> TimestampType.parse(null));
        assertEquals("Invalid value null for timestamp type: expected one of CreateTime, LogAppendTime",
                e.getMessage());
    }
}
