package io.spindle.broker.data;

import io.spindle.broker.TopicInfo;
import io.spindle.broker.Topics;
import io.spindle.broker.cluster.MetadataAuthority;
import io.spindle.broker.partition.Partition;
import io.spindle.broker.partition.Partitions;
import io.spindle.log.LeaderEpochCache;
import io.spindle.log.LogSlice;
import io.spindle.log.OffsetOutOfRangeException;
import io.spindle.log.AbortedTransaction;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.FetchRequestData.FetchPartition;
import org.apache.kafka.common.message.FetchRequestData.FetchTopic;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.message.FetchResponseData.FetchableTopicResponse;
import org.apache.kafka.common.message.FetchResponseData.PartitionData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.requests.FetchRequest;

/**
 * One Fetch request resolved against the topic registry: which log to read from which offset, within which
 * limits. A waiting fetch reads its plan again each time one of its partitions grows, so reading is repeatable.
 *
 * <p>Limits follow Kafka: {@code partition_max_bytes} per partition and {@code max_bytes} for the response are
 * soft for the first partition that has data (its first batch is returned whole, however large, so a consumer
 * always progresses); a later partition whose first batch does not fit the remaining budget is answered without
 * records this time.
 *
 * <p>What a consumer may read, and the high watermark and last stable offset it is told, are the partition's
 * ({@link Partition#read}); a read_committed fetch stops at the last stable offset and is told the transactions
 * aborted among the records it gets ({@link Partition#abortedTransactions}). A partition whose current_leader_epoch
 * is not the partition's is answered FENCED_LEADER_EPOCH or UNKNOWN_LEADER_EPOCH ({@link Partition#checkLeaderEpoch}).
 * A fetch naming the epoch of the last batch it holds (last_fetched_epoch, v12+, what a follower sends) whose log
 * diverged from this one gets no records but the diverging epoch and its end ({@link Partition#divergingEpoch}).
 * From version 16 a partition answered NOT_LEADER_OR_FOLLOWER or FENCED_LEADER_EPOCH also names its current leader,
 * and the response that leader's endpoint ({@link LeaderHints}, KIP-951).
 *
 * <p>A follower's fetch (a replica id, {@link FetchRequest#isFromFollower}) reads up to the log end rather than the
 * high watermark, and first tells the partition the offset it fetched at ({@link Partition#followerFetched}): unless
 * its log diverged from this one, it holds every record below it, which may move the high watermark.
 *
 * <p>Immutable; {@link #read()} is thread-safe.
 */
final class FetchPlan {
    private static final short FIRST_VERSION_WITH_TOPIC_IDS = 13;
    private static final short FIRST_VERSION_WITH_LOG_START_OFFSET = 5;

    /** One partition to read; {@code source} is null when {@code error} says why it cannot be read. */
    record PartitionFetch(int partition, long fetchOffset, int maxBytes, int lastFetchedEpoch, Partition source,
                          Errors error) {
    }

    record TopicFetch(String name, Uuid id, List<PartitionFetch> partitions) {
    }

    private final short version;
    private final int minBytes;
    private final int maxBytes;
    private final IsolationLevel isolation;
    private final List<TopicFetch> topics;
    private final List<Partition> partitions;
    /** The follower fetching (its broker id), or -1 for a consumer. */
    private final int replicaId;
    /** Where the leaders of partitions refused here are learnt; null on a broker that knows of no other. */
    private final MetadataAuthority authority;

    private FetchPlan(short version, int minBytes, int maxBytes, IsolationLevel isolation, List<TopicFetch> topics,
                      int replicaId, MetadataAuthority authority) {
        this.version = version;
        this.replicaId = replicaId;
        this.authority = authority;
        this.minBytes = minBytes;
        this.maxBytes = maxBytes;
        this.isolation = isolation;
        this.topics = topics;
        List<Partition> readable = new ArrayList<>();
        for (TopicFetch topic : topics) {
            for (PartitionFetch partition : topic.partitions()) {
                if (partition.source() != null) {
                    readable.add(partition.source());
                }
            }
        }
        this.partitions = List.copyOf(readable);
    }

    /** Resolves the topics of a request (by name, or by id from version 13) to partitions. Reads no data. */
    static FetchPlan resolve(FetchRequest request, short version, Topics registry, Partitions held,
                             MissingPartitions missing) {
        List<TopicFetch> topics = new ArrayList<>();
        for (FetchTopic topic : request.data().topics()) {
            String name = topic.topic();
            Errors topicError = null;
            if (version >= FIRST_VERSION_WITH_TOPIC_IDS) {
                Optional<TopicInfo> info = registry.topic(topic.topicId());
                if (info.isPresent()) {
                    name = info.get().name();
                } else {
                    topicError = Errors.UNKNOWN_TOPIC_ID;
                }
            }
            List<PartitionFetch> partitions = new ArrayList<>(topic.partitions().size());
            for (FetchPartition partition : topic.partitions()) {
                Errors error = topicError;
                Partition source = null;
                if (error == null) {
                    Optional<Partition> found = held.get(name, partition.partition());
                    Errors fenced = found.isPresent() ? found.get().checkLeaderEpoch(partition.currentLeaderEpoch()) : null;
                    if (fenced == Errors.NONE) {
                        source = found.get();
                    } else if (fenced != null) {
                        error = fenced;     // the client's metadata names another leader epoch
                    } else {
                        error = missing.errorFor(name, partition.partition());
                    }
                }
                partitions.add(new PartitionFetch(partition.partition(), partition.fetchOffset(),
                        partition.partitionMaxBytes(), partition.lastFetchedEpoch(), source, error));
            }
            topics.add(new TopicFetch(name, topic.topicId(), partitions));
        }
        int replicaId = request.isFromFollower() ? request.replicaId() : -1;
        return new FetchPlan(version, request.minBytes(), request.maxBytes(), request.isolationLevel(), topics,
                replicaId, missing.authority());
    }

    int minBytes() {
        return minBytes;
    }

    /** True for a follower's fetch (a replica id), whose read reports its progress to the partition. */
    boolean fromFollower() {
        return replicaId >= 0;
    }

    /** The partitions this plan reads (whose new data may satisfy it). */
    List<Partition> partitions() {
        return partitions;
    }

    /** Reads every partition once. The result holds its slices open until closed. */
    FetchRead read() {
        FetchResponseData data = new FetchResponseData();
        List<LogSlice> slices = new ArrayList<>();
        long bytes = 0;
        boolean anyError = false;
        for (TopicFetch topic : topics) {
            FetchableTopicResponse topicResponse = new FetchableTopicResponse();
            if (version >= FIRST_VERSION_WITH_TOPIC_IDS) {
                topicResponse.setTopicId(topic.id());
            } else {
                topicResponse.setTopic(topic.name());
            }
            data.responses().add(topicResponse);
            for (PartitionFetch partition : topic.partitions()) {
                PartitionData partitionData = new PartitionData().setPartitionIndex(partition.partition());
                topicResponse.partitions().add(partitionData);
                if (partition.error() != null) {
                    failed(data, topic.name(), partitionData, partition.error());
                    anyError = true;
                    continue;
                }
                try {
                    // A follower's fetch that did not diverge may move the high watermark: before the read and the
                    // high watermark it answers.
                    Optional<LeaderEpochCache.EpochEndOffset> diverged = replicaId >= 0
                            ? partition.source().followerFetched(replicaId, partition.fetchOffset(),
                                    partition.lastFetchedEpoch(), System.currentTimeMillis())
                            : partition.lastFetchedEpoch() < 0 ? Optional.empty()
                            : partition.source().divergingEpoch(partition.fetchOffset(), partition.lastFetchedEpoch());
                    LogSlice slice = diverged.isPresent() ? LogSlice.EMPTY
                            : readPartition(partition, maxBytes - bytes, bytes == 0);
                    if (!slice.isEmpty()) {
                        slices.add(slice);
                        bytes += slice.sizeInBytes();
                    }
                    // Read after the slice: the high watermark is never below the end of the records returned.
                    Partition source = partition.source();
                    partitionData.setErrorCode(Errors.NONE.code())
                            .setHighWatermark(source.highWatermark())
                            .setLastStableOffset(source.lastStableOffset())
                            .setAbortedTransactions(isolation == IsolationLevel.READ_COMMITTED
                                    ? aborted(source, partition.fetchOffset(), slice) : null)
                            .setRecords(slice.isEmpty() ? MemoryRecords.EMPTY : new LogSliceRecords(slice));
                    if (version >= FIRST_VERSION_WITH_LOG_START_OFFSET) {
                        partitionData.setLogStartOffset(source.logStartOffset());
                    }
                    if (diverged.isPresent()) {
                        // No records: the follower truncates to this first. Answered at once, as an error is.
                        partitionData.divergingEpoch().setEpoch(diverged.get().epoch())
                                .setEndOffset(diverged.get().endOffset());
                        anyError = true;
                    }
                } catch (RuntimeException e) {
                    String name = topic.name() + "-" + partition.partition();
                    failed(data, topic.name(), partitionData,
                            StorageErrors.of(e, "fetch from " + name + " at offset " + partition.fetchOffset()));
                    if (replicaId >= 0 && e instanceof OffsetOutOfRangeException) {
                        // A follower outside this log starts again at its start or cuts back to its high watermark.
                        partitionData.setHighWatermark(partition.source().highWatermark())
                                .setLogStartOffset(partition.source().logStartOffset());
                    }
                    anyError = true;
                }
            }
        }
        return new FetchRead(data, slices, bytes, anyError);
    }

    private static List<FetchResponseData.AbortedTransaction> aborted(Partition source, long fetchOffset, LogSlice slice) {
        List<FetchResponseData.AbortedTransaction> aborted = new ArrayList<>();
        if (slice.isEmpty()) {
            return aborted;
        }
        for (AbortedTransaction txn : source.abortedTransactions(fetchOffset, slice.nextOffset())) {
            aborted.add(new FetchResponseData.AbortedTransaction().setProducerId(txn.producerId()).setFirstOffset(txn.firstOffset()));
        }
        return aborted;
    }

    private LogSlice readPartition(PartitionFetch partition, long remainingBytes, boolean firstData) {
        long limit = Math.min(partition.maxBytes(), remainingBytes);
        if (limit <= 0 && !firstData) {
            return LogSlice.EMPTY;
        }
        int max = (int) Math.max(limit, 1);
        LogSlice slice = replicaId >= 0 ? partition.source().readForFollower(partition.fetchOffset(), max)
                : partition.source().read(partition.fetchOffset(), max, isolation);
        if (!firstData && slice.sizeInBytes() > limit) {
            slice.close();
            return LogSlice.EMPTY;
        }
        return slice;
    }

    private void failed(FetchResponseData data, String topic, PartitionData partitionData, Errors error) {
        LeaderHints.fetch(authority, topic, partitionData.partitionIndex(), version, error, partitionData, data);
        partitionData.setErrorCode(error.code())
                .setHighWatermark(-1L)
                .setLastStableOffset(-1L)
                .setRecords(MemoryRecords.EMPTY);
        if (version >= FIRST_VERSION_WITH_LOG_START_OFFSET) {
            partitionData.setLogStartOffset(-1L);
        }
    }
}
