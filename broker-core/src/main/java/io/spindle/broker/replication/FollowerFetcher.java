package io.spindle.broker.replication;

import io.spindle.broker.cluster.BrokerConnection;
import io.spindle.broker.cluster.ClusterBroker;
import io.spindle.broker.partition.Partition;
import io.spindle.log.AppendResult;
import io.spindle.log.LeaderEpochCache;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.function.IntFunction;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.FetchRequestData.FetchPartition;
import org.apache.kafka.common.message.FetchRequestData.FetchTopic;
import org.apache.kafka.common.message.FetchResponseData.FetchableTopicResponse;
import org.apache.kafka.common.message.FetchResponseData.PartitionData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.requests.FetchRequest;
import org.apache.kafka.common.requests.FetchResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Copies the partitions one leader leads to this broker, on one thread ({@code spindle-follower-<leader>}) over one
 * connection ({@link BrokerConnection}): Kafka Fetch requests (version 12, with this broker's id as replica id, each
 * partition's current leader epoch and the epoch of the last batch held here) from each partition's log end.
 *
 * <ul>
 *   <li>Records are appended as the leader has them ({@link Partition#appendReplicated}): offsets, epochs, bytes.</li>
 *   <li>Before the next fetch, every append of the answer is durable under the flush policy — in flush.mode=fsync,
 *       forced — so the offset the next fetch names is one the leader may count for acks=all.</li>
 *   <li>An answer with a diverging epoch (this log holds batches the leader does not) truncates the log to the end of
 *       that epoch as both logs know it ({@link #truncationOffset}), and the next fetch starts there.</li>
 *   <li>A partition error (the leader does not lead it yet, another epoch) holds that partition back for a short while;
 *       the metadata image moves it to another fetcher when its leader changes ({@link #remove}, {@link #assign}).</li>
 * </ul>
 *
 * <p>Thread-safe: {@link #assign} and {@link #remove} from the image's thread, the rest on the fetcher's own.
 */
final class FollowerFetcher implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(FollowerFetcher.class);
    static final short FETCH_VERSION = 12;
    private static final int MAX_WAIT_MS = 500;
    private static final int PARTITION_MAX_BYTES = 1024 * 1024;
    private static final int RESPONSE_MAX_BYTES = 16 * 1024 * 1024;
    private static final long BACKOFF_MS = 100;
    private static final BrokerConnection.Settings CONNECTION = new BrokerConnection.Settings(2_000, MAX_WAIT_MS + 30_000,
            RESPONSE_MAX_BYTES + 1024 * 1024, BACKOFF_MS, 1_000);

    /** A partition followed at {@code leaderEpoch}; {@code heldUntilMs} after an error. */
    private record Followed(Partition partition, int leaderEpoch, long heldUntilMs) {
    }

    private final int nodeId;
    private final int leaderId;
    private final BrokerConnection leader;
    private final Map<TopicPartition, Followed> partitions = new ConcurrentHashMap<>();
    private final Object wakeUp = new Object();
    private final Thread thread;
    private volatile boolean running = true;

    /** {@code brokers} gives a broker by id, with its Kafka address (empty when not known). */
    FollowerFetcher(int nodeId, int leaderId, IntFunction<Optional<ClusterBroker>> brokers) {
        this.nodeId = nodeId;
        this.leaderId = leaderId;
        this.leader = new BrokerConnection("leader", "spindle-follower-" + nodeId, () -> brokers.apply(leaderId),
                CONNECTION);
        this.thread = new Thread(this::run, "spindle-follower-" + leaderId);
        thread.setDaemon(true);
        thread.start();
    }

    /** Fetches {@code partition} from this leader at {@code leaderEpoch} from now on. */
    void assign(Partition partition, int leaderEpoch) {
        Followed before = partitions.get(partition.topicPartition());
        if (before != null && before.leaderEpoch() == leaderEpoch && before.partition() == partition) {
            return;
        }
        partitions.put(partition.topicPartition(), new Followed(partition, leaderEpoch, 0));
        synchronized (wakeUp) {
            wakeUp.notifyAll();
        }
    }

    void remove(TopicPartition partition) {
        partitions.remove(partition);
    }

    boolean follows(TopicPartition partition) {
        return partitions.containsKey(partition);
    }

    private void run() {
        while (running) {
            try {
                Map<TopicPartition, Followed> due = due(System.currentTimeMillis());
                if (due.isEmpty()) {
                    pause(BACKOFF_MS);
                    continue;
                }
                fetch(due);
            } catch (IOException e) {
                if (running) {
                    // The connection backs off before it connects again.
                    log.debug("Broker {}: fetching from leader {} failed ({}); connecting again", nodeId, leaderId,
                            e.toString());
                }
            } catch (UncheckedIOException e) {
                log.debug("Broker {}: fetching from leader {} failed ({})", nodeId, leaderId, e.toString());
                pause(BACKOFF_MS);
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                log.warn("Broker {}: fetching from leader {} failed", nodeId, leaderId, e);
                leader.disconnect();
                pause(BACKOFF_MS);
            }
        }
    }

    private Map<TopicPartition, Followed> due(long nowMs) {
        Map<TopicPartition, Followed> due = new LinkedHashMap<>();
        partitions.forEach((id, followed) -> {
            if (followed.heldUntilMs() <= nowMs && !followed.partition().isLeader() && !followed.partition().isOffline()) {
                due.put(id, followed);
            }
        });
        return due;
    }

    private void pause(long ms) {
        synchronized (wakeUp) {
            try {
                wakeUp.wait(ms);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                running = false;
            }
        }
    }

    private void fetch(Map<TopicPartition, Followed> due) throws IOException, InterruptedException {
        Map<String, FetchTopic> topics = new LinkedHashMap<>();
        for (Followed followed : due.values()) {
            Partition partition = followed.partition();
            long logEnd = partition.logEndOffset();
            int lastEpoch = logEnd > partition.logStartOffset() ? partition.epochForOffset(logEnd - 1)
                    : LeaderEpochCache.UNDEFINED_EPOCH;
            topics.computeIfAbsent(partition.topic(), name -> new FetchTopic().setTopic(name)).partitions()
                    .add(new FetchPartition().setPartition(partition.index()).setCurrentLeaderEpoch(followed.leaderEpoch())
                            .setFetchOffset(logEnd).setLastFetchedEpoch(lastEpoch)
                            .setLogStartOffset(partition.logStartOffset()).setPartitionMaxBytes(PARTITION_MAX_BYTES));
        }
        FetchRequestData data = new FetchRequestData().setReplicaId(nodeId).setMaxWaitMs(MAX_WAIT_MS).setMinBytes(1)
                .setMaxBytes(RESPONSE_MAX_BYTES).setIsolationLevel((byte) 0).setSessionId(0).setSessionEpoch(-1)
                .setTopics(new ArrayList<>(topics.values()));
        FetchResponse response = leader.send(new FetchRequest(data, FETCH_VERSION));
        if (response.error() != Errors.NONE) {
            log.debug("Broker {}: leader {} answered the fetch with {}", nodeId, leaderId, response.error());
            due.forEach(this::hold);
            return;
        }
        List<CompletableFuture<Void>> durable = new ArrayList<>();
        List<Runnable> afterDurable = new ArrayList<>();
        for (FetchableTopicResponse topic : response.data().responses()) {
            for (PartitionData answer : topic.partitions()) {
                TopicPartition id = new TopicPartition(topic.topic(), answer.partitionIndex());
                Followed followed = due.get(id);
                if (followed != null && partitions.get(id) == followed) {
                    apply(id, followed, answer, durable, afterDurable);
                }
            }
        }
        try {
            // In flush.mode=fsync, forced before the next fetch tells the leader this broker holds them.
            CompletableFuture.allOf(durable.toArray(new CompletableFuture<?>[0])).get();
        } catch (ExecutionException e) {
            log.warn("Broker {}: a replicated append from leader {} could not be forced: {}", nodeId, leaderId,
                    e.getCause().toString());
            return;
        }
        afterDurable.forEach(Runnable::run);
    }

    private void apply(TopicPartition id, Followed followed, PartitionData answer, List<CompletableFuture<Void>> durable,
                       List<Runnable> afterDurable) {
        Partition partition = followed.partition();
        Errors error = Errors.forCode(answer.errorCode());
        if (error == Errors.OFFSET_OUT_OF_RANGE && answer.logStartOffset() >= 0) {
            outOfRange(id, followed, answer.logStartOffset(), answer.highWatermark());
            return;
        }
        if (error != Errors.NONE) {
            log.debug("Broker {}: leader {} answered the fetch of {} with {}", nodeId, leaderId, id, error);
            hold(id, followed);
            return;
        }
        try {
            if (answer.divergingEpoch().epoch() >= 0) {
                long to = truncationOffset(partition, answer.divergingEpoch().epoch(), answer.divergingEpoch().endOffset());
                long before = partition.logEndOffset();
                if (to < before) {
                    partition.truncateTo(to);
                    log.info("Broker {}: truncated {} from offset {} to {}: its log diverged from leader {}'s at epoch"
                            + " {}", nodeId, id, before, partition.logEndOffset(), leaderId,
                            answer.divergingEpoch().epoch());
                }
                return;
            }
            MemoryRecords records = (MemoryRecords) answer.records();
            if (records != null && records.sizeInBytes() > 0) {
                AppendResult appended = partition.appendReplicated(records.buffer());
                durable.add(appended.durable());
            }
            long highWatermark = answer.highWatermark();
            afterDurable.add(() -> partition.leaderHighWatermark(highWatermark));
        } catch (RuntimeException e) {
            if (partition.isLeader()) {
                return;     // it leads since the fetch went out: what the leader sent is not for it any more
            }
            log.warn("Broker {}: could not take the records of {} from leader {}: {}", nodeId, id, leaderId,
                    e.toString());
            hold(id, followed);
        }
    }

    /**
     * The leader answered OFFSET_OUT_OF_RANGE with its log start and high watermark, as Kafka's followers handle it:
     * below the leader's log start (retention or DeleteRecords removed there what this replica still lacks), this log
     * is emptied and starts again at the leader's log start; past the leader's high watermark, it is cut back to it
     * and fetches again from there.
     */
    private void outOfRange(TopicPartition id, Followed followed, long leaderStart, long leaderHighWatermark) {
        Partition partition = followed.partition();
        long fetchOffset = partition.logEndOffset();
        try {
            if (fetchOffset < leaderStart) {
                partition.truncateFullyAndStartAt(leaderStart);
                log.info("Broker {}: {} fetched at offset {}, below leader {}'s log start {}: emptied it to start "
                        + "again there", nodeId, id, fetchOffset, leaderId, leaderStart);
            } else if (leaderHighWatermark >= partition.logStartOffset() && fetchOffset > leaderHighWatermark) {
                partition.truncateTo(leaderHighWatermark);
                log.info("Broker {}: {} fetched at offset {}, past leader {}'s high watermark {}: truncated to it",
                        nodeId, id, fetchOffset, leaderId, leaderHighWatermark);
            } else {
                log.warn("Broker {}: leader {} answered the fetch of {} at offset {} with OFFSET_OUT_OF_RANGE (its log "
                        + "starts at {}, high watermark {}); trying again", nodeId, leaderId, id, fetchOffset,
                        leaderStart, leaderHighWatermark);
                hold(id, followed);
            }
        } catch (RuntimeException e) {
            log.warn("Broker {}: could not bring {} into leader {}'s log range: {}", nodeId, id, leaderId, e.toString());
            hold(id, followed);
        }
    }

    /**
     * Where a follower cuts its log when the leader says its log ends epoch {@code epoch} at {@code leaderEnd}: the
     * end of that epoch here when both know it (the lower of the two ends), else the end of the largest epoch below
     * it here; the log start when this log knows no epoch at or below it. The next fetch checks again from there.
     */
    static long truncationOffset(Partition partition, int epoch, long leaderEnd) {
        LeaderEpochCache.EpochEndOffset local = partition.endOffsetForEpoch(epoch);
        if (local.isUndefined()) {
            return partition.logStartOffset();
        }
        long end = local.epoch() == epoch ? Math.min(local.endOffset(), leaderEnd) : local.endOffset();
        return Math.max(partition.logStartOffset(), Math.min(end, partition.logEndOffset()));
    }

    private void hold(TopicPartition id, Followed followed) {
        partitions.replace(id, followed, new Followed(followed.partition(), followed.leaderEpoch(),
                System.currentTimeMillis() + BACKOFF_MS));
    }

    @Override
    public void close() {
        running = false;
        // No interrupt: an interrupted thread's file channel closes, which would take a partition log offline.
        synchronized (wakeUp) {
            wakeUp.notifyAll();
        }
        leader.close();     // wakes a fetch in flight
        try {
            thread.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public String toString() {
        return "FollowerFetcher[" + nodeId + " <- " + leaderId + ", " + Objects.toString(partitions.keySet()) + "]";
    }
}
