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
 * <p>Transaction version 2 (KIP-890 part 2) bumps the epoch when a transaction is decided ({@link #preparingWithBump});
 * the markers carry the bumped epoch, so a late write of the finished transaction, with the old one, is fenced.
 * When the epoch runs out, the decided transaction names the producer id that follows ({@code nextProducerId}),
 * which becomes the id, at epoch 0, once the transaction completes.
 *
 * @param previousProducerId the producer id before the last change of id (-1 if none), so that a producer retrying
 *                           the EndTxn that ran its epoch out is recognised
 * @param nextProducerId     while a transaction whose end ran the epoch out is being completed: the producer id that
 *                           follows (-1 otherwise)
 * @param lastProducerEpoch  the epoch before the last bump (-1 if none), so that a producer retrying an
 *                           InitProducerId whose answer it lost is recognised (KIP-360)
 * @param startTimestampMs   when the current transaction became Ongoing (-1 when none is open); its timeout counts
 *                           from here
 * @param lastUpdateMs       the last transition; an idle id expires transactional.id.expiration.ms after it
 */
public record TransactionMetadata(String transactionalId, long producerId, long previousProducerId,
                                  long nextProducerId, short producerEpoch, short lastProducerEpoch, int timeoutMs,
                                  TransactionState state, Set<TopicPartition> partitions, Set<String> groups,
                                  long startTimestampMs, long lastUpdateMs) {
    /** The largest epoch handed out; past it a producer gets a new producer id (Kafka stops one short of the max). */
    static final short MAX_EPOCH = Short.MAX_VALUE - 1;
    static final long NO_PRODUCER_ID = -1L;

    public TransactionMetadata {
        partitions = Set.copyOf(partitions);
        groups = Set.copyOf(groups);
    }

    /** A transactional id seen for the first time: Empty, with epoch -1 so that the first InitProducerId gives 0. */
    static TransactionMetadata fresh(String transactionalId, long producerId, int timeoutMs, long nowMs) {
        return new TransactionMetadata(transactionalId, producerId, NO_PRODUCER_ID, NO_PRODUCER_ID, (short) -1,
                (short) -1, timeoutMs, TransactionState.EMPTY, Set.of(), Set.of(), -1L, nowMs);
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
        return new TransactionMetadata(transactionalId, newProducerId, newId ? producerId : previousProducerId,
                NO_PRODUCER_ID, epoch, newId ? -1 : producerEpoch, newTimeoutMs, TransactionState.EMPTY, Set.of(),
                Set.of(), -1L, nowMs);
    }

    /** AddPartitionsToTxn / AddOffsetsToTxn: Ongoing, with these partitions and groups added. */
    TransactionMetadata withAdded(Collection<TopicPartition> addedPartitions, Collection<String> addedGroups, long nowMs) {
        requireFrom(TransactionState.ONGOING);
        boolean starting = state != TransactionState.ONGOING;
        Set<TopicPartition> nextPartitions = new LinkedHashSet<>(starting ? Set.of() : partitions);
        nextPartitions.addAll(addedPartitions);
        Set<String> nextGroups = new LinkedHashSet<>(starting ? Set.of() : groups);
        nextGroups.addAll(addedGroups);
        return new TransactionMetadata(transactionalId, producerId, previousProducerId, nextProducerId, producerEpoch,
                lastProducerEpoch, timeoutMs, TransactionState.ONGOING, nextPartitions, nextGroups,
                starting ? nowMs : startTimestampMs, nowMs);
    }

    /** Whether the partitions and groups are all part of the open transaction. */
    boolean holds(Collection<TopicPartition> somePartitions, Collection<String> someGroups) {
        return state == TransactionState.ONGOING && partitions.containsAll(somePartitions)
                && groups.containsAll(someGroups);
    }

    /** A new producer (InitProducerId) or the timeout takes an open transaction from its producer: epoch + 1. */
    TransactionMetadata fencing(long nowMs) {
        requireFrom(TransactionState.PREPARE_EPOCH_FENCE);
        return new TransactionMetadata(transactionalId, producerId, previousProducerId, nextProducerId,
                (short) (producerEpoch + 1), producerEpoch, timeoutMs, TransactionState.PREPARE_EPOCH_FENCE,
                partitions, groups, startTimestampMs, nowMs);
    }

    /**
     * EndTxn of transaction version 1 (or a fence or timeout): PrepareCommit or PrepareAbort, with the same epoch,
     * partitions and groups.
     */
    TransactionMetadata preparing(boolean commit, long nowMs) {
        TransactionState next = commit ? TransactionState.PREPARE_COMMIT : TransactionState.PREPARE_ABORT;
        requireFrom(next);
        return new TransactionMetadata(transactionalId, producerId, previousProducerId, nextProducerId, producerEpoch,
                lastProducerEpoch, timeoutMs, next, partitions, groups, startTimestampMs, nowMs);
    }

    /**
     * EndTxn of transaction version 2: PrepareCommit or PrepareAbort with the epoch bumped, so that the markers fence
     * every write of the transaction that arrives late. An abort may also end no transaction at all (from Empty or
     * Complete*: the client aborts after an error, before anything was added), which only bumps the epoch.
     *
     * @param newProducerId the producer id to go on with when this epoch is the last one ({@link #epochExhausted()}),
     *                      else -1
     */
    TransactionMetadata preparingWithBump(boolean commit, long newProducerId, long nowMs) {
        TransactionState next = commit ? TransactionState.PREPARE_COMMIT : TransactionState.PREPARE_ABORT;
        requireFrom(next);
        if (commit && state != TransactionState.ONGOING) {
            throw new IllegalStateException("transactional id '" + transactionalId + "' has no transaction to commit");
        }
        if (producerEpoch == Short.MAX_VALUE || (epochExhausted() != (newProducerId != NO_PRODUCER_ID))) {
            throw new IllegalStateException("transactional id '" + transactionalId + "' at epoch " + producerEpoch
                    + " cannot be bumped with next producer id " + newProducerId);
        }
        boolean open = state == TransactionState.ONGOING;
        return new TransactionMetadata(transactionalId, producerId, previousProducerId, newProducerId,
                (short) (producerEpoch + 1), producerEpoch, timeoutMs, next, open ? partitions : Set.of(),
                open ? groups : Set.of(), open ? startTimestampMs : nowMs, nowMs);
    }

    /**
     * Every marker written and every group completed: CompleteCommit or CompleteAbort, touching nothing; on the next
     * producer id at epoch 0 if the end ran the epoch out.
     */
    TransactionMetadata completed(long nowMs) {
        TransactionState next = state == TransactionState.PREPARE_COMMIT
                ? TransactionState.COMPLETE_COMMIT : TransactionState.COMPLETE_ABORT;
        requireFrom(next);
        if (nextProducerId != NO_PRODUCER_ID) {
            return new TransactionMetadata(transactionalId, nextProducerId, producerId, NO_PRODUCER_ID, (short) 0,
                    (short) -1, timeoutMs, next, Set.of(), Set.of(), -1L, nowMs);
        }
        return new TransactionMetadata(transactionalId, producerId, previousProducerId, NO_PRODUCER_ID, producerEpoch,
                lastProducerEpoch, timeoutMs, next, Set.of(), Set.of(), -1L, nowMs);
    }

    /** The producer id and epoch the producer goes on with once this decided transaction completes. */
    long producerIdAfterCompletion() {
        return nextProducerId != NO_PRODUCER_ID ? nextProducerId : producerId;
    }

    /** See {@link #producerIdAfterCompletion()}. */
    short producerEpochAfterCompletion() {
        return nextProducerId != NO_PRODUCER_ID ? 0 : producerEpoch;
    }

    /** Idle too long: the id is forgotten (stored as a tombstone). */
    TransactionMetadata dead(long nowMs) {
        requireFrom(TransactionState.DEAD);
        return new TransactionMetadata(transactionalId, producerId, previousProducerId, nextProducerId, producerEpoch,
                lastProducerEpoch, timeoutMs, TransactionState.DEAD, Set.of(), Set.of(), -1L, nowMs);
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
