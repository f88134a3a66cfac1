package io.spindle.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Map;
import org.junit.jupiter.api.Test;

class TransactionSettingsTest {

    @Test
    void defaultsAreKafkasExceptTheStateLogSegmentSize() {
        assertEquals(new TransactionSettings(900_000, 10_000, 604_800_000, 4 * 1024 * 1024, 2),
                TransactionSettings.defaults());
    }

    @Test
    void sectionCarriesTheEffectiveValuesOfItsKeys() {
        BrokerConfig config = BrokerConfig.of(Map.of(
                BrokerConfig.TRANSACTION_MAX_TIMEOUT_MS, "60000",
                BrokerConfig.TRANSACTION_ABORT_TIMED_OUT_TRANSACTION_CLEANUP_INTERVAL_MS, "100",
                BrokerConfig.TRANSACTIONAL_ID_EXPIRATION_MS, "3600000",
                BrokerConfig.TRANSACTION_STATE_LOG_SEGMENT_BYTES, "65536",
                BrokerConfig.TRANSACTION_VERSION, "1"));
        assertEquals(new TransactionSettings(60_000, 100, 3_600_000, 65_536, 1), config.transactions());
    }

    @Test
    void aMaximumTimeoutBelowOneIsRefusedNamingTheSetting() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> BrokerConfig.of(Map.of(BrokerConfig.TRANSACTION_MAX_TIMEOUT_MS, "0")));
        assertEquals(BrokerConfig.TRANSACTION_MAX_TIMEOUT_MS, e.key());
        assertEquals("Invalid value '0' for configuration 'transaction.max.timeout.ms': expected an integer >= 1 "
                + "(from override)", e.getMessage());
    }

    @Test
    void aTransactionVersionAboveTwoIsRefusedNamingTheSetting() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> BrokerConfig.of(Map.of(BrokerConfig.TRANSACTION_VERSION, "3")));
        assertEquals(BrokerConfig.TRANSACTION_VERSION, e.key());
    }
}
