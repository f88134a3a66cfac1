package io.spindle.broker.txn;

import io.spindle.broker.ApiHandler;
import io.spindle.broker.meta.TopicRegistry;
import io.spindle.broker.partition.Partitions;
import io.spindle.config.TopicConfig;
import io.spindle.config.TransactionSettings;
import io.spindle.groups.GroupCoordinator;
import io.spindle.log.PartitionLog;
import io.spindle.txn.ProducerIds;
import io.spindle.txn.TransactionCoordinator;
import io.spindle.txn.TransactionMarkers;
import io.spindle.txn.Transactions;
import java.time.Clock;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The transactional APIs of the broker and their coordinator: AddPartitionsToTxn, AddOffsetsToTxn, EndTxn,
 * TxnOffsetCommit, and for tools DescribeTransactions and ListTransactions, over the {@link TransactionCoordinator} (which InitProducerId and Produce use as well, through
 * {@link #coordinator()}). FindCoordinator answers transaction keys with this broker.
 *
 * <p>Lifecycle: construct after the group coordinator (offsets committed in transactions complete there) and the
 * data path (markers go through its partition writers); it creates the internal topic
 * {@value TransactionCoordinator#STATE_TOPIC} with one partition on first start and loads the coordinator from it,
 * blocking. {@link #close()} before the group coordinator and the data path close.
 *
 * <p>Settings: the broker configuration's {@link TransactionSettings} (its transaction.* keys).
 */
public final class TransactionHandlers implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(TransactionHandlers.class);

    private final TransactionCoordinator coordinator;
    private final List<ApiHandler> handlers;

    public TransactionHandlers(TransactionSettings settings, TopicRegistry topics, Partitions partitions,
                               ProducerIds producerIds, TransactionMarkers markers, GroupCoordinator groups, Clock clock) {
        PartitionLog stateLog = stateLog(topics, partitions, settings);
        this.coordinator = TransactionCoordinator.start(stateLog, settings, producerIds, markers,
                groups::completeTransaction, clock);
        this.handlers = List.of(
                new AddPartitionsToTxnHandler(coordinator, partitions),
                new AddOffsetsToTxnHandler(coordinator),
                new EndTxnHandler(coordinator),
                new TxnOffsetCommitHandler(coordinator, groups, settings.offersVersion2()),
                new DescribeTransactionsHandler(coordinator),
                new ListTransactionsHandler(coordinator, clock));
    }

    /** The partition log of the internal state topic, the topic created first if it does not exist. */
    private static PartitionLog stateLog(TopicRegistry topics, Partitions partitions, TransactionSettings settings) {
        String name = TransactionCoordinator.STATE_TOPIC;
        if (topics.topic(name).isEmpty()) {
            Map<String, String> overrides = new HashMap<>();
            overrides.put(TopicConfig.CLEANUP_POLICY, "compact");
            overrides.put(TopicConfig.RETENTION_MS, "-1");
            overrides.put(TopicConfig.RETENTION_BYTES, "-1");
            overrides.put(TopicConfig.SEGMENT_BYTES, Integer.toString(settings.stateLogSegmentBytes()));
            topics.create(name, 1, overrides);
            log.info("Created the internal topic {} for transaction state", name);
        }
        return partitions.get(name, 0).orElseThrow(() -> new IllegalStateException(
                "the internal topic " + name + " has no partition 0 log under the data directory")).log();
    }

    /** One handler per transactional API. */
    public List<ApiHandler> handlers() {
        return handlers;
    }

    /** The coordinator, for InitProducerId and Produce in the data path, and for in-process tools. */
    public Transactions coordinator() {
        return coordinator;
    }

    @Override
    public void close() {
        coordinator.close();
    }
}
