package io.spindle.broker.meta;

import io.spindle.broker.partition.Acks;
import io.spindle.broker.partition.Partition;
import io.spindle.broker.partition.PartitionOfflineException;
import io.spindle.broker.partition.Partitions;
import io.spindle.log.KeyedStateLog;
import io.spindle.config.CleanupPolicy;
import io.spindle.config.TopicConfig;
import io.spindle.log.PartitionLog;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.errors.NotLeaderOrFollowerException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The internal topics where coordinators keep their state ({@code __consumer_offsets}, {@code __share_group_state},
 * {@code __transaction_state}): one partition, {@code cleanup.policy=compact}, no time or size retention. The
 * coordinators never trim them (log-storage's {@code KeyedStateLog}): compaction alone bounds them, so a topic that
 * was altered to another policy is set back to compact at start, since time or size retention would delete state.
 */
public final class InternalTopics {
    private static final Logger LOG = LoggerFactory.getLogger(InternalTopics.class);

    private InternalTopics() {
    }

    /**
     * The partition-0 log of the internal state topic {@code name}, the topic created first if it does not exist
     * (with {@code segmentBytes} segments), or set back to compact if it was altered.
     *
     * @param holds what the topic holds, for the log lines ("group state", ...)
     */
    public static PartitionLog stateLog(TopicRegistry topics, Partitions partitions, String name, int segmentBytes,
                                        String holds) {
        return statePartition(topics, partitions, name, segmentBytes, holds).log();
    }

    /** As {@link #stateLog}, the partition itself (its leadership and replicas decide how its writes are acknowledged). */
    public static Partition statePartition(TopicRegistry topics, Partitions partitions, String name, int segmentBytes,
                                           String holds) {
        if (topics.topic(name).isEmpty()) {
            Map<String, String> overrides = new HashMap<>();
            overrides.put(TopicConfig.CLEANUP_POLICY, CleanupPolicy.COMPACT.configName());
            overrides.put(TopicConfig.RETENTION_MS, "-1");
            overrides.put(TopicConfig.RETENTION_BYTES, "-1");
            overrides.put(TopicConfig.SEGMENT_BYTES, Integer.toString(segmentBytes));
            topics.create(name, 1, overrides);
            LOG.info("Created the internal topic {} for {}", name, holds);
        } else if (topics.configFor(name).cleanupPolicy() != CleanupPolicy.COMPACT) {
            Map<String, String> overrides = new HashMap<>(topics.overrides(name));
            String was = topics.configFor(name).cleanupPolicy().configName();
            overrides.put(TopicConfig.CLEANUP_POLICY, CleanupPolicy.COMPACT.configName());
            topics.replaceOverrides(name, overrides, false);
            LOG.warn("The internal topic {} had cleanup.policy={}; set it to compact, which keeps all the {}",
                    name, was, holds);
        }
        return partitions.get(name, 0).orElseThrow(() -> new IllegalStateException(
                "the internal topic " + name + " has no partition 0 log under the data directory"));
    }

    /**
     * How a coordinator's writes to {@code state} are acknowledged. With one replica (a single broker, or a cluster
     * whose internal topic has one) as before: once the log counts them durable. With several, as an acks=all produce
     * ({@link Partition#acknowledgement}): once every in-sync replica holds them (forced, in flush.mode=fsync) and at
     * least min.insync.replicas are in sync, so a commit acknowledged to a client survives the loss of the leader. A
     * write on a broker that no longer leads, or whose partition is offline, fails (the client retries at the new
     * coordinator).
     */
    public static KeyedStateLog.Writer writer(Partition state) {
        KeyedStateLog.Writer local = KeyedStateLog.durableWriter(state.log());
        return batches -> {
            if (!state.isLeader()) {
                // A cluster's coordinator that is not (or no longer) the leader: its write would fork the log.
                return CompletableFuture.failedFuture(new NotLeaderOrFollowerException("This broker does not lead "
                        + state.topicPartition() + " (" + state.replicas() + "): its coordinator writes nothing"));
            }
            if (state.replicas().replicas().size() <= 1) {
                return local.write(batches);
            }
            try {
                return state.acknowledgement(state.append(batches), Acks.ALL).thenApply(appended -> null);
            } catch (NotLeaderOrFollowerException | PartitionOfflineException e) {
                return CompletableFuture.failedFuture(e);
            }
        };
    }
}
