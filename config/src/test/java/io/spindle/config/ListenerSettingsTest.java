package io.spindle.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;

class ListenerSettingsTest {

    @Test
    void defaultsAreTheDocumentedAddressAndFrameCapWithDerivedThreadsAndLimits() {
        ListenerSettings listener = BrokerConfig.defaults().listener();
        assertEquals("127.0.0.1", listener.host());
        assertEquals(9092, listener.port());
        assertEquals(104_857_600, listener.maxRequestBytes());
        assertEquals(Math.max(1, Runtime.getRuntime().availableProcessors()), listener.ioThreads());
        assertEquals(64L * 1024 * 1024, listener.maxInFlightBytesPerConnection());
        assertTrue(listener.maxInFlightBytesTotal() >= listener.maxInFlightBytesPerConnection());
    }

    @Test
    void sectionCarriesTheEffectiveValuesOfItsKeys() {
        ListenerSettings listener = BrokerConfig.of(Map.of(BrokerConfig.LISTENER_HOST, "0.0.0.0",
                BrokerConfig.LISTENER_PORT, "0", BrokerConfig.SOCKET_REQUEST_MAX_BYTES, "2048")).listener();
        assertEquals(ListenerSettings.forAddress("0.0.0.0", 0, 2048), listener);
    }

    @Test
    void badPortBuiltInCodeIsRefusedNamingTheSetting() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> new ListenerSettings("127.0.0.1", 65536, 1, 1 << 20, 1 << 20, 1 << 20));
        assertEquals(BrokerConfig.LISTENER_PORT, e.key());
        assertEquals("Invalid value '65536' for configuration 'listener.port': expected an integer between 0 and 65535",
                e.getMessage());
    }

    @Test
    void hostWithSpacesBuiltInCodeIsRefusedNamingTheSetting() {
        ConfigException e = assertThrows(ConfigException.class, () -> ListenerSettings.forAddress("my host", 0, 1024));
        assertEquals(BrokerConfig.LISTENER_HOST, e.key());
    }

    @Test
    void frameCapBelowTheMinimumIsRefusedNamingTheSetting() {
        ConfigException e = assertThrows(ConfigException.class, () -> ListenerSettings.forAddress("127.0.0.1", 0, 1023));
        assertEquals(BrokerConfig.SOCKET_REQUEST_MAX_BYTES, e.key());
    }

    @Test
    void noThreadsOrNoInFlightBytesIsACallersMistake() {
        assertThrows(IllegalArgumentException.class, () -> new ListenerSettings("127.0.0.1", 0, 0, 1024, 1, 1));
        assertThrows(IllegalArgumentException.class, () -> new ListenerSettings("127.0.0.1", 0, 1, 1024, 0, 1));
        assertThrows(IllegalArgumentException.class, () -> new ListenerSettings("127.0.0.1", 0, 1, 1024, 1, 0));
    }
}
