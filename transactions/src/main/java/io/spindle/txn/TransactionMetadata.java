package io.spindle.txn;

import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.Set;
import org.apache.kafka.common.TopicPartition;

/**
 * One transactional id's state, as stored in {@code __transaction_state}: its producer id and epoch, the timeout
 * its producer asked for, the state of its current (or last) transaction and what that transaction touched.
 * Immutable: each transition returns the next value, checking that the state machine allows it
 * ({@link TransactionState#validPrevious()}); the coordinator stores the next value and only then makes it current.
 *
 * @param lastProducerEpoch the epoch before the last bump (-1 if none), so that a producer retrying an
 *                          InitProducerId whose answer it lost is recognised (KIP-360)
 * @param startTimestampMs  when the current transaction became Ongoing (-1 when none is open); its timeout counts
 *                          from here
 * @param lastUpdateMs      the last transition; an idle id expires transactional.id.expiration.ms after it
 */
public record TransactionMetadata(String transactionalId, long producerId, short producerEpoch,
                                  short lastProducerEpoch, int timeoutMs, TransactionState state,
                                  Set<TopicPartition> partitions, Set<String> groups, long startTimestampMs,
                                  long lastUpdateMs) {
    /** The largest epoch handed out; past it a producer gets a new producer id (Kafka stops one short of the max). */
    static final short MAX_EPOCH = Short.MAX_VALUE - 1;

    public TransactionMetadata {
        partitions = Set.copyOf(partitions);
        groups = Set.copyOf(groups);
    }

    /** A transactional id seen for the first time: Empty, with epoch -1 so that the first InitProducerId gives 0. */
    static TransactionMetadata fresh(String transactionalId, long producerId, int timeoutMs, long nowMs) {
        return new TransactionMetadata(transactionalId, producerId, (short) -1, (short) -1, timeoutMs,
                TransactionState.EMPTY, Set.of(), Set.of(), -1L, nowMs);
    }

    /** Whether the epoch can be bumped without running out (else a new producer id is needed). */
    boolean epochExhausted() {
        return producerEpoch >= MAX_EPOCH;
    }

    /** InitProducerId with no transaction open: the next epoch (or a new producer id at epoch 0), Empty. */
    TransactionMetadata initialized(long newProducerId, int newTimeoutMs, long nowMs) {
        requireFrom(TransactionState.EMPTY);
        boolean newId = newProducerId != producerId;
        short epoch = newId ? 0 : (short) (producerEpoch + 1);
        return new TransactionMetadata(transactionalId, newProducerId, epoch, newId ? -1 : producerEpoch,
                newTimeoutMs, TransactionState.EMPTY, Set.of(), Set.of(), -1L, nowMs);
    }

    /** AddPartitionsToTxn / AddOffsetsToTxn: Ongoing, with these partitions and groups added. */
    TransactionMetadata withAdded(Collection<TopicPartition> addedPartitions, Collection<String> addedGroups, long nowMs) {
        requireFrom(TransactionState.ONGOING);
        boolean starting = state != TransactionState.ONGOING;
        Set<TopicPartition> nextPartitions = new LinkedHashSet<>(starting ? Set.of() : partitions);
        nextPartitions.addAll(addedPartitions);
        Set<String> nextGroups = new LinkedHashSet<>(starting ? Set.of() : groups);
        nextGroups.addAll(addedGroups);
        return new TransactionMetadata(transactionalId, producerId, producerEpoch, lastProducerEpoch, timeoutMs,
                TransactionState.ONGOING, nextPartitions, nextGroups, starting ? nowMs : startTimestampMs, nowMs);
    }

    /** A new producer (InitProducerId) or the timeout takes an open transaction from its producer: epoch + 1. */
    TransactionMetadata fencing(long nowMs) {
        requireFrom(TransactionState.PREPARE_EPOCH_FENCE);
        return new TransactionMetadata(transactionalId, producerId, (short) (producerEpoch + 1), producerEpoch,
                timeoutMs, TransactionState.PREPARE_EPOCH_FENCE, partitions, groups, startTimestampMs, nowMs);
    }

    /** EndTxn (or a fence or timeout): PrepareCommit or PrepareAbort, with the same partitions and groups. */
    TransactionMetadata preparing(boolean commit, long nowMs) {
        TransactionState next = commit ? TransactionState.PREPARE_COMMIT : TransactionState.PREPARE_ABORT;
        requireFrom(next);
        return new TransactionMetadata(transactionalId, producerId, producerEpoch, lastProducerEpoch, timeoutMs, next,
                partitions, groups, startTimestampMs, nowMs);
    }

    /** Every marker written and every group completed: CompleteCommit or CompleteAbort, touching nothing. */
    TransactionMetadata completed(long nowMs) {
        TransactionState next = state == TransactionState.PREPARE_COMMIT
                ? TransactionState.COMPLETE_COMMIT : TransactionState.COMPLETE_ABORT;
        requireFrom(next);
        return new TransactionMetadata(transactionalId, producerId, producerEpoch, lastProducerEpoch, timeoutMs, next,
                Set.of(), Set.of(), -1L, nowMs);
    }

    /** Idle too long: the id is forgotten (stored as a tombstone). */
    TransactionMetadata dead(long nowMs) {
        requireFrom(TransactionState.DEAD);
        return new TransactionMetadata(transactionalId, producerId, producerEpoch, lastProducerEpoch, timeoutMs,
                TransactionState.DEAD, Set.of(), Set.of(), -1L, nowMs);
    }

    /** Whether the open transaction has run past its timeout at {@code nowMs}. */
    boolean timedOut(long nowMs) {
        return state == TransactionState.ONGOING && nowMs - startTimestampMs > timeoutMs;
    }

    private void requireFrom(TransactionState next) {
        if (!next.validPrevious().contains(state)) {
            throw new IllegalStateException("transactional id '" + transactionalId + "' cannot move from " + state
                    + " to " + next);
        }
    }
}
