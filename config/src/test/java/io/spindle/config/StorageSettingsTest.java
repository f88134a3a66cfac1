package io.spindle.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

class StorageSettingsTest {

    @Test
    void defaultsAreTheDocumentedValues() {
        assertEquals(new StorageSettings(Path.of("./data"), FlushMode.FSYNC, 1000, 10_000, 300_000),
                BrokerConfig.defaults().storage());
    }

    @Test
    void defaultsForADirectoryChangeOnlyTheDirectory() {
        assertEquals(new StorageSettings(Path.of("/srv/spindle"), FlushMode.FSYNC, 1000, 10_000, 300_000),
                StorageSettings.defaults(Path.of("/srv/spindle")));
    }

    @Test
    void sectionCarriesTheEffectiveValuesOfItsKeys() {
        BrokerConfig config = BrokerConfig.load(null, Map.of("SPINDLE_FLUSH_INTERVAL_MS", "250"), Map.of(
                BrokerConfig.DATA_DIR, "/var/lib/spindle",
                BrokerConfig.FLUSH_MODE, "interval",
                BrokerConfig.FLUSH_INTERVAL_MESSAGES, "77",
                BrokerConfig.LOG_RETENTION_CHECK_INTERVAL_MS, "5000"));
        assertEquals(new StorageSettings(Path.of("/var/lib/spindle"), FlushMode.INTERVAL, 250, 77, 5000),
                config.storage());
    }

    @Test
    void cleanerSettingsAreKafkasExceptASmallerKeyMap() {
        assertEquals(new CleanerSettings(1, 32L * 1024 * 1024, Double.MAX_VALUE, 15_000),
                BrokerConfig.defaults().storage().cleaner());
        assertEquals("1.7976931348623157E308",
                BrokerConfig.defaults().asStringMap().get(BrokerConfig.LOG_CLEANER_IO_MAX_BYTES_PER_SECOND));
        BrokerConfig config = BrokerConfig.of(Map.of(BrokerConfig.LOG_CLEANER_THREADS, "2",
                BrokerConfig.LOG_CLEANER_DEDUPE_BUFFER_SIZE, "1048576",
                BrokerConfig.LOG_CLEANER_IO_MAX_BYTES_PER_SECOND, "5e6", BrokerConfig.LOG_CLEANER_BACKOFF_MS, "100"));
        assertEquals(new CleanerSettings(2, 1_048_576, 5e6, 100), config.storage().cleaner());
        assertTrue(config.storage().cleaner().ioLimited());
        assertFalse(CleanerSettings.defaults().ioLimited());
    }

    @Test
    void aCleanerSettingOutOfRangeIsRefusedByName() {
        ConfigException e = assertThrows(ConfigException.class, () -> new CleanerSettings(-1, 1 << 20, 1, 0));
        assertEquals(BrokerConfig.LOG_CLEANER_THREADS, e.key());
        e = assertThrows(ConfigException.class,
                () -> BrokerConfig.of(Map.of(BrokerConfig.LOG_CLEANER_DEDUPE_BUFFER_SIZE, "100")));
        assertEquals(BrokerConfig.LOG_CLEANER_DEDUPE_BUFFER_SIZE, e.key());
    }

    @Test
    void producerStateSettingsAreKafkasDefaultsAndTakeTheirKeys() {
        assertEquals(new ProducerStateSettings(86_400_000, 600_000), BrokerConfig.defaults().storage().producerState());
        BrokerConfig config = BrokerConfig.of(Map.of(BrokerConfig.PRODUCER_ID_EXPIRATION_MS, "60000",
                BrokerConfig.PRODUCER_ID_EXPIRATION_CHECK_INTERVAL_MS, "500"));
        assertEquals(new ProducerStateSettings(60_000, 500), config.storage().producerState());
        StorageSettings settings = StorageSettings.defaults(Path.of("d"));
        assertEquals(new ProducerStateSettings(1, 2),
                settings.withProducerState(new ProducerStateSettings(1, 2)).producerState());
    }

    @Test
    void aProducerExpirationBelowOneMillisecondIsRefusedByName() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> BrokerConfig.of(Map.of(BrokerConfig.PRODUCER_ID_EXPIRATION_MS, "0")));
        assertEquals(BrokerConfig.PRODUCER_ID_EXPIRATION_MS, e.key());
        assertTrue(e.getMessage().contains("producer.id.expiration.ms"), e.getMessage());
        e = assertThrows(ConfigException.class, () -> new ProducerStateSettings(1000, -5));
        assertEquals(BrokerConfig.PRODUCER_ID_EXPIRATION_CHECK_INTERVAL_MS, e.key());
    }

    @Test
    void withFlushModeChangesOnlyTheMode() {
        StorageSettings settings = new StorageSettings(Path.of("d"), FlushMode.FSYNC, 2, 3, 4);
        assertEquals(new StorageSettings(Path.of("d"), FlushMode.NONE, 2, 3, 4), settings.withFlushMode(FlushMode.NONE));
    }

    @Test
    void badValueBuiltInCodeIsRefusedNamingTheSetting() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> new StorageSettings(Path.of("d"), FlushMode.FSYNC, 0, 10_000, 300_000));
        assertEquals(BrokerConfig.FLUSH_INTERVAL_MS, e.key());
        assertEquals("Invalid value '0' for configuration 'flush.interval.ms': expected a long integer >= 1",
                e.getMessage());
    }

    @Test
    void missingDirectoryIsRefusedNamingTheSetting() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> new StorageSettings(null, FlushMode.FSYNC, 1000, 10_000, 300_000));
        assertEquals(BrokerConfig.DATA_DIR, e.key());
        assertEquals("Missing value for configuration 'data.dir': expected a non-empty file system path",
                e.getMessage());
    }

    @Test
    void missingFlushModeIsRefusedNamingTheSetting() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> new StorageSettings(Path.of("d"), null, 1000, 10_000, 300_000));
        assertEquals(BrokerConfig.FLUSH_MODE, e.key());
    }
}
