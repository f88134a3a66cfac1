package io.spindle.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

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
    void aNodeThatIsNotAVoterIsRefused() {
        ConfigException e = assertThrows(ConfigException.class, () -> ClusterSettings.fromProperties(
                Map.of(ClusterSettings.NODE_ID, "4", ClusterSettings.QUORUM_VOTERS, "1@h:1,2@h:2"), null));
        assertEquals(ClusterSettings.NODE_ID, e.key());
        assertEquals("Invalid value '4' for configuration 'node.id': this node must be one of the voters of "
                + "'controller.quorum.voters' (1@h:1,2@h:2)", e.getMessage());
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
