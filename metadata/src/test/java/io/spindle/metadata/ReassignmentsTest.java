package io.spindle.metadata;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spindle.metadata.MetadataCommand.ChangePartition;
import io.spindle.metadata.MetadataCommand.CreateTopic;
import io.spindle.metadata.MetadataCommand.FenceBroker;
import io.spindle.metadata.MetadataCommand.ReassignPartition;
import io.spindle.metadata.MetadataException.Reason;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ReassignmentsTest {
    private final Images images = new Images().liveBroker(1, null).liveBroker(2, null).liveBroker(3, null)
            .liveBroker(4, null);
    private final UUID topicId = UUID.randomUUID();

    @BeforeEach
    void ordersOnBrokers1And2() {
        images.apply(new CreateTopic(topicId, "orders", -1, -1, Map.of(), List.of(List.of(1, 2), List.of(2, 3))));
    }

    private PartitionImage partition(int index) {
        return images.image().topic("orders").orElseThrow().partition(index);
    }

    private void reassign(int partition, List<Integer> target) {
        images.apply(new ReassignPartition("orders", partition, Optional.of(target)));
    }

    private void isr(int partition, List<Integer> isr) {
        PartitionImage p = partition(partition);
        images.apply(new ChangePartition(topicId, partition, p.partitionEpoch(), p.leader(), isr));
    }

    private MetadataException refused(MetadataCommand command) {
        MetadataImage before = images.image();
        MetadataException e = assertThrows(MetadataException.class, () -> images.apply(command));
        assertSame(before, images.image(), "a refused command changes nothing");
        return e;
    }

    @Test
    void aMoveAddsTheTargetBeforeTheRemovedReplicasAndKeepsTheLeaderServing() {
        reassign(0, List.of(3, 4));
        PartitionImage moving = partition(0);
        assertEquals(List.of(3, 4, 1, 2), moving.replicas());
        assertEquals(List.of(3, 4), moving.addingReplicas());
        assertEquals(List.of(1, 2), moving.removingReplicas());
        assertEquals(List.of(1, 2), moving.isr());
        assertEquals(1, moving.leader());
        assertEquals(0, moving.leaderEpoch());
        assertEquals(1, moving.partitionEpoch());
    }

    @Test
    void theMoveCompletesWhenTheLastTargetReplicaJoinsTheIsrAndTheRemovedLeaderHandsOver() {
        reassign(0, List.of(3, 4));
        isr(0, List.of(1, 2, 3));
        assertTrue(partition(0).isReassigning(), "broker 4 is not in sync yet");
        isr(0, List.of(1, 2, 3, 4));
        PartitionImage moved = partition(0);
        assertFalse(moved.isReassigning());
        assertEquals(List.of(3, 4), moved.replicas());
        assertEquals(List.of(3, 4), moved.isr());
        assertEquals(3, moved.leader());
        assertEquals(1, moved.leaderEpoch(), "a new leader, a new epoch");
    }

    @Test
    void aLeaderAmongTheTargetKeepsLeadingAtItsEpoch() {
        reassign(0, List.of(3, 1));
        isr(0, List.of(1, 2, 3));
        PartitionImage moved = partition(0);
        assertEquals(List.of(3, 1), moved.replicas());
        assertEquals(List.of(1, 3), moved.isr());
        assertEquals(1, moved.leader());
        assertEquals(0, moved.leaderEpoch());
    }

    @Test
    void aTargetAlreadyInSyncCompletesAtOnce() {
        reassign(0, List.of(2));
        PartitionImage moved = partition(0);
        assertFalse(moved.isReassigning());
        assertEquals(List.of(2), moved.replicas());
        assertEquals(2, moved.leader());
        assertEquals(1, moved.leaderEpoch());
    }

    @Test
    void theSameReplicasChangeNothing() {
        MetadataImage before = images.image();
        reassign(0, List.of(1, 2));
        assertSame(before, images.image());
    }

    @Test
    void cancellingRestoresTheOriginalReplicasAndDropsTheAddedOnesFromTheIsr() {
        reassign(0, List.of(3, 4));
        isr(0, List.of(1, 2, 3));
        images.apply(new ReassignPartition("orders", 0, Optional.empty()));
        PartitionImage back = partition(0);
        assertFalse(back.isReassigning());
        assertEquals(List.of(1, 2), back.replicas());
        assertEquals(List.of(1, 2), back.isr());
        assertEquals(1, back.leader());
    }

    @Test
    void aNewTargetReplacesTheOneInProgressFromTheOriginalReplicas() {
        reassign(0, List.of(3, 4));
        reassign(0, List.of(4, 1));
        PartitionImage moving = partition(0);
        assertEquals(List.of(4, 1, 2), moving.replicas());
        assertEquals(List.of(4), moving.addingReplicas());
        assertEquals(List.of(2), moving.removingReplicas());
    }

    @Test
    void fencingDuringAMoveKeepsTheMoveGoing() {
        reassign(0, List.of(3, 4));
        images.apply(new FenceBroker(1, images.image().brokers().get(1).epoch()));
        PartitionImage moving = partition(0);
        assertEquals(List.of(3, 4), moving.addingReplicas());
        assertEquals(2, moving.leader());
    }

    @Test
    void cancellingWithoutAReassignmentIsRefused() {
        MetadataException e = refused(new ReassignPartition("orders", 1, Optional.empty()));
        assertEquals(Reason.NO_REASSIGNMENT_IN_PROGRESS, e.reason());
        assertEquals("Partition 1 of topic orders has no reassignment in progress", e.getMessage());
    }

    @Test
    void aTargetNamingAnUnregisteredBrokerIsRefusedNamingIt() {
        MetadataException e = refused(new ReassignPartition("orders", 0, Optional.of(List.of(3, 9))));
        assertEquals(Reason.INVALID_REPLICA_ASSIGNMENT, e.reason());
        assertEquals("Partition 0 of topic orders: the target replicas [3, 9] name broker 9, which is not registered",
                e.getMessage());
    }

    @Test
    void aTargetWithADuplicateOrNoBrokerIsRefused() {
        assertEquals(Reason.INVALID_REPLICA_ASSIGNMENT,
                refused(new ReassignPartition("orders", 0, Optional.of(List.of(3, 3)))).reason());
        assertEquals(Reason.INVALID_REPLICA_ASSIGNMENT,
                refused(new ReassignPartition("orders", 0, Optional.of(List.of()))).reason());
    }

    @Test
    void anUnknownTopicOrPartitionIsRefused() {
        assertEquals(Reason.UNKNOWN_TOPIC,
                refused(new ReassignPartition("nope", 0, Optional.of(List.of(1)))).reason());
        MetadataException e = refused(new ReassignPartition("orders", 5, Optional.of(List.of(1))));
        assertEquals(Reason.UNKNOWN_PARTITION, e.reason());
        assertEquals("Partition 5 of topic orders does not exist (the topic has 2 partitions)", e.getMessage());
    }
}
