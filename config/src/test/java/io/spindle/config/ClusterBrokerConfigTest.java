package io.spindle.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ClusterBrokerConfigTest {

    @Test
    void withoutVotersTheBrokerIsASingleBroker() {
        BrokerConfig config = BrokerConfig.defaults();
        assertTrue(config.cluster().isEmpty());
        assertTrue(config.rack().isEmpty());
        assertEquals("", config.asStringMap().get(ClusterSettings.QUORUM_VOTERS));
    }

    @Test
    void votersAndNodeIdMakeTheClusterSection() {
        BrokerConfig config = BrokerConfig.of(Map.of(BrokerConfig.NODE_ID, "2",
                ClusterSettings.QUORUM_VOTERS, "1@127.0.0.1:9191, 2@127.0.0.1:9192,3@127.0.0.1:9193",
                ClusterSettings.HEARTBEAT_INTERVAL_MS, "500", ClusterSettings.SESSION_TIMEOUT_MS, "3000",
                BrokerConfig.BROKER_RACK, "a"));
        ClusterSettings cluster = config.cluster().orElseThrow();
        assertEquals(2, cluster.nodeId());
        assertEquals(List.of(new ClusterSettings.Voter(1, "127.0.0.1", 9191), new ClusterSettings.Voter(2, "127.0.0.1", 9192),
                new ClusterSettings.Voter(3, "127.0.0.1", 9193)), cluster.voters());
        assertEquals(500, cluster.heartbeatIntervalMs());
        assertEquals(3000, cluster.sessionTimeoutMs());
        assertEquals(10_000, cluster.snapshotIntervalEntries());
        assertEquals(Optional.of("a"), config.rack());
    }

    @Test
    void aBadVoterEntryIsRefusedNamingTheKeyTheEntryAndTheSource() {
        ConfigException e = assertThrows(ConfigException.class, () -> BrokerConfig.of(Map.of(
                BrokerConfig.NODE_ID, "1", ClusterSettings.QUORUM_VOTERS, "1@127.0.0.1:9191,2@127.0.0.1")));
        assertEquals(ClusterSettings.QUORUM_VOTERS, e.key());
        assertEquals("Invalid value '1@127.0.0.1:9191,2@127.0.0.1' for configuration 'controller.quorum.voters': "
                + "entry '2@127.0.0.1' is not id@host:port (from override)", e.getMessage());
    }

    @Test
    void aNodeIdOutsideTheVotersIsRefused() {
        ConfigException e = assertThrows(ConfigException.class, () -> BrokerConfig.of(Map.of(
                ClusterSettings.QUORUM_VOTERS, "1@127.0.0.1:9191")));
        assertEquals(BrokerConfig.NODE_ID, e.key());
        assertTrue(e.getMessage().contains("this node is not one of the voters"), e.getMessage());
    }

    @Test
    void aNodeIdOutsideTheVotersWithAnObserverAddressIsAnObserver() {
        BrokerConfig config = BrokerConfig.of(Map.of(BrokerConfig.NODE_ID, "4",
                ClusterSettings.QUORUM_VOTERS, "1@127.0.0.1:9191,2@127.0.0.1:9192,3@127.0.0.1:9193",
                ClusterSettings.OBSERVER_ADDRESS, "127.0.0.1:9195"));
        ClusterSettings cluster = config.cluster().orElseThrow();
        assertTrue(cluster.isObserver());
        assertEquals(new ClusterSettings.Voter(4, "127.0.0.1", 9195), cluster.self());
        assertEquals("127.0.0.1:9195", config.asStringMap().get(ClusterSettings.OBSERVER_ADDRESS));
    }

    @Test
    void aHeartbeatNotBelowTheSessionTimeoutIsRefused() {
        ConfigException e = assertThrows(ConfigException.class, () -> BrokerConfig.of(Map.of(BrokerConfig.NODE_ID, "1",
                ClusterSettings.QUORUM_VOTERS, "1@127.0.0.1:9191", ClusterSettings.HEARTBEAT_INTERVAL_MS, "9000")));
        assertEquals(ClusterSettings.HEARTBEAT_INTERVAL_MS, e.key());
    }

    @Test
    void clusterKeysAreDocumented() {
        for (String key : List.of(ClusterSettings.QUORUM_VOTERS, ClusterSettings.OBSERVER_ADDRESS,
                ClusterSettings.SESSION_TIMEOUT_MS,
                ClusterSettings.HEARTBEAT_INTERVAL_MS, ClusterSettings.SNAPSHOT_INTERVAL_ENTRIES, BrokerConfig.BROKER_RACK)) {
            assertTrue(BrokerConfig.names().contains(key), key);
            assertTrue(!BrokerConfig.documentation(key).isBlank(), key);
        }
    }
}
