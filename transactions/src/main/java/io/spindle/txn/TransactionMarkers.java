package io.spindle.txn;

import java.util.Collection;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.TopicPartition;

/**
 * Writes transaction markers: what Kafka's WriteTxnMarkers request does between brokers, here a call into the
 * broker's partitions.
 */
@FunctionalInterface
public interface TransactionMarkers {
    /**
     * Appends a COMMIT ({@code commit}) or ABORT control batch of {@code producerId} at {@code producerEpoch} to each
     * partition, and completes once every marker is as durable as an acks=all produce. A partition that no longer
     * exists (its topic was deleted) is skipped. Completes exceptionally if any marker cannot be written; writing
     * the same markers again is then safe (a partition that already has its marker just gets a second one, which
     * readers ignore).
     */
    CompletableFuture<Void> write(long producerId, short producerEpoch, boolean commit,
                                  Collection<TopicPartition> partitions);
}
