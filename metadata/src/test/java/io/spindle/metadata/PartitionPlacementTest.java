package io.spindle.metadata;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spindle.metadata.MetadataCommand.CreateTopic;
import io.spindle.metadata.MetadataCommand.FenceBroker;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class PartitionPlacementTest {

    @Test
    void leadersAndReplicasAreSpreadEvenlyOverBrokersWithoutRacks() {
        MetadataImage image = new Images().liveBroker(1, null).liveBroker(2, null).liveBroker(3, null).image();
        List<List<Integer>> placed = PartitionPlacement.place(image, 6, 2);
        assertEquals(6, placed.size());
        assertEquals(Map.of(1, 2, 2, 2, 3, 2), leaderCounts(placed));
        assertEquals(Map.of(1, 4, 2, 4, 3, 4), replicaCounts(placed));
        placed.forEach(replicas -> assertEquals(2, new HashSet<>(replicas).size(), "distinct replicas " + replicas));
    }

    @Test
    void everyPartitionSpansBothRacksWhenRacksAreSet() {
        MetadataImage image = new Images().liveBroker(1, "a").liveBroker(2, "a").liveBroker(3, "b")
                .liveBroker(4, "b").image();
        List<List<Integer>> placed = PartitionPlacement.place(image, 8, 2);
        Map<Integer, String> rack = Map.of(1, "a", 2, "a", 3, "b", 4, "b");
        for (List<Integer> replicas : placed) {
            assertEquals(Set.of("a", "b"), Set.of(rack.get(replicas.get(0)), rack.get(replicas.get(1))),
                    "racks of " + replicas);
        }
        assertEquals(Map.of(1, 2, 2, 2, 3, 2, 4, 2), leaderCounts(placed));
    }

    @Test
    void threeReplicasOverThreeRacksTakeOneBrokerOfEachRack() {
        MetadataImage image = new Images().liveBroker(1, "a").liveBroker(2, "a").liveBroker(3, "b")
                .liveBroker(4, "b").liveBroker(5, "c").liveBroker(6, "c").image();
        Map<Integer, String> rack = Map.of(1, "a", 2, "a", 3, "b", 4, "b", 5, "c", 6, "c");
        for (List<Integer> replicas : PartitionPlacement.place(image, 12, 3)) {
            assertEquals(3, replicas.stream().map(rack::get).distinct().count(), "racks of " + replicas);
        }
    }

    @Test
    void placementBalancesLeadersAgainstTopicsAlreadyThere() {
        Images images = new Images().liveBroker(1, null).liveBroker(2, null).liveBroker(3, null);
        images.apply(new CreateTopic(UUID.randomUUID(), "first", 1, 1, Map.of(), List.of()));
        int firstLeader = images.image().topic("first").orElseThrow().partition(0).leader();
        List<List<Integer>> placed = PartitionPlacement.place(images.image(), 2, 1);
        assertTrue(placed.stream().noneMatch(r -> r.get(0) == firstLeader),
                "the broker leading 'first' (" + firstLeader + ") gets no new leader: " + placed);
    }

    @Test
    void fencedBrokersGetNoReplicas() {
        Images images = new Images().liveBroker(1, null).liveBroker(2, null).liveBroker(3, null);
        images.apply(new FenceBroker(2, images.image().brokers().get(2).epoch()));
        List<List<Integer>> placed = PartitionPlacement.place(images.image(), 4, 2);
        assertTrue(placed.stream().flatMap(List::stream).noneMatch(id -> id == 2), placed.toString());
    }

    @Test
    void aReplicationFactorAboveTheLiveBrokersIsRefusedNamingThem() {
        MetadataImage image = new Images().liveBroker(1, null).liveBroker(2, null).image();
        MetadataException e = assertThrows(MetadataException.class, () -> PartitionPlacement.place(image, 1, 3));
        assertEquals(MetadataException.Reason.INVALID_REPLICATION_FACTOR, e.reason());
        assertEquals("Replication factor 3 is larger than the 2 live broker(s) [1, 2]", e.getMessage());
    }

    @Test
    void placementIsTheSameFromTheSameImage() {
        MetadataImage image = new Images().liveBroker(1, "x").liveBroker(2, "y").liveBroker(3, "y").image();
        assertEquals(PartitionPlacement.place(image, 9, 2), PartitionPlacement.place(image, 9, 2));
    }

    private static Map<Integer, Integer> leaderCounts(List<List<Integer>> placed) {
        Map<Integer, Integer> counts = new HashMap<>();
        placed.forEach(replicas -> counts.merge(replicas.get(0), 1, Integer::sum));
        return counts;
    }

    private static Map<Integer, Integer> replicaCounts(Collection<List<Integer>> placed) {
        Map<Integer, Integer> counts = new HashMap<>();
        placed.forEach(replicas -> replicas.forEach(id -> counts.merge(id, 1, Integer::sum)));
        return counts;
    }
}
