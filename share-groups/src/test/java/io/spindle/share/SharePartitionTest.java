package io.spindle.share;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spindle.config.ShareAutoOffsetReset;
import io.spindle.config.ShareSettings;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.Uuid;
import org.junit.jupiter.api.Test;

/** The share-partition state machine: acquisition, acknowledgement, release, lock timeout, delivery limit, storage. */
class SharePartitionTest {
    private static final int LOCK_MS = 30_000;
    private static final ShareSettings SETTINGS = new ShareSettings(LOCK_MS, 3, 100, 45_000, 5_000, ShareAutoOffsetReset.LATEST, 2_000);

    private static final ReadRecords NO_WAIT = ReadRecords.NONE;
    /** SETTINGS with a dead-letter topic, and a redelivery backoff of 100 ms doubling up to 250 ms. */
    private static final ShareSettings QUEUE = new ShareSettings(LOCK_MS, 3, 100, 45_000, 5_000,
            ShareAutoOffsetReset.LATEST, 2_000, "{topic}.dlq", 100, 250);

    private static Acknowledgement ack(long first, long last, AcknowledgeType type) {
        return new Acknowledgement(first, last, List.of(type));
    }

    @Test
    void acquiresNewRecordsWithDeliveryCountOne() {
        SharePartition partition = SharePartition.startingAt(10, SETTINGS);
        List<AcquiredRange> ranges = partition.acquire("a", 10, 15, 500, 0, NO_WAIT);
        assertEquals(List.of(new AcquiredRange(10, 14, 1)), ranges);
        assertEquals(5, partition.acquired());
        assertEquals(15, partition.endOffset());
        assertEquals("a", partition.holder(12));
        assertEquals(15, partition.nextFetchOffset(0));
    }

    @Test
    void resetToStartsAnewAtTheOffsetWithNothingInFlight() {
        SharePartition partition = SharePartition.startingAt(0, SETTINGS);
        partition.acquire("a", 0, 5, 500, 0, NO_WAIT);
        partition.acknowledge("a", List.of(ack(0, 1, AcknowledgeType.ACCEPT)), 1);
        partition.resetTo(1);
        assertEquals(1, partition.startOffset());
        assertEquals(0, partition.inFlight());
        assertEquals(0, partition.acquired());
        assertEquals(List.of(new AcquiredRange(1, 5, 1)), partition.acquire("b", 1, 6, 500, 2, NO_WAIT));
    }

    @Test
    void acquiredRecordsAreNotAcquiredByAnotherMember() {
        SharePartition partition = SharePartition.startingAt(0, SETTINGS);
        partition.acquire("a", 0, 5, 500, 0, NO_WAIT);
        assertEquals(List.of(new AcquiredRange(5, 7, 1)), partition.acquire("b", 0, 8, 500, 0, NO_WAIT));
    }

    @Test
    void maxRecordsCapsOneAcquisition() {
        SharePartition partition = SharePartition.startingAt(0, SETTINGS);
        assertEquals(List.of(new AcquiredRange(0, 2, 1)), partition.acquire("a", 0, 10, 3, 0, NO_WAIT));
        assertEquals(3, partition.nextFetchOffset(0));
    }

    @Test
    void acceptAdvancesTheStartOffset() {
        SharePartition partition = SharePartition.startingAt(0, SETTINGS);
        partition.acquire("a", 0, 5, 500, 0, NO_WAIT);
        SharePartition.AckOutcome outcome = partition.acknowledge("a", List.of(ack(0, 4, AcknowledgeType.ACCEPT)), 1);
        assertNull(outcome.error());
        assertEquals(5, partition.startOffset());
        assertEquals(0, partition.inFlight());
        assertEquals(0, partition.acquired());
    }

    @Test
    void acceptOutOfOrderKeepsTheStartAtTheFirstUnfinishedRecord() {
        SharePartition partition = SharePartition.startingAt(0, SETTINGS);
        partition.acquire("a", 0, 5, 500, 0, NO_WAIT);
        partition.acknowledge("a", List.of(ack(2, 4, AcknowledgeType.ACCEPT)), 1);
        assertEquals(0, partition.startOffset());
        assertEquals(RecordState.ACKNOWLEDGED, partition.stateOf(3));
        partition.acknowledge("a", List.of(ack(0, 1, AcknowledgeType.ACCEPT)), 1);
        assertEquals(5, partition.startOffset());
    }

    @Test
    void releasedRecordIsAcquiredAgainWithDeliveryCountTwo() {
        SharePartition partition = SharePartition.startingAt(0, SETTINGS);
        partition.acquire("a", 0, 3, 500, 0, NO_WAIT);
        SharePartition.AckOutcome outcome = partition.acknowledge("a", List.of(
                new Acknowledgement(0, 2, List.of(AcknowledgeType.ACCEPT, AcknowledgeType.RELEASE, AcknowledgeType.ACCEPT))), 1);
        assertTrue(outcome.madeAvailable());
        assertEquals(1, partition.nextFetchOffset(0));
        assertEquals(List.of(new AcquiredRange(1, 1, 2)), partition.acquire("b", 1, 3, 500, 2, NO_WAIT));
    }

    @Test
    void rejectedRecordIsArchivedAndNeverAcquiredAgain() {
        SharePartition partition = SharePartition.startingAt(0, SETTINGS);
        partition.acquire("a", 0, 2, 500, 0, NO_WAIT);
        partition.acknowledge("a", List.of(ack(1, 1, AcknowledgeType.REJECT)), 1);
        assertEquals(RecordState.ARCHIVED, partition.stateOf(1));
        partition.acknowledge("a", List.of(ack(0, 0, AcknowledgeType.RELEASE)), 1);
        assertEquals(List.of(new AcquiredRange(0, 0, 2)), partition.acquire("b", 0, 2, 500, 2, NO_WAIT));
    }

    @Test
    void gapOffsetsAreArchived() {
        SharePartition partition = SharePartition.startingAt(0, SETTINGS);
        partition.acquire("a", 0, 3, 500, 0, NO_WAIT);
        partition.acknowledge("a", List.of(ack(0, 2, AcknowledgeType.GAP)), 1);
        assertEquals(3, partition.startOffset());
    }

    @Test
    void expiredLockMakesTheRecordAvailable() {
        SharePartition partition = SharePartition.startingAt(0, SETTINGS);
        partition.acquire("a", 0, 2, 500, 1_000, NO_WAIT);
        assertEquals(0, partition.expireLocks(1_000 + LOCK_MS - 1));
        assertEquals(2, partition.expireLocks(1_000 + LOCK_MS));
        assertEquals(RecordState.AVAILABLE, partition.stateOf(0));
        assertEquals(List.of(new AcquiredRange(0, 1, 2)), partition.acquire("b", 0, 2, 500, 50_000, NO_WAIT));
    }

    @Test
    void renewExtendsTheLock() {
        SharePartition partition = SharePartition.startingAt(0, SETTINGS);
        partition.acquire("a", 0, 1, 500, 0, NO_WAIT);
        partition.acknowledge("a", List.of(ack(0, 0, AcknowledgeType.RENEW)), 20_000);
        assertEquals(0, partition.expireLocks(LOCK_MS));
        assertEquals(RecordState.ACQUIRED, partition.stateOf(0));
        assertEquals(1, partition.expireLocks(20_000 + LOCK_MS));
    }

    @Test
    void recordReachingTheDeliveryLimitIsArchived() {
        SharePartition partition = SharePartition.startingAt(0, SETTINGS);
        for (int delivery = 1; delivery <= 3; delivery++) {
            assertEquals(List.of(new AcquiredRange(0, 0, delivery)), partition.acquire("a", 0, 1, 500, 0, NO_WAIT));
            partition.acknowledge("a", List.of(ack(0, 0, AcknowledgeType.RELEASE)), 0);
        }
        assertEquals(1, partition.startOffset(), "archived, so the window moved past it");
        assertEquals(List.of(), partition.acquire("a", 0, 1, 500, 0, NO_WAIT));
    }

    @Test
    void lockTimeoutCountsTowardsTheDeliveryLimit() {
        SharePartition partition = SharePartition.startingAt(0, SETTINGS);
        long now = 0;
        for (int delivery = 1; delivery <= 3; delivery++) {
            partition.acquire("a", 0, 1, 500, now, NO_WAIT);
            now += LOCK_MS;
            partition.expireLocks(now);
        }
        assertEquals(1, partition.startOffset(), "archived, so the window moved past it");
        assertFalse(partition.hasAcquirable(1, 0));
    }

    @Test
    void acknowledgingARecordHeldByAnotherMemberFailsAndChangesNothing() {
        SharePartition partition = SharePartition.startingAt(0, SETTINGS);
        partition.acquire("a", 0, 2, 500, 0, NO_WAIT);
        SharePartition.AckOutcome outcome = partition.acknowledge("b", List.of(ack(0, 1, AcknowledgeType.ACCEPT)), 1);
        assertNotNull(outcome.error());
        assertEquals(RecordState.ACQUIRED, partition.stateOf(0));
        assertEquals("a", partition.holder(1));
    }

    @Test
    void malformedBatchIsRefused() {
        SharePartition partition = SharePartition.startingAt(0, SETTINGS);
        partition.acquire("a", 0, 3, 500, 0, NO_WAIT);
        assertNotNull(partition.acknowledge("a", List.of(new Acknowledgement(0, 2,
                List.of(AcknowledgeType.ACCEPT, AcknowledgeType.ACCEPT))), 1).error());
        assertNotNull(partition.acknowledge("a", List.of(ack(2, 1, AcknowledgeType.ACCEPT)), 1).error());
        assertEquals(3, partition.acquired());
    }

    @Test
    void windowNeverGrowsPastMaxRecordLocks() {
        SharePartition partition = SharePartition.startingAt(0, SETTINGS);
        List<AcquiredRange> ranges = partition.acquire("a", 0, 1_000, 1_000, 0, NO_WAIT);
        assertEquals(List.of(new AcquiredRange(0, 99, 1)), ranges);
        assertFalse(partition.hasAcquirable(1_000, 0));
        partition.acknowledge("a", List.of(ack(0, 9, AcknowledgeType.ACCEPT)), 1);
        assertTrue(partition.hasAcquirable(1_000, 0));
        assertEquals(List.of(new AcquiredRange(100, 109, 1)), partition.acquire("a", 100, 1_000, 1_000, 1, NO_WAIT));
    }

    @Test
    void releaseAllFreesOnlyThatMembersRecords() {
        SharePartition partition = SharePartition.startingAt(0, SETTINGS);
        partition.acquire("a", 0, 2, 500, 0, NO_WAIT);
        partition.acquire("b", 0, 4, 500, 0, NO_WAIT);
        assertEquals(2, partition.releaseAll("a", 0));
        assertEquals(RecordState.AVAILABLE, partition.stateOf(0));
        assertEquals("b", partition.holder(2));
    }

    @Test
    void retentionMovesTheWindowStart() {
        SharePartition partition = SharePartition.startingAt(0, SETTINGS);
        partition.acquire("a", 0, 4, 500, 0, NO_WAIT);
        partition.advanceTo(2);
        assertEquals(2, partition.startOffset());
        assertEquals(2, partition.acquired());
        partition.advanceTo(10);
        assertEquals(10, partition.startOffset());
        assertEquals(10, partition.endOffset());
        assertEquals(0, partition.acquired());
    }

    @Test
    void acquiringPastTheWindowEndIsACallerBug() {
        SharePartition partition = SharePartition.startingAt(0, SETTINGS);
        assertThrows(IllegalArgumentException.class, () -> partition.acquire("a", 5, 10, 500, 0, NO_WAIT));
    }

    @Test
    void storedStateRestoresAcquiredRecordsAsAvailableWithTheirDeliveryCounts() {
        SharePartition partition = SharePartition.startingAt(0, SETTINGS);
        partition.acquire("a", 0, 6, 500, 0, NO_WAIT);
        partition.acknowledge("a", List.of(new Acknowledgement(0, 5, List.of(AcknowledgeType.ACCEPT,
                AcknowledgeType.RELEASE, AcknowledgeType.ACCEPT, AcknowledgeType.REJECT, AcknowledgeType.RENEW,
                AcknowledgeType.RENEW))), 1);
        partition.acquire("b", 1, 2, 500, 2, NO_WAIT); // offset 1 again: delivery count 2
        byte[] stored = ShareStateRecords.value(partition.snapshot());

        SharePartition restored = SharePartition.restore(ShareStateRecords.readValue(ByteBuffer.wrap(stored)), SETTINGS);
        assertEquals(1, restored.startOffset());
        assertEquals(6, restored.endOffset());
        assertEquals(RecordState.AVAILABLE, restored.stateOf(1));
        assertEquals(2, restored.deliveryCount(1));
        assertEquals(RecordState.ACKNOWLEDGED, restored.stateOf(2));
        assertEquals(RecordState.ARCHIVED, restored.stateOf(3));
        assertEquals(RecordState.AVAILABLE, restored.stateOf(4));
        assertEquals(1, restored.deliveryCount(5));
        assertEquals(0, restored.acquired());
        assertEquals(List.of(new AcquiredRange(1, 1, 3), new AcquiredRange(4, 5, 2)), restored.acquire("c", 1, 6, 500, 3, NO_WAIT));
    }

    @Test
    void stateKeyRoundTrips() {
        ShareStateRecords.Key key = new ShareStateRecords.Key("workers", Uuid.randomUuid(), 7);
        assertEquals(key, ShareStateRecords.readKey(ByteBuffer.wrap(ShareStateRecords.key(key))));
    }

    @Test
    void groupConfigRecordRoundTripsAndIsToldApartFromPartitionState() {
        byte[] key = ShareStateRecords.groupConfigKey("workers");
        assertTrue(ShareStateRecords.isGroupConfigKey(ByteBuffer.wrap(key)));
        assertFalse(ShareStateRecords.isGroupConfigKey(ByteBuffer.wrap(
                ShareStateRecords.key(new ShareStateRecords.Key("workers", Uuid.randomUuid(), 0)))));
        assertEquals("workers", ShareStateRecords.readGroupConfigKey(ByteBuffer.wrap(key)));
        Map<String, String> configs = Map.of("share.delivery.count.limit", "3", "share.auto.offset.reset", "earliest");
        assertEquals(configs, ShareStateRecords.readGroupConfigValue(
                ByteBuffer.wrap(ShareStateRecords.groupConfigValue(configs))));
    }

    @Test
    void reconfiguredLimitAppliesToLaterReleases() {
        SharePartition partition = SharePartition.startingAt(0, SETTINGS);
        partition.acquire("a", 0, 1, 500, 0, NO_WAIT);
        partition.reconfigure(SETTINGS.withGroupConfigs(Map.of("share.delivery.count.limit", "2")));
        partition.acknowledge("a", List.of(ack(0, 0, AcknowledgeType.RELEASE)), 1);
        partition.acquire("a", 0, 1, 500, 2, NO_WAIT);
        partition.acknowledge("a", List.of(ack(0, 0, AcknowledgeType.RELEASE)), 3);
        assertEquals(1, partition.startOffset(), "archived after 2 deliveries");
    }

    @Test
    void truncatedValueIsRefusedWithAClearError() {
        byte[] stored = ShareStateRecords.value(SharePartition.startingAt(3, SETTINGS).snapshot());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ShareStateRecords.readValue(ByteBuffer.wrap(stored, 0, 5)));
        assertTrue(e.getMessage().contains("truncated"), e.getMessage());
    }

    @Test
    void rejectedRecordWaitsForItsDeadLetterCopyBeforeItIsArchived() {
        SharePartition partition = SharePartition.startingAt(0, QUEUE);
        partition.acquire("a", 0, 2, 500, 0, NO_WAIT);
        partition.acknowledge("a", List.of(ack(0, 0, AcknowledgeType.REJECT), ack(1, 1, AcknowledgeType.ACCEPT)), 1);
        assertEquals(RecordState.DEAD_LETTERING, partition.stateOf(0));
        assertEquals(0, partition.startOffset(), "the window does not move past a record not yet copied");
        assertEquals(List.of(new SharePartition.PendingDeadLetter(0, 1, DeadLetterReason.REJECTED)),
                partition.takeDeadLetters());
        assertEquals(List.of(), partition.takeDeadLetters(), "handed out once");
        partition.deadLetterFailed(0);
        assertEquals(1, partition.takeDeadLetters().size(), "a failed copy is handed out again");
        assertTrue(partition.deadLettered(0));
        assertEquals(2, partition.startOffset());
        assertEquals(1, partition.deadLetteredTotal());
        assertEquals(1, partition.archivedTotal());
    }

    @Test
    void recordAtTheDeliveryLimitIsDeadLetteredWithThatReason() {
        SharePartition partition = SharePartition.startingAt(0, QUEUE);
        long now = 0;
        for (int delivery = 1; delivery <= 3; delivery++) {
            assertEquals(List.of(new AcquiredRange(0, 0, delivery)), partition.acquire("a", 0, 1, 500, now, NO_WAIT));
            partition.acknowledge("a", List.of(ack(0, 0, AcknowledgeType.RELEASE)), now);
            now += 1_000;
        }
        assertEquals(List.of(new SharePartition.PendingDeadLetter(0, 3, DeadLetterReason.DELIVERY_LIMIT)),
                partition.takeDeadLetters());
        assertFalse(partition.hasAcquirable(1, now));
    }

    @Test
    void deadLetteringRecordsSurviveARestartWithTheirReason() {
        SharePartition partition = SharePartition.startingAt(0, QUEUE);
        partition.acquire("a", 0, 3, 500, 0, NO_WAIT);
        partition.acknowledge("a", List.of(ack(0, 0, AcknowledgeType.REJECT), ack(1, 1, AcknowledgeType.ACCEPT)), 1);
        partition.takeDeadLetters();   // sent, then the broker died before the copy was durable
        ByteBuffer stored = ByteBuffer.wrap(ShareStateRecords.value(partition.snapshot()));
        SharePartition restored = SharePartition.restore(ShareStateRecords.readValue(stored), QUEUE);
        assertEquals(RecordState.DEAD_LETTERING, restored.stateOf(0));
        assertEquals(List.of(new SharePartition.PendingDeadLetter(0, 1, DeadLetterReason.REJECTED)),
                restored.takeDeadLetters());
        assertEquals(RecordState.AVAILABLE, restored.stateOf(2), "the acquired record comes back");
    }

    @Test
    void releasedRecordWaitsABackoffThatDoublesUpToTheCap() {
        SharePartition partition = SharePartition.startingAt(0, new ShareSettings(LOCK_MS, 10, 100, 45_000, 5_000,
                ShareAutoOffsetReset.LATEST, 2_000, "", 100, 250));
        long now = 1_000;
        long[] waits = {100, 200, 250, 250};
        for (long wait : waits) {
            assertEquals(1, partition.acquire("a", 0, 1, 500, now, NO_WAIT).size());
            partition.acknowledge("a", List.of(ack(0, 0, AcknowledgeType.RELEASE)), now);
            assertFalse(partition.hasAcquirable(1, now + wait - 1), "still waiting " + wait + " ms after the release");
            assertEquals(List.of(), partition.acquire("a", 0, 1, 500, now + wait - 1, NO_WAIT));
            assertTrue(partition.waitOver(now + wait));
            assertTrue(partition.hasAcquirable(1, now + wait));
            now += wait;
        }
    }

    @Test
    void timedOutRecordWaitsItsBackoffToo() {
        SharePartition partition = SharePartition.startingAt(0, QUEUE);
        partition.acquire("a", 0, 1, 500, 0, NO_WAIT);
        assertEquals(1, partition.expireLocks(LOCK_MS));
        assertEquals(1, partition.nextFetchOffset(LOCK_MS), "offset 0 waits: the next fetch reads past it");
        assertEquals(0, partition.nextFetchOffset(LOCK_MS + 100));
    }

    @Test
    void recordWithADeliveryTimeEntersTheWindowButIsAcquiredOnlyFromThatTime() {
        SharePartition partition = SharePartition.startingAt(0, SETTINGS);
        ReadRecords times = ReadRecords.deliveringAt(offset -> offset == 1 ? 5_000 : 0);
        assertEquals(List.of(new AcquiredRange(0, 0, 1), new AcquiredRange(2, 2, 1)),
                partition.acquire("a", 0, 3, 500, 1_000, times));
        assertEquals(3, partition.endOffset());
        assertFalse(partition.hasAcquirable(3, 4_999));
        assertFalse(partition.waitOver(4_999));
        assertTrue(partition.waitOver(5_000));
        assertEquals(1, partition.nextFetchOffset(5_000));
        assertEquals(List.of(new AcquiredRange(1, 1, 1)), partition.acquire("b", 1, 3, 500, 5_000, NO_WAIT));
    }

    @Test
    void deliveryTimeIsReadAgainAfterARestart() {
        SharePartition partition = SharePartition.startingAt(0, SETTINGS);
        partition.acquire("a", 0, 2, 500, 1_000, ReadRecords.deliveringAt(offset -> offset == 1 ? 5_000 : 0));
        ByteBuffer stored = ByteBuffer.wrap(ShareStateRecords.value(partition.snapshot()));
        SharePartition restored = SharePartition.restore(ShareStateRecords.readValue(stored), SETTINGS);
        assertEquals(0, restored.nextFetchOffset(1_000), "never-delivered records must be read again to know");
        assertEquals(List.of(new AcquiredRange(0, 0, 2)), restored.acquire("b", 0, 2, 500, 1_000,
                ReadRecords.deliveringAt(offset -> offset == 1 ? 5_000 : 0)));
        assertEquals(2, restored.nextFetchOffset(1_000));
    }

    @Test
    void countsDeliveriesByDeliveryCount() {
        SharePartition partition = SharePartition.startingAt(0, SETTINGS);
        partition.acquire("a", 0, 2, 500, 0, NO_WAIT);
        partition.acknowledge("a", List.of(ack(0, 0, AcknowledgeType.RELEASE)), 0);
        partition.acquire("a", 0, 2, 500, 0, NO_WAIT);
        assertEquals(2, partition.deliveries(1));
        assertEquals(1, partition.deliveries(2));
    }

    /** A read where the records from {@code first} to {@code last} may not be seen (aborted, or control records). */
    private static ReadRecords hiding(long first, long last) {
        return new ReadRecords() {
            @Override
            public long deliverAt(long offset) {
                return 0;
            }

            @Override
            public boolean isDeliverable(long offset) {
                return offset < first || offset > last;
            }
        };
    }

    @Test
    void undeliverableRecordsAreArchivedNotAcquiredAndTheWindowMovesPastThem() {
        SharePartition partition = SharePartition.startingAt(0, SETTINGS);
        assertEquals(List.of(new AcquiredRange(0, 0, 1), new AcquiredRange(4, 5, 1)),
                partition.acquire("a", 0, 6, 500, 0, hiding(1, 3)));
        assertEquals(RecordState.ARCHIVED, partition.stateOf(2));
        assertEquals(3, partition.archivedTotal());
        partition.acknowledge("a", List.of(ack(0, 0, AcknowledgeType.ACCEPT)), 0);
        assertEquals(4, partition.startOffset(), "the archived records behind the accepted one are done too");
    }

    @Test
    void aReadOfOnlyUndeliverableRecordsAcquiresNothingButMovesTheWindowOn() {
        SharePartition partition = SharePartition.startingAt(10, SETTINGS);
        assertEquals(List.of(), partition.acquire("a", 10, 15, 500, 0, hiding(10, 14)));
        assertEquals(15, partition.startOffset());
        assertEquals(15, partition.endOffset());
        assertEquals(5, partition.archivedTotal());
    }

    @Test
    void anAvailableRecordIsArchivedWhenALaterReadCallsItUndeliverable() {
        SharePartition partition = SharePartition.startingAt(0, SETTINGS);
        partition.acquire("a", 0, 3, 500, 0, NO_WAIT);
        partition.acknowledge("a", List.of(ack(1, 1, AcknowledgeType.RELEASE)), 0);
        assertEquals(List.of(), partition.acquire("b", 1, 3, 500, 0, hiding(1, 1)));
        assertEquals(RecordState.ARCHIVED, partition.stateOf(1));
        assertEquals(0, partition.available());
    }
}
