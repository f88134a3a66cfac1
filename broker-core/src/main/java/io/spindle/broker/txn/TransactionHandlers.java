package io.spindle.broker.txn;

import io.spindle.broker.ApiHandler;
import io.spindle.broker.cluster.CoordinatorGate;
import io.spindle.broker.cluster.CoordinatorHome;
import io.spindle.broker.cluster.CoordinatorLocator;
import io.spindle.broker.meta.InternalTopics;
import io.spindle.broker.meta.TopicRegistry;
import io.spindle.broker.partition.Partition;
import io.spindle.broker.partition.Partitions;
import io.spindle.config.TransactionSettings;
import io.spindle.groups.GroupCoordinator;
import io.spindle.txn.ProducerIds;
import io.spindle.txn.TransactionCoordinator;
import io.spindle.txn.TransactionMarkers;
import io.spindle.txn.Transactions;
import java.time.Clock;
import java.util.List;
import java.util.stream.Stream;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.requests.InitProducerIdRequest;

/**
 * The transactional APIs of the broker and their coordinator: AddPartitionsToTxn, AddOffsetsToTxn, EndTxn,
 * TxnOffsetCommit, and for tools DescribeTransactions and ListTransactions, over the {@link TransactionCoordinator} (which InitProducerId and Produce use as well, through
 * {@link #coordinator()}). FindCoordinator answers transaction keys with the leader of
 * {@value TransactionCoordinator#STATE_TOPIC} partition 0; in a cluster the coordinator follows that leadership
 * ({@link CoordinatorHome}) and the APIs, InitProducerId with a transactional id among them, are gated elsewhere.
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
    private final CoordinatorHome home;
    private final List<ApiHandler> handlers;

    public TransactionHandlers(TransactionSettings settings, TopicRegistry topics, Partitions partitions,
                               ProducerIds producerIds, TransactionMarkers markers, GroupCoordinator groups,
                               CoordinatorLocator coordinators, Clock clock) {
        Partition state = InternalTopics.statePartition(topics, partitions, TransactionCoordinator.STATE_TOPIC,
                settings.stateLogSegmentBytes(), "transaction state");
        this.coordinator = TransactionCoordinator.start(state.log(), InternalTopics.writer(state), settings,
                producerIds, markers, groups::completeTransaction, clock);
        this.home = coordinators.home(TransactionCoordinator.STATE_TOPIC, "transactional ids", coordinator::load,
                coordinator::unload, coordinator::isLoaded);
        this.handlers = Stream.<ApiHandler>of(
                new AddPartitionsToTxnHandler(coordinator, partitions),
                new AddOffsetsToTxnHandler(coordinator),
                new EndTxnHandler(coordinator),
                new TxnOffsetCommitHandler(coordinator, groups, settings.offersVersion2()),
                new DescribeTransactionsHandler(coordinator),
                new ListTransactionsHandler(coordinator, clock))
                .<ApiHandler>map(handler -> new CoordinatorGate(handler, home)).toList();
    }

    /**
     * {@code handler} gated like the transactional APIs when it is InitProducerId's (requests with a transactional id
     * only: an idempotent producer's go to any broker); any other handler as it is.
     */
    public ApiHandler gateInitProducerId(ApiHandler handler) {
        if (handler.apiKey() != ApiKeys.INIT_PRODUCER_ID) {
            return handler;
        }
        return new CoordinatorGate(handler, home,
                request -> ((InitProducerIdRequest) request).data().transactionalId() != null);
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
