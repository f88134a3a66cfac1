package io.spindle.share;

import java.util.concurrent.CompletableFuture;

/**
 * Where the share coordinator copies dead letters: the broker appends each to its dead-letter topic through the normal
 * partition append path (broker-core's {@code PartitionDeadLetterSink}). The coordinator archives a record only once
 * its future completed: the copy must then be as durable as an acks=all produce.
 *
 * <p>Called on the share coordinator's thread; must not block on disk or on other requests (return a future).
 */
public interface DeadLetterSink {
    /**
     * Appends a copy of the record {@code letter} names to {@code letter.deadLetterTopic()}. Completes with true when
     * the copy is durable, with false when nothing will be written (the record is gone from its log, or a Kafka
     * dead-letter queue topic does not qualify: the record is then archived without a copy); fails when it cannot be
     * written now (the coordinator tries again later).
     */
    CompletableFuture<Boolean> write(DeadLetter letter);

    /** A sink that takes nothing: dead letters stay pending until a real sink is attached. */
    DeadLetterSink NONE = letter -> CompletableFuture.failedFuture(
            new IllegalStateException("no dead-letter sink is attached to the share coordinator"));
}
