package io.spindle.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

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
