package io.spindle.share;

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * The share coordinator as a share-partition leader on another broker reaches it (KIP-932's persister): the stored
 * state of a share-partition is read when a broker starts leading its topic partition, and every change is written
 * there before a client hears of it. The share coordinator is the leader of {@value ShareCoordinator#STATE_TOPIC}
 * partition 0; on that broker the {@link ShareCoordinator} reads and writes its own state log instead.
 *
 * <p>Each call names the leader epoch of the topic partition its caller leads at, so that a broker that lost the
 * leadership and does not know it yet cannot overwrite what the new leader wrote: the coordinator refuses a call
 * whose epoch is below one it has seen for that share-partition (FENCED_LEADER_EPOCH).
 *
 * <p>Writes of one share-partition complete in the order they were made; a failed one may be followed by a later one
 * that succeeds (every write carries the share-partition's whole state, so the later one covers it).
 */
public interface ShareStatePersister {
    /** The stored state, and the state epoch it was read at. */
    record ReadResult(Optional<ShareStateRecords.Snapshot> snapshot, int stateEpoch) {
    }

    /** The stored state of the share-partition (empty when the group has none there); fails when none can be read. */
    CompletableFuture<ReadResult> read(ShareStateRecords.Key key, int leaderEpoch);

    /**
     * Writes the share-partition's whole state; completes when it is durable at the coordinator. Fails with
     * {@link org.apache.kafka.common.errors.FencedStateEpochException} when the state was reset or deleted there since
     * {@code stateEpoch} was read (the caller reads it again).
     */
    CompletableFuture<Void> write(ShareStateRecords.Key key, int leaderEpoch, int stateEpoch,
                                  ShareStateRecords.Snapshot snapshot);

    /**
     * The configs share group {@code group} set (IncrementalAlterConfigs on its GROUP resource), which the coordinator
     * keeps: a partition leader elsewhere applies them to the group's share-partitions there. Empty when none.
     */
    CompletableFuture<Map<String, String>> groupConfigs(String group);

    /** A broker with no other: every call fails (a single broker coordinates itself and never calls this). */
    ShareStatePersister NONE = new ShareStatePersister() {
        @Override
        public CompletableFuture<ReadResult> read(ShareStateRecords.Key key, int leaderEpoch) {
            return CompletableFuture.failedFuture(new IllegalStateException("no share coordinator to read "
                    + key + " from"));
        }

        @Override
        public CompletableFuture<Void> write(ShareStateRecords.Key key, int leaderEpoch, int stateEpoch,
                                             ShareStateRecords.Snapshot snapshot) {
            return CompletableFuture.failedFuture(new IllegalStateException("no share coordinator to write "
                    + key + " to"));
        }

        @Override
        public CompletableFuture<Map<String, String>> groupConfigs(String group) {
            return CompletableFuture.failedFuture(new IllegalStateException("no share coordinator to read the "
                    + "configs of share group '" + group + "' from"));
        }
    };
}
