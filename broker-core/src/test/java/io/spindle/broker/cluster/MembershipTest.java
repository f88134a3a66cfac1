package io.spindle.broker.cluster;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import io.spindle.broker.LocalBroker;
import io.spindle.broker.LocalCluster;
import io.spindle.metadata.MetadataQuorum;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MembershipTest {

    @Test
    void aSingleBrokerStartsNoQuorumAndWritesNothingOfIt(@TempDir Path dataDir) {
        try (LocalBroker broker = LocalBroker.start(dataDir)) {
            assertInstanceOf(LocalAuthority.class, broker.broker().metadataAuthority());
            assertFalse(Files.exists(dataDir.resolve(MetadataQuorum.DIRECTORY)));
            assertEquals(null, broker.broker().notReadyReason());
        }
    }

    @Test
    void aBrokerThatStopsCleanlyFencesItselfAtOnce(@TempDir Path root) {
        try (LocalCluster cluster = LocalCluster.start(root, 3, Map.of())) {
            await().atMost(Duration.ofSeconds(30)).until(cluster::ready);

            cluster.broker(3).close();

            // Well inside the 3 s session timeout: the broker fenced itself, the quorum did not have to.
            await().atMost(Duration.ofMillis(1_000)).until(() -> liveIds(cluster.broker(1)).equals(Set.of(1, 2)));
        }
    }

    private static Set<Integer> liveIds(LocalBroker broker) {
        return broker.broker().metadataAuthority().liveBrokers().stream().map(ClusterBroker::id)
                .collect(Collectors.toSet());
    }
}
