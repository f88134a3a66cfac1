package io.spindle.broker.share;

import io.spindle.broker.cluster.BrokerConnection;
import io.spindle.broker.cluster.ClusterBroker;
import io.spindle.config.ShareSettings;
import io.spindle.share.ShareStatePersister;
import io.spindle.share.ShareStateRecords;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.ApiException;
import org.apache.kafka.common.errors.CoordinatorNotAvailableException;
import org.apache.kafka.common.errors.NotCoordinatorException;
import org.apache.kafka.common.errors.CoordinatorLoadInProgressException;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.message.DescribeConfigsRequestData;
import org.apache.kafka.common.message.DescribeConfigsResponseData;
import org.apache.kafka.common.message.ReadShareGroupStateRequestData;
import org.apache.kafka.common.message.ReadShareGroupStateResponseData;
import org.apache.kafka.common.message.WriteShareGroupStateRequestData;
import org.apache.kafka.common.message.WriteShareGroupStateResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.DescribeConfigsRequest;
import org.apache.kafka.common.requests.DescribeConfigsResponse;
import org.apache.kafka.common.requests.ReadShareGroupStateRequest;
import org.apache.kafka.common.requests.ReadShareGroupStateResponse;
import org.apache.kafka.common.requests.WriteShareGroupStateRequest;
import org.apache.kafka.common.requests.WriteShareGroupStateResponse;

/**
 * The share coordinator on another broker, as this broker's share-partition leader reaches it: ReadShareGroupState and
 * WriteShareGroupState (Kafka's own requests, parsed and written with kafka-clients' classes), and DescribeConfigs of a
 * group's GROUP resource for the configs it set (those whose source is GROUP_CONFIG and that are share groups'), over
 * one connection to the coordinator's Kafka listener ({@link BrokerConnection}), on one thread
 * ({@code spindle-share-persister}).
 *
 * <ul>
 *   <li>Writes are group-committed: every write queued while a request is out goes in the next one, one request per
 *       group, and of several writes of one share-partition only the last state is sent (each carries the whole
 *       state, so the last covers the others; all of them complete with its answer). Calls are answered in the order
 *       they were queued.</li>
 *   <li>A coordinator that moved or is loading is looked up again and tried again every {@value #RETRY_MS} ms, one
 *       that cannot be reached after the connection's backoff, for up to {@value #RETRY_FOR_MS} ms (a coordinator's
 *       move takes about as long as a leader election); then the calls fail with the last error. Fenced epochs fail
 *       at once.</li>
 * </ul>
 */
final class RemoteShareState implements ShareStatePersister, AutoCloseable {
    private static final short READ_VERSION = 0;
    private static final short WRITE_VERSION = 0;
    private static final long RETRY_MS = 100;
    private static final long RETRY_FOR_MS = 15_000;
    private static final BrokerConnection.Settings CONNECTION = new BrokerConnection.Settings(2_000, 30_000,
            64 * 1024 * 1024, RETRY_MS, 1_000);

    private static final short DESCRIBE_CONFIGS_VERSION = 4;

    private sealed interface Call permits Read, Write, Configs {
    }

    private record Configs(String group, CompletableFuture<Map<String, String>> result) implements Call {
    }

    private record Read(ShareStateRecords.Key key, int leaderEpoch, CompletableFuture<ReadResult> result) implements Call {
    }

    private record Write(ShareStateRecords.Key key, int leaderEpoch, int stateEpoch, ShareStateRecords.Snapshot snapshot,
                         CompletableFuture<Void> result) implements Call {
    }

    private final BrokerConnection coordinator;
    private final ArrayDeque<Call> queue = new ArrayDeque<>();
    private final Thread thread;
    private volatile boolean running = true;

    /**
     * @param nodeId      this broker's, for the client id
     * @param coordinator the broker coordinating share groups now (empty while none is known)
     */
    RemoteShareState(int nodeId, Supplier<Optional<ClusterBroker>> coordinator) {
        this.coordinator = new BrokerConnection("share coordinator", "spindle-share-leader-" + nodeId, coordinator,
                CONNECTION);
        this.thread = new Thread(this::run, "spindle-share-persister");
        thread.setDaemon(true);
    }

    @Override
    public CompletableFuture<ReadResult> read(ShareStateRecords.Key key, int leaderEpoch) {
        CompletableFuture<ReadResult> result = new CompletableFuture<>();
        enqueue(new Read(key, leaderEpoch, result));
        return result;
    }

    @Override
    public CompletableFuture<Void> write(ShareStateRecords.Key key, int leaderEpoch, int stateEpoch,
                                         ShareStateRecords.Snapshot snapshot) {
        CompletableFuture<Void> result = new CompletableFuture<>();
        enqueue(new Write(key, leaderEpoch, stateEpoch, snapshot, result));
        return result;
    }

    @Override
    public CompletableFuture<Map<String, String>> groupConfigs(String group) {
        CompletableFuture<Map<String, String>> result = new CompletableFuture<>();
        enqueue(new Configs(group, result));
        return result;
    }

    private void enqueue(Call call) {
        synchronized (queue) {
            if (!running) {
                fail(call, new CoordinatorNotAvailableException("the broker is stopping"));
                return;
            }
            if (!thread.isAlive() && thread.getState() == Thread.State.NEW) {
                thread.start();     // at the first call: a broker that always coordinates never needs the thread
            }
            queue.add(call);
            queue.notifyAll();
        }
    }

    private void run() {
        while (true) {
            List<Call> calls = new ArrayList<>();
            synchronized (queue) {
                while (running && queue.isEmpty()) {
                    try {
                        queue.wait();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return;
                    }
                }
                if (!running) {
                    queue.forEach(call -> fail(call, new CoordinatorNotAvailableException("the broker is stopping")));
                    queue.clear();
                    return;
                }
                calls.addAll(queue);
                queue.clear();
            }
            // In queue order: the writes before a read go first (the read may be of a share-partition just written).
            List<Write> writes = new ArrayList<>();
            for (Call call : calls) {
                if (call instanceof Write write) {
                    writes.add(write);
                } else {
                    sendWrites(writes);
                    writes.clear();
                    if (call instanceof Read read) {
                        sendRead(read);
                    } else {
                        sendConfigs((Configs) call);
                    }
                }
            }
            sendWrites(writes);
        }
    }

    private void sendRead(Read read) {
        ShareStateRecords.Key key = read.key();
        ReadShareGroupStateRequestData data = new ReadShareGroupStateRequestData().setGroupId(key.group())
                .setTopics(List.of(new ReadShareGroupStateRequestData.ReadStateData().setTopicId(key.topicId())
                        .setPartitions(List.of(new ReadShareGroupStateRequestData.PartitionData()
                                .setPartition(key.partition()).setLeaderEpoch(read.leaderEpoch())))));
        long deadline = System.currentTimeMillis() + RETRY_FOR_MS;
        while (true) {
            ApiException failure;
            try {
                ReadShareGroupStateResponse response = coordinator.send(
                        new ReadShareGroupStateRequest.Builder(data).build(READ_VERSION));
                ReadShareGroupStateResponseData.PartitionResult result = response.data().results().get(0)
                        .partitions().get(0);
                Errors error = Errors.forCode(result.errorCode());
                if (error == Errors.NONE) {
                    read.result().complete(new ReadResult(snapshot(result), result.stateEpoch()));
                    return;
                }
                failure = error.exception(result.errorMessage());
            } catch (IOException | RuntimeException e) {
                failure = unreachable(e);
            }
            if (!retry(failure, deadline)) {
                read.result().completeExceptionally(failure);
                return;
            }
        }
    }

    private void sendConfigs(Configs call) {
        DescribeConfigsRequestData data = new DescribeConfigsRequestData().setIncludeSynonyms(false)
                .setIncludeDocumentation(false).setResources(List.of(new DescribeConfigsRequestData.DescribeConfigsResource()
                        .setResourceType(ConfigResource.Type.GROUP.id()).setResourceName(call.group())
                        .setConfigurationKeys(null)));
        long deadline = System.currentTimeMillis() + RETRY_FOR_MS;
        while (true) {
            ApiException failure;
            try {
                DescribeConfigsResponse response = coordinator.send(
                        new DescribeConfigsRequest.Builder(data).build(DESCRIBE_CONFIGS_VERSION));
                DescribeConfigsResponseData.DescribeConfigsResult result = response.data().results().get(0);
                Errors error = Errors.forCode(result.errorCode());
                if (error == Errors.NONE) {
                    Map<String, String> configs = new TreeMap<>();
                    for (DescribeConfigsResponseData.DescribeConfigsResourceResult config : result.configs()) {
                        if (config.configSource() == DescribeConfigsResponse.ConfigSource.GROUP_CONFIG.id()
                                && ShareSettings.groupConfigNames().contains(config.name())) {
                            configs.put(config.name(), config.value());
                        }
                    }
                    call.result().complete(configs);
                    return;
                }
                failure = error.exception(result.errorMessage());
            } catch (IOException | RuntimeException e) {
                failure = unreachable(e);
            }
            if (!retry(failure, deadline)) {
                call.result().completeExceptionally(failure);
                return;
            }
        }
    }

    private static Optional<ShareStateRecords.Snapshot> snapshot(ReadShareGroupStateResponseData.PartitionResult result) {
        if (result.startOffset() < 0) {
            return Optional.empty();
        }
        List<ShareStateRecords.Run> runs = new ArrayList<>(result.stateBatches().size());
        for (ReadShareGroupStateResponseData.StateBatch batch : result.stateBatches()) {
            runs.add(ShareStateRecords.run(batch.firstOffset(), batch.lastOffset(), batch.deliveryState(),
                    batch.deliveryCount()));
        }
        return Optional.of(new ShareStateRecords.Snapshot(result.startOffset(), runs));
    }

    private void sendWrites(List<Write> writes) {
        if (writes.isEmpty()) {
            return;
        }
        // The last write of each share-partition, by group; every write of it waits for that one's answer.
        Map<String, Map<ShareStateRecords.Key, List<Write>>> byGroup = new LinkedHashMap<>();
        for (Write write : writes) {
            byGroup.computeIfAbsent(write.key().group(), g -> new LinkedHashMap<>())
                    .computeIfAbsent(write.key(), k -> new ArrayList<>()).add(write);
        }
        byGroup.forEach(this::sendWrites);
    }

    private void sendWrites(String group, Map<ShareStateRecords.Key, List<Write>> writes) {
        Map<Uuid, WriteShareGroupStateRequestData.WriteStateData> topics = new LinkedHashMap<>();
        writes.forEach((key, ofKey) -> {
            Write last = ofKey.get(ofKey.size() - 1);
            List<WriteShareGroupStateRequestData.StateBatch> batches = new ArrayList<>();
            for (ShareStateRecords.Run run : last.snapshot().runs()) {
                batches.add(new WriteShareGroupStateRequestData.StateBatch().setFirstOffset(run.firstOffset())
                        .setLastOffset(run.lastOffset()).setDeliveryState(ShareStateRecords.stateCode(run))
                        .setDeliveryCount((short) run.deliveryCount()));
            }
            topics.computeIfAbsent(key.topicId(), id -> new WriteShareGroupStateRequestData.WriteStateData()
                    .setTopicId(id)).partitions().add(new WriteShareGroupStateRequestData.PartitionData()
                    .setPartition(key.partition()).setLeaderEpoch(last.leaderEpoch()).setStateEpoch(last.stateEpoch())
                    .setStartOffset(last.snapshot().startOffset()).setStateBatches(batches));
        });
        WriteShareGroupStateRequestData data = new WriteShareGroupStateRequestData().setGroupId(group)
                .setTopics(new ArrayList<>(topics.values()));
        long deadline = System.currentTimeMillis() + RETRY_FOR_MS;
        Map<ShareStateRecords.Key, List<Write>> pending = new LinkedHashMap<>(writes);
        while (true) {
            ApiException failure;
            try {
                WriteShareGroupStateResponse response = coordinator.send(
                        new WriteShareGroupStateRequest.Builder(data).build(WRITE_VERSION));
                failure = null;
                for (WriteShareGroupStateResponseData.WriteStateResult topic : response.data().results()) {
                    for (WriteShareGroupStateResponseData.PartitionResult result : topic.partitions()) {
                        Errors error = Errors.forCode(result.errorCode());
                        if (error == Errors.NOT_COORDINATOR || error == Errors.COORDINATOR_LOAD_IN_PROGRESS
                                || error == Errors.COORDINATOR_NOT_AVAILABLE) {
                            failure = error.exception(result.errorMessage());
                            continue;   // the whole request is sent again
                        }
                        List<Write> answered = pending.remove(new ShareStateRecords.Key(group, topic.topicId(),
                                result.partition()));
                        if (answered != null) {
                            Throwable outcome = error == Errors.NONE ? null : error.exception(result.errorMessage());
                            answered.forEach(write -> complete(write, outcome));
                        }
                    }
                }
                if (failure == null) {
                    // A partition the answer left out is as good as failed.
                    pending.values().forEach(left -> left.forEach(write -> complete(write,
                            new CoordinatorNotAvailableException("the share coordinator did not answer for "
                                    + write.key()))));
                    return;
                }
            } catch (IOException | RuntimeException e) {
                failure = unreachable(e);
            }
            if (!retry(failure, deadline)) {
                ApiException last = failure;
                pending.values().forEach(left -> left.forEach(write -> complete(write, last)));
                return;
            }
        }
    }

    private static void complete(Write write, Throwable failure) {
        if (failure == null) {
            write.result().complete(null);
        } else {
            write.result().completeExceptionally(failure);
        }
    }

    private ApiException unreachable(Exception e) {
        if (e instanceof IOException) {
            return new CoordinatorNotAvailableException(e.getMessage(), e);     // it names the broker
        }
        coordinator.disconnect();
        return new CoordinatorNotAvailableException("the share coordinator's answer could not be read: " + e, e);
    }

    /** Whether to try again after {@code failure}: a retriable one before the deadline (waits first). */
    private boolean retry(ApiException failure, long deadline) {
        boolean coordinatorAway = failure instanceof CoordinatorNotAvailableException
                || failure instanceof NotCoordinatorException || failure instanceof CoordinatorLoadInProgressException;
        if (!coordinatorAway || !running
                || System.currentTimeMillis() + RETRY_MS > deadline) {
            return false;
        }
        if (failure.getCause() instanceof IOException) {
            return true;    // the connection waits out its backoff before it connects again
        }
        if (failure instanceof NotCoordinatorException) {
            coordinator.disconnect();   // look the coordinator up again
        }
        try {
            Thread.sleep(RETRY_MS);     // this thread's only job is these calls: nothing else waits behind the pause
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
        return true;
    }

    private static void fail(Call call, RuntimeException failure) {
        if (call instanceof Read read) {
            read.result().completeExceptionally(failure);
        } else if (call instanceof Write write) {
            write.result().completeExceptionally(failure);
        } else {
            ((Configs) call).result().completeExceptionally(failure);
        }
    }

    @Override
    public void close() {
        synchronized (queue) {
            running = false;
            queue.notifyAll();
        }
        coordinator.close();    // wakes a call in flight
        if (thread.getState() == Thread.State.NEW) {
            return;
        }
        try {
            thread.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
