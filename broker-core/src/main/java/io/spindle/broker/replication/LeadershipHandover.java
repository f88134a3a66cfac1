package io.spindle.broker.replication;

import io.spindle.broker.partition.Partition;
import io.spindle.metadata.MetadataImage;
import io.spindle.metadata.PartitionImage;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Controlled shutdown of the partitions a stopping broker leads: each stops taking produce ({@link Partition#resign},
 * so producers retry and see no error), and once its high watermark has reached its log end — every in-sync follower
 * holds every record it took, acks=1 ones included, forced to disk in {@code flush.mode=fsync} — its leadership is
 * moved through the metadata quorum to an in-sync, unfenced follower (the first in replica order), with this broker
 * out of the ISR. A partition with no other in-sync replica is left alone: fencing the broker leaves it leaderless
 * until this broker is back, as before.
 *
 * <p>It waits until this broker's image applier has made each partition a follower (so its Metadata answers name the
 * new leader), bounded by a timeout: what is still led then is moved by the fencing that follows, as for a killed
 * broker. Runs on the stopping thread; the ISR thread may propose a change of the same partition meanwhile, and the
 * quorum refuses whichever names a stale partition epoch (this class proposes again from the newer image).
 */
final class LeadershipHandover {
    private static final Logger log = LoggerFactory.getLogger(LeadershipHandover.class);
    private static final long POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(2);

    private final int nodeId;
    private final Supplier<Map<TopicPartition, Replication.Led>> led;
    private final Supplier<MetadataImage> image;
    private final Replication.IsrChanges changes;

    LeadershipHandover(int nodeId, Supplier<Map<TopicPartition, Replication.Led>> led, Supplier<MetadataImage> image,
                       Replication.IsrChanges changes) {
        this.nodeId = nodeId;
        this.led = led;
        this.image = image;
        this.changes = changes;
    }

    /** What a handover did: the partitions it moved, and those still led here (left to the fencing). */
    record Outcome(List<TopicPartition> moved, List<TopicPartition> left) {
    }

    /** Hands over what this broker leads, waiting at most {@code timeoutMs}. */
    Outcome run(long timeoutMs) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        Map<TopicPartition, Replication.Led> leading = new HashMap<>(led.get());
        leading.values().forEach(each -> each.partition().resign());
        /* the partition epoch each proposal named, so that one is in flight per epoch */
        Map<TopicPartition, Integer> proposed = new HashMap<>();
        List<TopicPartition> left = new ArrayList<>();
        List<TopicPartition> moved = new ArrayList<>();
        while (!leading.isEmpty()) {
            for (TopicPartition id : List.copyOf(leading.keySet())) {
                Replication.Led current = led.get().get(id);
                if (current == null || !current.partition().isLeader()) {
                    leading.remove(id);       // the image applied here moved it
                    moved.add(id);
                    continue;
                }
                Integer target = proposeIfReady(current, proposed);
                if (target == null) {
                    leading.remove(id);
                    left.add(id);
                }
            }
            if (leading.isEmpty()) {
                break;
            }
            if (System.nanoTime() - deadline > 0) {
                left.addAll(leading.keySet());
                break;
            }
            LockSupport.parkNanos(POLL_NANOS);
        }
        return new Outcome(moved, left);
    }

    /**
     * Proposes the move of {@code current} when a follower is ready for it; returns the follower (or -1 while waiting
     * for one), null when none can ever take it.
     */
    private Integer proposeIfReady(Replication.Led current, Map<TopicPartition, Integer> proposed) {
        Partition partition = current.partition();
        PartitionImage wanted = current.image();
        TopicPartition id = partition.topicPartition();
        MetadataImage view = image.get();
        List<Integer> followers = new ArrayList<>();
        for (int replica : wanted.isr()) {
            if (replica != nodeId && view.broker(replica).map(b -> !b.fenced()).orElse(false)) {
                followers.add(replica);
            }
        }
        if (followers.isEmpty()) {
            log.info("Broker {}: no other in-sync replica of {} to hand it to ({}); it is left to the fencing",
                    nodeId, id, wanted);
            return null;
        }
        long logEnd = partition.logEndOffset();
        if (partition.highWatermark() < logEnd) {
            return -1;      // an in-sync follower has not fetched (and forced) everything yet
        }
        Integer inFlight = proposed.get(id);
        if (inFlight != null && inFlight == wanted.partitionEpoch()) {
            return -1;
        }
        int target = followers.get(0);
        for (int replica : wanted.replicas()) {       // the preferred order
            if (followers.contains(replica)) {
                target = replica;
                break;
            }
        }
        List<Integer> isr = new ArrayList<>(wanted.isr());
        isr.remove(Integer.valueOf(nodeId));
        proposed.put(id, wanted.partitionEpoch());
        log.info("Broker {} is stopping: hands {} over to broker {} at log end {} (ISR {} from {})", nodeId, id, target,
                logEnd, isr, wanted.isr());
        int target0 = target;
        changes.change(current.topicId(), id.partition(), wanted.partitionEpoch(), target, isr)
                .whenComplete((done, failure) -> {
                    if (failure != null) {
                        log.info("Broker {}: handing {} to broker {} was refused ({}); trying again from the next image",
                                nodeId, id, target0, failure.toString());
                    }
                });
        return target;
    }
}
