package io.spindle.broker.partition;

import io.spindle.log.LogIOException;
import io.spindle.log.LogManager;
import io.spindle.log.PartitionLog;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;
import org.apache.kafka.common.TopicPartition;

/**
 * Every partition this broker holds, one {@link Partition} per partition log: created when the log manager opens
 * a log, dropped when it deletes one. Listeners added here hear every partition, present and future.
 *
 * <p>Thread-safe.
 */
public final class Partitions {
    private final int nodeId;
    private final ConcurrentHashMap<TopicPartition, Partition> byId = new ConcurrentHashMap<>();
    private final List<PartitionListener> listeners = new CopyOnWriteArrayList<>();
    private final PartitionListener fanOut = new FanOut();
    private volatile Predicate<String> awaitsLeadership = topic -> false;

    /** Holds a partition for every log {@code logs} has open now or opens later; this node leads each. */
    public Partitions(LogManager logs, int nodeId) {
        this.nodeId = nodeId;
        logs.addLifecycleListener(new LogManager.LifecycleListener() {
            @Override
            public void opened(PartitionLog log) {
                // At the log's latest leader epoch: a broker of a cluster may have led it at a later epoch than 0
                // before it restarted; the metadata image moves it on from there (Partition#lead).
                int epoch = Math.max(0, log.leaderEpochs().latestEpoch().orElse(0));
                int self = Partitions.this.nodeId;
                Replicas local = Replicas.local(self).atEpoch(epoch);
                Partition partition = awaitsLeadership.test(log.topic())
                        ? new Partition(log, new Replicas(Replicas.NO_LEADER, epoch, local.replicas(), local.isr()), self)
                        : new Partition(log, local, self);
                partition.addListener(fanOut);
                byId.put(partition.topicPartition(), partition);
            }

            @Override
            public void deleted(PartitionLog log) {
                Partition gone = byId.remove(new TopicPartition(log.topic(), log.partition()));
                if (gone != null) {
                    gone.removeListener(fanOut);
                }
            }
        });
    }

    /**
     * From now on, partitions of the topics {@code awaits} accepts are opened without a leader, until the cluster's
     * metadata makes them lead or follow ({@link Partition#lead}, {@link Partition#follow}): a broker of a cluster
     * must not take produces for a partition another broker may lead now. Call before the logs are attached.
     */
    public void awaitLeadership(Predicate<String> awaits) {
        this.awaitsLeadership = awaits;
        for (Partition held : byId.values()) {
            if (awaits.test(held.topic()) && held.isLeader()) {
                Replicas replicas = held.replicas();
                // Logs found at start were opened before this was known: they wait for the image too.
                held.follow(new Replicas(Replicas.NO_LEADER, replicas.leaderEpoch(), replicas.replicas(),
                        replicas.isr()));
            }
        }
    }

    /** The partition, empty if this broker holds no such partition. */
    public Optional<Partition> get(String topic, int partition) {
        return topic == null ? Optional.empty() : Optional.ofNullable(byId.get(new TopicPartition(topic, partition)));
    }

    public Collection<Partition> all() {
        return List.copyOf(byId.values());
    }

    /** The partitions whose storage failed, by topic and partition. */
    public List<Partition> offline() {
        List<Partition> offline = new ArrayList<>();
        for (Partition partition : byId.values()) {
            if (partition.isOffline()) {
                offline.add(partition);
            }
        }
        offline.sort(Comparator.comparing(Partition::topic).thenComparingInt(Partition::index));
        return offline;
    }

    /** Hears the events of every partition, present and future. */
    public void addListener(PartitionListener listener) {
        listeners.add(listener);
    }

    private final class FanOut implements PartitionListener {
        @Override
        public void highWatermarkAdvanced(Partition partition, long highWatermark) {
            for (PartitionListener listener : listeners) {
                listener.highWatermarkAdvanced(partition, highWatermark);
            }
        }

        @Override
        public void durable(Partition partition, long durableOffset) {
            for (PartitionListener listener : listeners) {
                listener.durable(partition, durableOffset);
            }
        }

        @Override
        public void truncated(Partition partition, long logEndOffset) {
            for (PartitionListener listener : listeners) {
                listener.truncated(partition, logEndOffset);
            }
        }

        @Override
        public void offline(Partition partition, LogIOException cause) {
            for (PartitionListener listener : listeners) {
                listener.offline(partition, cause);
            }
        }
    }
}
