package io.spindle.broker.data;

import io.spindle.broker.partition.Acks;
import io.spindle.broker.partition.Partition;
import io.spindle.broker.partition.Partitions;
import io.spindle.txn.TransactionMarkers;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.TopicPartition;

/**
 * The transaction coordinator's markers, written into this broker's partitions: what Kafka's WriteTxnMarkers does
 * between brokers. Each marker is appended on its partition's writer thread, like a produce, and counts as written
 * once acks=all would acknowledge it.
 */
final class PartitionMarkers implements TransactionMarkers {
    private final Partitions partitions;
    private final PartitionWriters writers;
    private final Clock clock;

    PartitionMarkers(Partitions partitions, PartitionWriters writers, Clock clock) {
        this.partitions = partitions;
        this.writers = writers;
        this.clock = clock;
    }

    @Override
    public CompletableFuture<Void> write(long producerId, short producerEpoch, boolean commit,
                                         Collection<TopicPartition> targets) {
        List<CompletableFuture<?>> written = new ArrayList<>(targets.size());
        for (TopicPartition target : targets) {
            Optional<Partition> partition = partitions.get(target.topic(), target.partition());
            if (partition.isEmpty()) {
                continue;   // deleted since it joined the transaction: nothing there to decide
            }
            Partition p = partition.get();
            written.add(writers.run(p, () -> p.appendMarker(producerId, producerEpoch, commit, clock.millis()))
                    .thenCompose(result -> p.acknowledgement(result, Acks.ALL)));
        }
        return CompletableFuture.allOf(written.toArray(new CompletableFuture<?>[0]));
    }
}
