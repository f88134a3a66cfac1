package io.spindle.groups;

import io.spindle.log.KeyedStateLog;
import io.spindle.log.LogStorageException;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * What the offset stores ({@link CommittedOffsets}, {@link PendingTransactionalOffsets}) ask of their coordinator:
 * its groups, its offsets log and its clock. Called on the coordinator thread only.
 */
interface OffsetsHost {
    /** The group of that id, or null. */
    Group group(String groupId);

    /** The group of that id; when there is none, a new classic group that only holds offsets. */
    Group groupForOffsets(String groupId);

    /**
     * Appends {@code entries} to the offsets log in one batch; the future completes when they are durable.
     *
     * @throws LogStorageException when the append fails at once
     */
    CompletableFuture<Void> append(List<KeyedStateLog.Entry> entries);

    /**
     * Appends {@code entries} (none: nothing is written) and completes with {@code result} once they are durable; when
     * the append fails, at once or later, it is logged and {@code onFailure} runs first.
     */
    <T> CompletableFuture<T> appendThen(List<KeyedStateLog.Entry> entries, T result, Runnable onFailure);

    long nowMs();

    /** Runs {@code task} on the coordinator thread once {@code future} completes (however it completes). */
    void onCoordinatorThread(CompletableFuture<?> future, Runnable task);
}
