package io.spindle.groups;

import io.spindle.config.ConsumerGroupConfig;
import io.spindle.config.GroupSettings;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;

/** What a group's state machine asks of its coordinator. Called on the coordinator thread only. */
interface GroupContext {
    long nowMs();

    GroupSettings settings();

    /** The timings of KIP-848 group {@code groupId}: its consumer.* group configs on top of the broker's. */
    ConsumerGroupConfig consumerConfig(String groupId);

    GroupTopics topics();

    /** Runs {@code task} on the coordinator thread after {@code delayMs}. */
    ScheduledFuture<?> schedule(long delayMs, Runnable task);

    /** Runs {@code task} on the coordinator thread once {@code future} completes (either way). */
    void onCoordinatorThread(CompletableFuture<?> future, Runnable task);

    /** Writes the group's current metadata to the offsets log; completes when durable. */
    CompletableFuture<Void> persist(ClassicGroup group);

    /** Writes the group's state to the offsets log if it differs from what was last written. */
    void persistIfChanged(ConsumerGroup group);
}
