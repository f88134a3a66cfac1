package io.spindle.broker.txn;

import io.spindle.broker.ApiHandler;
import io.spindle.broker.meta.InternalTopics;
import io.spindle.broker.meta.TopicRegistry;
import io.spindle.broker.partition.Partitions;
import io.spindle.config.TransactionSettings;
import io.spindle.groups.GroupCoordinator;
import io.spindle.log.PartitionLog;
import io.spindle.txn.ProducerIds;
import io.spindle.txn.TransactionCoordinator;
import io.spindle.txn.TransactionMarkers;
import io.spindle.txn.Transactions;
import java.time.Clock;
import java.util.List;

/**
 * The transactional APIs of the broker and their coordinator: AddPartitionsToTxn, AddOffsetsToTxn, EndTxn,
 * TxnOffsetCommit, and for tools DescribeTransactions and ListTransactions, over the {@link TransactionCoordinator} (which InitProducerId and Produce use as well, through
 * {@link #coordinator()}). FindCoordinator answers transaction keys with this broker.
 *
 * <p>Lifecycle: construct after the group coordinator (offsets committed in transactions complete there) and the
 * data path (markers go through its partition writers); it creates the internal topic
 * {@value TransactionCoordinator#STATE_TOPIC} with one partition and cleanup.policy=compact on first start, sets an
 * existing one back to compact if it was altered ({@link InternalTopics}), and loads the coordinator from it,
 * blocking. Compaction alone keeps the topic's size bounded. {@link #close()} before the group coordinator and the data path close.
 *
 * <p>Settings: the broker configuration's {@link TransactionSettings} (its transaction.* keys).
 */
public final class TransactionHandlers implements AutoCloseable {
    private final TransactionCoordinator coordinator;
    private final List<ApiHandler> handlers;

    public TransactionHandlers(TransactionSettings settings, TopicRegistry topics, Partitions partitions,
                               ProducerIds producerIds, TransactionMarkers markers, GroupCoordinator groups, Clock clock) {
        PartitionLog stateLog = InternalTopics.stateLog(topics, partitions, TransactionCoordinator.STATE_TOPIC,
                settings.stateLogSegmentBytes(), "transaction state");
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
