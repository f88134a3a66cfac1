package io.spindle.broker.cluster;

import io.spindle.metadata.MetadataCommand.AllocateProducerIds;
import io.spindle.metadata.MetadataQuorum;
import io.spindle.metadata.ProducerIdBlock;
import io.spindle.txn.ProducerIds;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.LongSupplier;
import org.apache.kafka.common.errors.CoordinatorNotAvailableException;
import org.apache.kafka.common.errors.InterruptException;

/**
 * Producer ids of a broker in a cluster: blocks of {@link ProducerIdBlock#SIZE} handed to this broker by the quorum
 * ({@code AllocateProducerIds}), so no two brokers ever hand out the same id. A block not used up when the broker
 * stops is lost, as a single broker loses the rest of its reserved block. Thread-safe; {@link #allocate} waits for the
 * quorum once per block, so call it off the event loops.
 */
final class QuorumProducerIds implements ProducerIds {
    private final MetadataQuorum quorum;
    private final int nodeId;
    private final LongSupplier brokerEpoch;
    private final long timeoutMs;
    private long next;
    private long end;

    QuorumProducerIds(MetadataQuorum quorum, int nodeId, LongSupplier brokerEpoch, long timeoutMs) {
        this.quorum = quorum;
        this.nodeId = nodeId;
        this.brokerEpoch = brokerEpoch;
        this.timeoutMs = timeoutMs;
    }

    @Override
    public synchronized long allocate() {
        if (next >= end) {
            long epoch = brokerEpoch.getAsLong();
            if (epoch < 0) {
                throw new CoordinatorNotAvailableException("Broker " + nodeId + " has not joined the cluster yet; "
                        + "producer ids come from the metadata quorum");
            }
            try {
                long first = quorum.submit(new AllocateProducerIds(nodeId, epoch)).get(timeoutMs, TimeUnit.MILLISECONDS)
                        .value();
                next = first;
                end = first + ProducerIdBlock.SIZE;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptException(e);
            } catch (ExecutionException e) {
                throw MetadataErrors.toKafka(e);
            } catch (TimeoutException e) {
                throw new CoordinatorNotAvailableException("The metadata quorum handed no producer ids to broker "
                        + nodeId + " within " + timeoutMs + " ms");
            }
        }
        return next++;
    }
}
