package io.spindle.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ClusterSettingsTest {

    @Test
    void votersAreReadAsIdAtHostColonPortWithTheDefaultsForTheRest() {
        ClusterSettings settings = ClusterSettings.fromProperties(Map.of(ClusterSettings.NODE_ID, "2",
                ClusterSettings.QUORUM_VOTERS, "1@127.0.0.1:9191, 2@127.0.0.1:9192,3@[::1]:9193"), "test");
        assertEquals(List.of(new ClusterSettings.Voter(1, "127.0.0.1", 9191),
                new ClusterSettings.Voter(2, "127.0.0.1", 9192), new ClusterSettings.Voter(3, "::1", 9193)),
                settings.voters());
        assertEquals(new ClusterSettings.Voter(2, "127.0.0.1", 9192), settings.self());
        assertEquals(3_000, settings.sessionTimeoutMs());
        assertEquals(500, settings.heartbeatIntervalMs());
        assertEquals(10_000, settings.snapshotIntervalEntries());
        assertEquals("3@[::1]:9193", settings.voters().get(2).toString());
    }

    @Test
    void anEntryWithoutAPortIsRefusedNamingTheEntry() {
        ConfigException e = assertThrows(ConfigException.class, () -> ClusterSettings.fromProperties(
                Map.of(ClusterSettings.QUORUM_VOTERS, "1@127.0.0.1:9191,2@127.0.0.1"), "file b.properties"));
        assertEquals(ClusterSettings.QUORUM_VOTERS, e.key());
        assertEquals("Invalid value '1@127.0.0.1:9191,2@127.0.0.1' for configuration 'controller.quorum.voters': "
                + "entry '2@127.0.0.1' is not id@host:port (from file b.properties)", e.getMessage());
    }

    @Test
    void aNodeOutsideTheVotersWithoutAnObserverAddressIsRefusedSayingHowToMakeItAnObserver() {
        ConfigException e = assertThrows(ConfigException.class, () -> ClusterSettings.fromProperties(
                Map.of(ClusterSettings.NODE_ID, "4", ClusterSettings.QUORUM_VOTERS, "1@h:1,2@h:2"), null));
        assertEquals(ClusterSettings.NODE_ID, e.key());
        assertEquals("Invalid value '4' for configuration 'node.id': this node is not one of the voters of "
                + "'controller.quorum.voters' (1@h:1,2@h:2); to run it as an observer (a broker that follows the "
                + "metadata without voting), give it its own Raft address in 'controller.quorum.observer.address' "
                + "(host:port)", e.getMessage());
    }

    @Test
    void aNodeOutsideTheVotersWithAnObserverAddressIsAnObserverThere() {
        ClusterSettings settings = ClusterSettings.fromProperties(Map.of(ClusterSettings.NODE_ID, "4",
                ClusterSettings.QUORUM_VOTERS, "1@h:1,2@h:2,3@h:3", ClusterSettings.OBSERVER_ADDRESS, "[::1]:9195"),
                null);
        assertTrue(settings.isObserver());
        assertEquals(new ClusterSettings.Voter(4, "::1", 9195), settings.self());
        assertEquals(3, settings.voters().size(), "an observer is not a voter");
        assertFalse(ClusterSettings.fromProperties(Map.of(ClusterSettings.NODE_ID, "2",
                ClusterSettings.QUORUM_VOTERS, "1@h:1,2@h:2"), null).isObserver());
    }

    @Test
    void aVoterGivenAnObserverAddressIsRefused() {
        ConfigException e = assertThrows(ConfigException.class, () -> ClusterSettings.fromProperties(Map.of(
                ClusterSettings.NODE_ID, "2", ClusterSettings.QUORUM_VOTERS, "1@h:1,2@h:2",
                ClusterSettings.OBSERVER_ADDRESS, "h:7"), null));
        assertEquals(ClusterSettings.OBSERVER_ADDRESS, e.key());
        assertEquals("Invalid value 'h:7' for configuration 'controller.quorum.observer.address': node 2 is a voter "
                + "of 'controller.quorum.voters' (1@h:1,2@h:2), whose Raft address is its entry there; leave "
                + "'controller.quorum.observer.address' empty on a voter", e.getMessage());
    }

    @Test
    void anObserverOnAVotersAddressIsRefused() {
        ConfigException e = assertThrows(ConfigException.class, () -> ClusterSettings.fromProperties(Map.of(
                ClusterSettings.NODE_ID, "5", ClusterSettings.QUORUM_VOTERS, "1@h:1,2@h:2",
                ClusterSettings.OBSERVER_ADDRESS, "h:2"), null));
        assertEquals(ClusterSettings.OBSERVER_ADDRESS, e.key());
        assertEquals("Invalid value 'h:2' for configuration 'controller.quorum.observer.address': it is voter 2's "
                + "address in 'controller.quorum.voters' (1@h:1,2@h:2); an observer needs a port of its own",
                e.getMessage());
    }

    @Test
    void aMalformedObserverAddressIsRefusedNamingTheValue() {
        for (String bad : List.of("h", "h:", ":9", "h:x", "h:0", "h:70000", "a b:9")) {
            ConfigException e = assertThrows(ConfigException.class, () -> ClusterSettings.fromProperties(Map.of(
                    ClusterSettings.NODE_ID, "5", ClusterSettings.QUORUM_VOTERS, "1@h:1",
                    ClusterSettings.OBSERVER_ADDRESS, bad), "file c.properties"), bad);
            assertEquals(ClusterSettings.OBSERVER_ADDRESS, e.key());
            assertEquals("Invalid value '" + bad + "' for configuration 'controller.quorum.observer.address': "
                    + "expected host:port, a port from 1 to 65535 (from file c.properties)", e.getMessage());
        }
    }

    @Test
    void aVoterIdGivenTwiceIsRefused() {
        ConfigException e = assertThrows(ConfigException.class, () -> ClusterSettings.fromProperties(
                Map.of(ClusterSettings.QUORUM_VOTERS, "1@h:1,1@h:2"), null));
        assertEquals("Invalid value '1@h:1,1@h:2' for configuration 'controller.quorum.voters': node id 1 appears "
                + "twice", e.getMessage());
    }

    @Test
    void missingVotersAreRefusedNamingTheKey() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> ClusterSettings.fromProperties(Map.of(ClusterSettings.NODE_ID, "1"), null));
        assertEquals(ClusterSettings.QUORUM_VOTERS, e.key());
    }

    @Test
    void aHeartbeatIntervalNotBelowTheSessionTimeoutIsRefused() {
        ConfigException e = assertThrows(ConfigException.class, () -> ClusterSettings.fromProperties(Map.of(
                ClusterSettings.QUORUM_VOTERS, "1@h:1", ClusterSettings.SESSION_TIMEOUT_MS, "1000",
                ClusterSettings.HEARTBEAT_INTERVAL_MS, "1000"), null));
        assertEquals(ClusterSettings.HEARTBEAT_INTERVAL_MS, e.key());
    }
}
