package io.spindle.txn;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spindle.fixtures.SegmentFiles;
import io.spindle.log.PartitionLog;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.Test;

/** The coordinator's state machine over a real partition log of __transaction_state (transaction version 1). */
class TransactionCoordinatorTest extends CoordinatorFixture {

    @Test
    void initProducerIdGivesANewIdEpochZeroThenTheNextEpochEachTime() {
        Transactions.ProducerIdAndEpoch first = init("t");
        Transactions.ProducerIdAndEpoch second = init("t");

        assertEquals(new Transactions.ProducerIdAndEpoch(Errors.NONE, 100, (short) 0), first);
        assertEquals(new Transactions.ProducerIdAndEpoch(Errors.NONE, 100, (short) 1), second);
        assertEquals(TransactionState.EMPTY, state("t"));
    }

    @Test
    void aTimeoutAboveTheMaximumOrNotPositiveIsInvalid() {
        assertEquals(Errors.INVALID_TRANSACTION_TIMEOUT, coordinator.initProducerId("t", 60_001, -1, (short) -1).join().error());
        assertEquals(Errors.INVALID_TRANSACTION_TIMEOUT, coordinator.initProducerId("t", 0, -1, (short) -1).join().error());
        assertTrue(coordinator.describe("t").isEmpty());
    }

    @Test
    void aCommittedTransactionWritesCommitMarkersToEachPartitionAndCompletes() {
        Transactions.ProducerIdAndEpoch p = init("t");
        assertEquals(Errors.NONE, coordinator.addPartitions("t", p.producerId(), p.producerEpoch(), List.of(A)).join());
        assertEquals(Errors.NONE, coordinator.addPartitions("t", p.producerId(), p.producerEpoch(), List.of(B)).join());
        assertEquals(TransactionState.ONGOING, state("t"));
        assertEquals(Errors.NONE, coordinator.verifyPartition("t", p.producerId(), p.producerEpoch(), A));

        assertEquals(Errors.NONE, coordinator.endTransaction("t", p.producerId(), p.producerEpoch(), true, false).join().error());

        await().atMost(Duration.ofSeconds(5)).until(() -> state("t") == TransactionState.COMPLETE_COMMIT);
        assertEquals(List.of("COMMIT 100/0 [orders-0, orders-1]"), markers.written);
        assertEquals(Set.of(), coordinator.describe("t").orElseThrow().partitions());
        assertEquals(Errors.INVALID_TXN_STATE, coordinator.verifyPartition("t", p.producerId(), p.producerEpoch(), A));
    }

    @Test
    void additionsWhileThePreviousTransactionCompletesWaitForItInsteadOfBeingRefused() {
        Transactions.ProducerIdAndEpoch p = init("t");
        coordinator.addPartitions("t", p.producerId(), p.producerEpoch(), List.of(A)).join();
        markers.hold = true;
        coordinator.endTransaction("t", p.producerId(), p.producerEpoch(), true, false).join();

        CompletableFuture<Errors> partitions = coordinator.addPartitions("t", p.producerId(), p.producerEpoch(), List.of(B));
        CompletableFuture<Errors> offsets = coordinator.addOffsets("t", p.producerId(), p.producerEpoch(), "g");
        assertEquals(TransactionState.PREPARE_COMMIT, state("t"));
        assertFalse(partitions.isDone());

        markers.release();

        assertEquals(Errors.NONE, partitions.join());
        assertEquals(Errors.NONE, offsets.join());
        TransactionMetadata next = coordinator.describe("t").orElseThrow();
        assertEquals(TransactionState.ONGOING, next.state());
        assertEquals(Set.of(B), next.partitions());
        assertEquals(Set.of("g"), next.groups());
        assertEquals(List.of("COMMIT 100/0 [orders-0]"), markers.written);
    }

    @Test
    void endTxnIsIdempotentForTheSameDecisionAndRefusesTheOtherOrNoTransaction() {
        Transactions.ProducerIdAndEpoch p = init("t");
        assertEquals(Errors.INVALID_TXN_STATE, coordinator.endTransaction("t", p.producerId(), p.producerEpoch(), true, false).join().error());
        coordinator.addPartitions("t", p.producerId(), p.producerEpoch(), List.of(A)).join();
        coordinator.endTransaction("t", p.producerId(), p.producerEpoch(), false, false).join().error();
        await().atMost(Duration.ofSeconds(5)).until(() -> state("t") == TransactionState.COMPLETE_ABORT);

        assertEquals(Errors.NONE, coordinator.endTransaction("t", p.producerId(), p.producerEpoch(), false, false).join().error());
        assertEquals(Errors.INVALID_TXN_STATE, coordinator.endTransaction("t", p.producerId(), p.producerEpoch(), true, false).join().error());
        assertEquals(List.of("ABORT 100/0 [orders-0]"), markers.written);
    }

    @Test
    void aProducerWithAnOlderEpochIsFencedAndAnUnknownIdIsNotMapped() {
        Transactions.ProducerIdAndEpoch old = init("t");
        init("t");

        assertEquals(Errors.PRODUCER_FENCED, coordinator.addPartitions("t", old.producerId(), old.producerEpoch(), List.of(A)).join());
        assertEquals(Errors.PRODUCER_FENCED, coordinator.endTransaction("t", old.producerId(), old.producerEpoch(), true, false).join().error());
        assertEquals(Errors.INVALID_PRODUCER_ID_MAPPING, coordinator.addPartitions("other", 100, (short) 0, List.of(A)).join());
        assertEquals(Errors.INVALID_PRODUCER_ID_MAPPING, coordinator.addPartitions("t", 999, (short) 1, List.of(A)).join());
    }

    @Test
    void aNewProducerAbortsTheOpenTransactionWithABumpedEpochBeforeItGetsItsOwn() {
        Transactions.ProducerIdAndEpoch zombie = init("t");
        coordinator.addPartitions("t", zombie.producerId(), zombie.producerEpoch(), List.of(A)).join();

        assertEquals(Errors.CONCURRENT_TRANSACTIONS, init("t").error());
        assertEquals(Errors.INVALID_PRODUCER_EPOCH, coordinator.verifyPartition("t", zombie.producerId(), zombie.producerEpoch(), A));
        await().atMost(Duration.ofSeconds(5)).until(() -> state("t") == TransactionState.COMPLETE_ABORT);
        Transactions.ProducerIdAndEpoch successor = init("t");

        assertEquals(List.of("ABORT 100/1 [orders-0]"), markers.written);
        assertEquals(new Transactions.ProducerIdAndEpoch(Errors.NONE, 100, (short) 2), successor);
    }

    @Test
    void aTransactionOpenPastItsTimeoutIsAbortedAndItsProducerFenced() {
        Transactions.ProducerIdAndEpoch p = init("t");
        coordinator.addPartitions("t", p.producerId(), p.producerEpoch(), List.of(A)).join();

        clock.advance(Duration.ofMillis(10_001));

        await().atMost(Duration.ofSeconds(5)).until(() -> state("t") == TransactionState.COMPLETE_ABORT);
        assertEquals(List.of("ABORT 100/1 [orders-0]"), markers.written);
        assertEquals(Errors.PRODUCER_FENCED, coordinator.endTransaction("t", p.producerId(), p.producerEpoch(), true, false).join().error());
    }

    @Test
    void theStateSurvivesARestartAndAnOpenTransactionKeepsItsStartTime() {
        Transactions.ProducerIdAndEpoch p = init("t");
        coordinator.addPartitions("t", p.producerId(), p.producerEpoch(), List.of(A, B)).join();
        TransactionMetadata before = coordinator.describe("t").orElseThrow();

        restart();

        assertEquals(before, coordinator.describe("t").orElseThrow());
        clock.advance(Duration.ofMillis(10_001));
        await().atMost(Duration.ofSeconds(5)).until(() -> state("t") == TransactionState.COMPLETE_ABORT);
    }

    @Test
    void aTransactionDecidedBeforeARestartIsCompletedAfterIt() {
        Transactions.ProducerIdAndEpoch p = init("t");
        coordinator.addPartitions("t", p.producerId(), p.producerEpoch(), List.of(A)).join();
        coordinator.addOffsets("t", p.producerId(), p.producerEpoch(), "billing").join();
        markers.hold = true;     // the markers never get written before the "crash"
        assertEquals(Errors.NONE, coordinator.endTransaction("t", p.producerId(), p.producerEpoch(), true, false).join().error());
        assertEquals(TransactionState.PREPARE_COMMIT, state("t"));

        markers.hold = false;
        restart();

        await().atMost(Duration.ofSeconds(5)).until(() -> state("t") == TransactionState.COMPLETE_COMMIT);
        assertEquals(List.of("COMMIT 100/0 [orders-0]"), markers.written);
        assertTrue(completedGroups.contains("COMMIT billing 100"), completedGroups.toString());
    }

    @Test
    void offsetsJoinTheTransactionAndTheirGroupIsCompletedWithIt() {
        Transactions.ProducerIdAndEpoch p = init("t");
        assertEquals(Errors.INVALID_TXN_STATE, coordinator.verifyGroup("t", p.producerId(), p.producerEpoch(), "billing"));
        assertEquals(Errors.NONE, coordinator.addOffsets("t", p.producerId(), p.producerEpoch(), "billing").join());
        assertEquals(Errors.NONE, coordinator.verifyGroup("t", p.producerId(), p.producerEpoch(), "billing"));

        coordinator.endTransaction("t", p.producerId(), p.producerEpoch(), false, false).join().error();

        await().atMost(Duration.ofSeconds(5)).until(() -> state("t") == TransactionState.COMPLETE_ABORT);
        assertEquals(List.of("ABORT billing 100"), completedGroups);
        assertEquals(List.of(), markers.written);
    }

    @Test
    void anIdleTransactionalIdIsForgottenAfterTheExpiration() {
        init("t");
        clock.advance(Duration.ofMillis(SETTINGS.idExpirationMs() + 1));
        await().atMost(Duration.ofSeconds(5)).until(() -> coordinator.describe("t").isEmpty());
        restart();
        assertTrue(coordinator.describe("t").isEmpty());
    }

    /**
     * A state log as the version before compaction-only wrote it: transitions, then a snapshot (the latest value of
     * every live id again) after which that version deleted the segments wholly before the snapshot, then more
     * transitions: an id forgotten (tombstone) and a commit decided but not completed.
     */
    @Test
    void aStateLogWrittenWithSnapshotsByThePreviousVersionLoadsEveryTransactionalId() throws Exception {
        coordinator.close();
        PartitionLog log = logs.get(TransactionCoordinator.STATE_TOPIC, 0).orElseThrow();
        TransactionStateLog writer = new TransactionStateLog(log, clock);
        Map<String, TransactionMetadata> latest = new LinkedHashMap<>();
        for (int i = 0; i < 3_000; i++) {
            String id = "old-" + i % 10;
            TransactionMetadata next = new TransactionMetadata(id, 1_000 + i % 10, -1L, -1L, (short) (i / 10),
                    (short) (i / 10 - 1), 60_000, TransactionState.COMPLETE_COMMIT, Set.of(), Set.of(), -1L, clock.millis());
            writer.append(next).join();
            latest.put(id, next);
        }
        long snapshotStart = log.logEndOffset();
        for (TransactionMetadata live : latest.values()) {
            writer.append(live).join();
        }
        TransactionMetadata forgotten = latest.remove("old-3").dead(clock.millis());
        writer.append(forgotten).join();
        TransactionMetadata decided = latest.get("old-4").withAdded(List.of(A), List.of("billing"), clock.millis())
                .preparing(true, clock.millis());
        writer.append(decided).join();
        Path dir = log.directory();
        logs.close();
        assertTrue(SegmentFiles.deleteWhollyBelow(dir, snapshotStart) > 0,
                "the previous version trimmed the log before its snapshot");

        start();

        for (TransactionMetadata expected : latest.values()) {
            if (!expected.transactionalId().equals("old-4")) {
                assertEquals(expected, coordinator.describe(expected.transactionalId()).orElseThrow());
            }
        }
        assertTrue(coordinator.describe("old-3").isEmpty(), "the id forgotten after the snapshot stays forgotten");
        await().atMost(Duration.ofSeconds(10)).until(() -> state("old-4") == TransactionState.COMPLETE_COMMIT);
        assertEquals(List.of("COMMIT 1004/" + decided.producerEpoch() + " [orders-0]"), markers.written);
        assertEquals(List.of("COMMIT billing 1004"), completedGroups);
    }
}
