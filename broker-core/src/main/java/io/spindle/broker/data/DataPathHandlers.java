package io.spindle.broker.data;

import io.netty.util.HashedWheelTimer;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.spindle.broker.ApiHandler;
import io.spindle.broker.Topics;
import io.spindle.broker.cluster.MetadataAuthority;
import io.spindle.broker.partition.Acks;
import io.spindle.broker.partition.Partition;
import io.spindle.broker.partition.Partitions;
import io.spindle.config.BrokerConfig;
import io.spindle.log.AppendResult;
import io.spindle.txn.ProducerIds;
import io.spindle.txn.TransactionMarkers;
import io.spindle.txn.Transactions;
import java.nio.ByteBuffer;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The data path of the broker: Produce, Fetch, ListOffsets, OffsetsForLeaderEpoch, InitProducerId and DeleteRecords,
 * and the partition leader's side of the transaction tools (DescribeProducers, WriteTxnMarkers), translated into calls
 * on the partition logs.
 *
 * <p>Threads: appends run on {@link PartitionWriters} (one writer thread per partition, a small fixed stripe of
 * threads in all); fetch reads, timestamp lookups and producer id reservations run on a small reader pool. Waiting
 * fetches and acks=all timeouts live on one timer-wheel thread; a partition's high watermark moving wakes the
 * fetches waiting on it (the purgatory listens to every partition). The Netty event loops only parse and hand over.
 *
 * <p>Lifecycle: construct after the log manager is open, {@link #close()} before it is closed. Closing lets
 * queued appends finish, then answers waiting fetches with what is there.
 *
 * <p>{@code config}: its transaction version decides how Produce treats transactional batches. {@code clock} stamps transaction markers; waits
 * are measured on the timer wheel (monotonic time) and record timestamps come from the log, which has its own clock.
 */
public final class DataPathHandlers implements AutoCloseable {
    private final PartitionWriters writers;
    private final ExecutorService readers;
    private final HashedWheelTimer timer;
    private final FetchPurgatory purgatory;
    private final List<ApiHandler> handlers;
    private final ProducerIds producerIds;
    private final PartitionMarkers markers;
    private volatile Transactions transactions;

    /**
     * @param authority where InitProducerId takes ids (this broker's own reservation, or the quorum's blocks) and
     *                  where partitions this broker does not hold are led
     */
    public DataPathHandlers(BrokerConfig config, Topics topics, Partitions partitions, MetadataAuthority authority,
                            Clock clock) {
        int threads = Math.max(2, Runtime.getRuntime().availableProcessors());
        this.producerIds = authority.producerIds();
        MissingPartitions missing = new MissingPartitions(authority);
        this.writers = new PartitionWriters(threads);
        this.markers = new PartitionMarkers(partitions, writers, clock);
        this.readers = daemonPool("data-reader", threads);
        // 5 ms ticks: fetch max waits and produce timeouts are hundreds of milliseconds and up.
        this.timer = new HashedWheelTimer(new DefaultThreadFactory("spindle-data-timer", true), 5, TimeUnit.MILLISECONDS, 512);
        this.purgatory = new FetchPurgatory(timer, readers);
        partitions.addListener(purgatory);
        this.handlers = List.of(
                new ProduceHandler(topics, partitions, missing, writers, timer,
                        new TransactionGate(this::transactions, config.transactions().offersVersion2())),
                new FetchHandler(topics, partitions, missing, readers, purgatory),
                new ListOffsetsHandler(partitions, missing, readers),
                new OffsetsForLeaderEpochHandler(partitions),
                new InitProducerIdHandler(producerIds, readers, this::transactions),
                new DescribeProducersHandler(partitions, readers),
                new WriteTxnMarkersHandler(partitions, writers, clock),
                new DeleteRecordsHandler(partitions, writers));
    }

    /**
     * Connects the transaction coordinator, which starts after this (it writes its markers through
     * {@link #markers()}). Until then transactional requests are answered COORDINATOR_NOT_AVAILABLE.
     */
    public void attach(Transactions coordinator) {
        this.transactions = coordinator;
    }

    private Transactions transactions() {
        return transactions;
    }

    /** Writes transaction markers into the partitions, on their writer threads. */
    public TransactionMarkers markers() {
        return markers;
    }

    /**
     * Appends {@code records} (whole batches, position to limit) to {@code partition} as a produce with acks=all
     * does: on the partition's writer thread, completing once every in-sync replica holds it as durably as the flush
     * mode promises. For records the broker writes itself (a share group's dead letters). The buffer must stay
     * unchanged until the future completes.
     */
    public CompletableFuture<AppendResult> appendDurably(Partition partition, ByteBuffer records) {
        return writers.append(partition, records).thenCompose(result -> partition.acknowledgement(result, Acks.ALL));
    }

    /** The broker's producer id allocator (idempotent and transactional producers share it). */
    public ProducerIds producerIds() {
        return producerIds;
    }

    /** Where long-poll reads wait (ShareFetch waits there too). */
    public FetchPurgatory purgatory() {
        return purgatory;
    }

    /** The reader pool: reads of the logs, off the event loops and the writers. */
    public Executor readers() {
        return readers;
    }

    /**
     * One handler per API: Produce, Fetch, ListOffsets, OffsetsForLeaderEpoch, InitProducerId, DescribeProducers,
     * WriteTxnMarkers, DeleteRecords.
     */
    public List<ApiHandler> handlers() {
        return handlers;
    }

    @Override
    public void close() {
        writers.close();
        timer.stop();
        purgatory.close();
        readers.shutdown();
        try {
            if (!readers.awaitTermination(10, TimeUnit.SECONDS)) {
                readers.shutdownNow();
            }
        } catch (InterruptedException e) {
            readers.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }

    private static ExecutorService daemonPool(String role, int threads) {
        AtomicInteger counter = new AtomicInteger();
        return Executors.newFixedThreadPool(threads, runnable -> {
            Thread thread = new Thread(runnable, "spindle-" + role + "-" + counter.getAndIncrement());
            thread.setDaemon(true);
            return thread;
        });
    }
}
