package io.spindle.txn;

import java.util.concurrent.CompletableFuture;

/**
 * The group coordinator's side of a transaction: the offsets a transactional producer committed for a group
 * (TxnOffsetCommit) wait there, and become the group's committed offsets when the transaction commits.
 */
@FunctionalInterface
public interface TransactionalOffsets {
    /**
     * Makes the offsets {@code producerId} committed for {@code groupId} in its transaction the group's committed
     * offsets ({@code commit}), or drops them; completes once that is durable. Completing a transaction that left no
     * offsets in the group does nothing, so a repeat after a restart is safe.
     */
    CompletableFuture<Void> complete(String groupId, long producerId, boolean commit);
}
