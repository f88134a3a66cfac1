package io.spindle.txn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.Set;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

/** The transitions the state machine allows, and the stored form of a state. */
class TransactionMetadataTest {
    private static final TopicPartition A = new TopicPartition("orders", 0);

    private static TransactionMetadata empty() {
        return TransactionMetadata.fresh("t", 7, 1000, 0).initialized(7, 1000, 0);
    }

    @Test
    void aTransactionGoesOngoingPrepareCommitCompleteCommitAndBackToOngoing() {
        TransactionMetadata ongoing = empty().withAdded(List.of(A), List.of("g"), 10);
        TransactionMetadata prepared = ongoing.preparing(true, 20);
        TransactionMetadata completed = prepared.completed(30);
        TransactionMetadata next = completed.withAdded(List.of(A), List.of(), 40);

        assertEquals(TransactionState.ONGOING, ongoing.state());
        assertEquals(10, ongoing.startTimestampMs());
        assertEquals(TransactionState.PREPARE_COMMIT, prepared.state());
        assertEquals(TransactionState.COMPLETE_COMMIT, completed.state());
        assertEquals(Set.of(), completed.partitions());
        assertEquals(40, next.startTimestampMs());
    }

    @Test
    void decidingWithoutAnOpenTransactionOrReopeningADecidedOneIsRefused() {
        assertThrows(IllegalStateException.class, () -> empty().preparing(true, 0));
        TransactionMetadata prepared = empty().withAdded(List.of(A), List.of(), 0).preparing(false, 0);
        assertThrows(IllegalStateException.class, () -> prepared.withAdded(List.of(A), List.of(), 0));
        assertThrows(IllegalStateException.class, () -> prepared.preparing(true, 0));
        assertThrows(IllegalStateException.class, () -> prepared.initialized(7, 1000, 0));
        assertThrows(IllegalStateException.class, () -> empty().fencing(0));
    }

    @Test
    void fencingBumpsTheEpochAndLeadsOnlyToPrepareAbort() {
        TransactionMetadata fenced = empty().withAdded(List.of(A), List.of(), 0).fencing(5);

        assertEquals(TransactionState.PREPARE_EPOCH_FENCE, fenced.state());
        assertEquals(1, fenced.producerEpoch());
        assertThrows(IllegalStateException.class, () -> fenced.preparing(true, 5));
        assertEquals(TransactionState.PREPARE_ABORT, fenced.preparing(false, 5).state());
    }

    @Test
    void theStoredValueReadsBackEqual() {
        TransactionMetadata m = empty().withAdded(List.of(A, new TopicPartition("ü-topic", 3)), List.of("billing"), 99);

        TransactionMetadata read = TransactionRecords.readValue("t", ByteBuffer.wrap(TransactionRecords.value(m)));

        assertEquals(m, read);
        assertEquals("t", TransactionRecords.readKey(ByteBuffer.wrap(TransactionRecords.key("t"))));
    }

    @Test
    void aTruncatedValueIsRefusedNamingTheTransactionalId() {
        byte[] value = TransactionRecords.value(empty());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TransactionRecords.readValue("t", ByteBuffer.wrap(value, 0, value.length - 3)));
        assertEquals("transaction state value of 't' is truncated", e.getMessage());
    }

    @Test
    void aValueOfVersionZeroReadsWithNoPreviousOrNextProducerId() {
        TransactionMetadata m = empty().withAdded(List.of(A), List.of("billing"), 99);
        byte[] current = TransactionRecords.value(m);
        ByteBuffer versionZero = ByteBuffer.wrap(current, 0, current.length - 16).slice();
        versionZero.putShort(0, (short) 0);

        TransactionMetadata read = TransactionRecords.readValue("t", versionZero);

        assertEquals(m, read);
        assertEquals(-1, read.previousProducerId());
        assertEquals(-1, read.nextProducerId());
    }

    @Test
    void aBumpingEndKeepsOrDropsWhatTheTransactionTouched() {
        TransactionMetadata ongoing = empty().withAdded(List.of(A), List.of("g"), 10);
        TransactionMetadata committing = ongoing.preparingWithBump(true, TransactionMetadata.NO_PRODUCER_ID, 20);
        TransactionMetadata emptyAbort = empty().preparingWithBump(false, TransactionMetadata.NO_PRODUCER_ID, 20);

        assertEquals(Set.of(A), committing.partitions());
        assertEquals(1, committing.producerEpoch());
        assertEquals(0, committing.lastProducerEpoch());
        assertEquals(Set.of(), emptyAbort.partitions());
        assertEquals(TransactionState.PREPARE_ABORT, emptyAbort.state());
        assertThrows(IllegalStateException.class,
                () -> empty().preparingWithBump(true, TransactionMetadata.NO_PRODUCER_ID, 20));
        assertThrows(IllegalStateException.class, () -> ongoing.preparingWithBump(true, 8, 20));
    }
}
