package io.spindle.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Which brokers of {@code cluster up}'s layout vote, and what the others are given. */
class LocalClusterVotersTest {
    private static LocalCluster cluster(int brokers) {
        return new LocalCluster(brokers, 9092, Path.of("c"), null, Map.of(), List.of());
    }

    @Test
    void upToFiveBrokersAllVote() {
        for (int brokers = 1; brokers <= 5; brokers++) {
            LocalCluster cluster = cluster(brokers);
            assertEquals(brokers, cluster.voterCount());
            for (int node = 1; node <= brokers; node++) {
                assertFalse(cluster.command(node).contains("--observer-address"), "broker " + node + " of " + brokers);
            }
        }
        assertEquals("1@127.0.0.1:9192,2@127.0.0.1:9193,3@127.0.0.1:9194", cluster(3).voters());
    }

    @Test
    void beyondFiveBrokersTheFirstFiveVoteAndTheOthersObserveOnTheirOwnRaftPort() {
        LocalCluster cluster = cluster(7);
        assertEquals(5, cluster.voterCount());
        assertEquals("1@127.0.0.1:9192,2@127.0.0.1:9193,3@127.0.0.1:9194,4@127.0.0.1:9195,5@127.0.0.1:9196",
                cluster.voters());
        List<String> sixth = cluster.command(6);
        int flag = sixth.indexOf("--observer-address");
        assertTrue(flag > 0, sixth.toString());
        assertEquals("127.0.0.1:9197", sixth.get(flag + 1));
        assertEquals(cluster.voters(), sixth.get(sixth.indexOf("--cluster") + 1), "an observer knows every voter");
        assertTrue(cluster.isVoter(5));
        assertFalse(cluster.isVoter(7));
    }

    @Test
    void aVoterCountOutsideOneToTheBrokersIsRefusedNamingIt() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new LocalCluster(4, 5, 9092, Path.of("c"), null, Map.of(), node -> Map.of(), List.of()));
        assertEquals("a local cluster of 4 broker(s) has 1 to 4 voter(s), not 5", e.getMessage());
    }
}
