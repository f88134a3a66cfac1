package io.spindle.txn;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.Test;

/** Transaction version 2 (KIP-890 part 2) in the coordinator: the epoch bump at every end and additions by writes. */
class TransactionVersionTwoTest extends CoordinatorFixture {

    private Transactions.ProducerIdAndEpoch end(Transactions.ProducerIdAndEpoch p, boolean commit) {
        return coordinator.endTransaction("t", p.producerId(), p.producerEpoch(), commit, true).join();
    }

    private Errors join(Transactions.ProducerIdAndEpoch p, TopicPartition tp) {
        return coordinator.joinPartition("t", p.producerId(), p.producerEpoch(), tp).join();
    }

    @Test
    void aWriteStartsTheTransactionAndTheEndBumpsTheEpochItsMarkersCarry() {
        Transactions.ProducerIdAndEpoch p = init("t");

        assertEquals(Errors.NONE, join(p, A));
        assertEquals(Errors.NONE, join(p, A));
        assertEquals(Set.of(A), coordinator.describe("t").orElseThrow().partitions());
        Transactions.ProducerIdAndEpoch next = end(p, true);

        assertEquals(new Transactions.ProducerIdAndEpoch(Errors.NONE, 100, (short) 1), next);
        await().atMost(Duration.ofSeconds(5)).until(() -> state("t") == TransactionState.COMPLETE_COMMIT);
        assertEquals(List.of("COMMIT 100/1 [orders-0]"), markers.written);
        assertEquals(1, coordinator.describe("t").orElseThrow().producerEpoch());
    }

    @Test
    void aLateWriteOfAFinishedTransactionIsFencedAndTheNextEpochStartsTheNextOne() {
        Transactions.ProducerIdAndEpoch p = init("t");
        join(p, A);
        Transactions.ProducerIdAndEpoch next = end(p, false);
        await().atMost(Duration.ofSeconds(5)).until(() -> state("t") == TransactionState.COMPLETE_ABORT);

        assertEquals(Errors.PRODUCER_FENCED, join(p, A));
        assertEquals(Errors.INVALID_PRODUCER_EPOCH, coordinator.verifyPartition("t", p.producerId(), p.producerEpoch(), A));
        assertEquals(Errors.NONE, join(next, B));
        assertEquals(TransactionState.ONGOING, state("t"));
    }

    @Test
    void aRetriedEndIsAnsweredWithTheEpochItsFirstAnswerGave() {
        Transactions.ProducerIdAndEpoch p = init("t");
        join(p, A);
        Transactions.ProducerIdAndEpoch first = end(p, true);
        await().atMost(Duration.ofSeconds(5)).until(() -> state("t") == TransactionState.COMPLETE_COMMIT);

        assertEquals(first, end(p, true));
        assertEquals(Errors.INVALID_TXN_STATE, end(p, false).error());
        assertEquals(Errors.INVALID_TXN_STATE, end(first, true).error());
        assertEquals(List.of("COMMIT 100/1 [orders-0]"), markers.written);
    }

    @Test
    void anAbortWithNothingOpenOnlyBumpsTheEpoch() {
        Transactions.ProducerIdAndEpoch p = init("t");

        Transactions.ProducerIdAndEpoch next = end(p, false);

        assertEquals(new Transactions.ProducerIdAndEpoch(Errors.NONE, 100, (short) 1), next);
        await().atMost(Duration.ofSeconds(5)).until(() -> state("t") == TransactionState.COMPLETE_ABORT);
        assertEquals(List.of(), markers.written);
        assertEquals(Errors.INVALID_TXN_STATE, end(next, true).error());
    }

    @Test
    void writesOfTheNextTransactionWaitForThePreviousOneToCompleteAndAreAnsweredInOrder() {
        Transactions.ProducerIdAndEpoch p = init("t");
        join(p, A);
        markers.hold = true;
        Transactions.ProducerIdAndEpoch next = end(p, true);

        CompletableFuture<Errors> first = coordinator.joinPartition("t", next.producerId(), next.producerEpoch(), A);
        CompletableFuture<Errors> second = coordinator.joinPartition("t", next.producerId(), next.producerEpoch(), B);
        List<String> order = new CopyOnWriteArrayList<>();
        first.thenRun(() -> order.add("A"));
        second.thenRun(() -> order.add("B"));
        assertEquals(TransactionState.PREPARE_COMMIT, state("t"));
        assertFalse(first.isDone());

        markers.release();

        assertEquals(Errors.NONE, first.join());
        assertEquals(Errors.NONE, second.join());
        assertEquals(List.of("A", "B"), order);
        assertEquals(Set.of(A, B), coordinator.describe("t").orElseThrow().partitions());
        assertEquals(List.of("COMMIT 100/1 [orders-0]"), markers.written);
    }

    @Test
    void aCommitThatMeetsTheTimeoutsAbortIsAnInvalidEpochNotAFatalState() {
        Transactions.ProducerIdAndEpoch p = init("t");
        join(p, A);

        clock.advance(Duration.ofMillis(10_001));
        await().atMost(Duration.ofSeconds(5)).until(() -> state("t") == TransactionState.COMPLETE_ABORT);

        assertEquals(List.of("ABORT 100/1 [orders-0]"), markers.written);
        assertEquals(Errors.INVALID_PRODUCER_EPOCH, end(p, true).error());
    }

    @Test
    void offsetsJoinTheTransactionThroughTheirCommit() {
        Transactions.ProducerIdAndEpoch p = init("t");

        assertEquals(Errors.NONE, coordinator.joinGroup("t", p.producerId(), p.producerEpoch(), "billing").join());
        assertEquals(Errors.NONE, coordinator.verifyGroup("t", p.producerId(), p.producerEpoch(), "billing"));
        end(p, true);

        await().atMost(Duration.ofSeconds(5)).until(() -> state("t") == TransactionState.COMPLETE_COMMIT);
        assertEquals(List.of("COMMIT billing 100"), completedGroups);
    }

    @Test
    void theEndThatRunsTheEpochOutGoesOnWithTheNextProducerIdAfterARestart() {
        TransactionMetadata last = new TransactionMetadata("t", 7, -1, -1, TransactionMetadata.MAX_EPOCH, (short) -1, 1000,
                TransactionState.EMPTY, Set.of(), Set.of(), -1, 0).withAdded(List.of(A), List.of(), 0);

        TransactionMetadata prepared = last.preparingWithBump(true, 8, 1);
        TransactionMetadata completed = TransactionRecords.readValue("t",
                ByteBuffer.wrap(TransactionRecords.value(prepared))).completed(2);

        assertEquals(Short.MAX_VALUE, prepared.producerEpoch());
        assertEquals(8, prepared.producerIdAfterCompletion());
        assertEquals(0, prepared.producerEpochAfterCompletion());
        assertEquals(8, completed.producerId());
        assertEquals(0, completed.producerEpoch());
        assertEquals(7, completed.previousProducerId());
        assertEquals(EndTxnRules.Outcome.ALREADY_DONE,
                EndTxnRules.versionTwo(completed, 7, TransactionMetadata.MAX_EPOCH, true, false));
        assertEquals(Errors.INVALID_PRODUCER_ID_MAPPING,
                EndTxnRules.versionTwo(completed, 7, (short) 3, true, false).error());
    }
}
