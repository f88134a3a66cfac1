package io.spindle.txn;

import io.spindle.config.TransactionSettings;
import io.spindle.log.CoordinatorLoop;
import io.spindle.log.CoordinatorResidency;
import io.spindle.log.LogStorageException;
import io.spindle.log.KeyedStateLog;
import io.spindle.log.PartitionLog;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.protocol.Errors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The transaction coordinator of a single-broker cluster: the state machine of every transactional id
 * ({@link TransactionState}), stored in partition 0 of {@link #STATE_TOPIC} and loaded back at start.
 *
 * <p>Rules, as Kafka's coordinator has them:
 * <ul>
 *   <li>Every transition is appended to the state log and becomes current only once durable; the request that
 *       caused it is answered after that. While a transition is being stored, or a decided transaction's markers
 *       are being written, the id is busy and other requests for it get CONCURRENT_TRANSACTIONS (clients retry),
 *       except the additions (AddPartitionsToTxn, AddOffsetsToTxn, and those made by writes under transaction
 *       version 2), which wait for it ({@link IdWaiters}).</li>
 *   <li>EndTxn is answered once PrepareCommit or PrepareAbort is durable; then the markers are written to every
 *       partition of the transaction and the groups' offsets completed, and once those are durable CompleteCommit or
 *       CompleteAbort is appended and current at once, without waiting for its fsync ({@link #completed}). A failure
 *       there is retried every second until it succeeds.</li>
 *   <li>InitProducerId bumps the epoch, fencing older producers of the id; if a transaction is open it is first
 *       aborted with the bumped epoch (PrepareEpochFence, then PrepareAbort), so that the old producer's late
 *       writes are refused by the partitions.</li>
 *   <li>Transaction version 2 (KIP-890 part 2), per request: EndTxn v5 bumps the epoch as it decides
 *       ({@link EndTxnRules#versionTwo}), the markers carry the bumped epoch, and the answer names the producer id
 *       and epoch to go on with (a new producer id at epoch 0 once the epoch runs out). A transactional write adds
 *       its partition to the transaction itself ({@link #joinPartition}), and TxnOffsetCommit its group
 *       ({@link #joinGroup}), starting a transaction if none is open.</li>
 *   <li>Every {@code transaction.abort.timed.out.transaction.cleanup.interval.ms}, transactions open longer than
 *       their timeout are aborted the same way, and ids idle longer than {@code transactional.id.expiration.ms}
 *       are forgotten.</li>
 *   <li>At start, a transaction found decided (Prepare*) is completed; one found open keeps its start time and
 *       times out like any other.</li>
 * </ul>
 *
 * <p>Threading: all state changes run on one thread ({@code spindle-txn-coordinator}); the current state of each
 * id is also published in a concurrent map, which the verify methods read from any thread.
 */
public final class TransactionCoordinator implements Transactions, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(TransactionCoordinator.class);
    /** The internal topic that holds the coordinator's state (only partition 0 is used). */
    public static final String STATE_TOPIC = "__transaction_state";
    private static final long RETRY_MS = 1000;
    /**
     * How long an addition made by a write waits for the id's previous transaction to complete before it is answered
     * CONCURRENT_TRANSACTIONS (which the write's client retries): completing takes one round of marker appends.
     */
    private static final long JOIN_WAIT_MS = 5000;

    private final ScheduledThreadPoolExecutor loop;
    private final TransactionStateLog stateLog;
    private final TransactionSettings settings;
    private final ProducerIds producerIds;
    private final TransactionMarkers markers;
    private final TransactionalOffsets offsets;
    private final Clock clock;
    /** The current state per id: written on the coordinator thread only, read anywhere. */
    private final ConcurrentHashMap<String, TransactionMetadata> current = new ConcurrentHashMap<>();
    /** Ids with a transition being stored or markers being written (coordinator thread only). */
    private final Set<String> busy = new HashSet<>();
    /** Additions made by writes, waiting for their id to be free (coordinator thread only). */
    private final IdWaiters waiters = new IdWaiters(this::schedule, JOIN_WAIT_MS);
    private volatile boolean closed;
    /** Whether the transactional ids of the state log are in memory and served (see {@link #load}, {@link #unload}). */
    private final CoordinatorResidency residency;

    private TransactionCoordinator(PartitionLog log, KeyedStateLog.Writer writer, TransactionSettings settings,
                                   ProducerIds producerIds, TransactionMarkers markers, TransactionalOffsets offsets,
                                   Clock clock) {
        this.stateLog = new TransactionStateLog(new KeyedStateLog(log, writer, clock));
        this.settings = settings;
        this.producerIds = producerIds;
        this.markers = markers;
        this.offsets = offsets;
        this.clock = clock;
        this.loop = CoordinatorLoop.newLoop("spindle-txn-coordinator");
        this.residency = new CoordinatorResidency(loop, "transaction", log, this::loadState, this::clearState);
    }

    /**
     * Loads the state kept in {@code stateLog} (partition 0 of {@link #STATE_TOPIC}), resumes the completion of
     * decided transactions, and starts serving. Blocks while loading.
     *
     * @throws IllegalStateException naming the log when its content cannot be read back
     */
    public static TransactionCoordinator start(PartitionLog stateLog, TransactionSettings settings,
                                               ProducerIds producerIds, TransactionMarkers markers,
                                               TransactionalOffsets offsets, Clock clock) {
        return start(stateLog, KeyedStateLog.durableWriter(stateLog), settings, producerIds, markers, offsets, clock);
    }

    /**
     * As {@link #start(PartitionLog, TransactionSettings, ProducerIds, TransactionMarkers, TransactionalOffsets,
     * Clock)}, with every write to the log made by {@code writer} (a cluster's: acknowledged once the in-sync replicas
     * hold it).
     */
    public static TransactionCoordinator start(PartitionLog stateLog, KeyedStateLog.Writer writer,
                                               TransactionSettings settings, ProducerIds producerIds,
                                               TransactionMarkers markers, TransactionalOffsets offsets, Clock clock) {
        TransactionCoordinator coordinator = new TransactionCoordinator(stateLog, writer, settings, producerIds,
                markers, offsets, clock);
        coordinator.residency.loadAtStart(coordinator::close);
        long interval = settings.abortCheckIntervalMs();
        coordinator.loop.scheduleWithFixedDelay(coordinator::guardedExpire, interval, interval, TimeUnit.MILLISECONDS);
        return coordinator;
    }

    /**
     * Loads the transactional ids from the state log again if they were {@linkplain #unload unloaded} (this broker
     * leads the state partition again), resuming decided transactions; nothing when they are loaded.
     */
    public CompletableFuture<Void> load() {
        return residency.load();
    }

    /**
     * Forgets every transactional id, as when this broker stops leading the state partition: the broker that leads it
     * next loads them from the log and completes the decided transactions. The log stays.
     */
    public CompletableFuture<Void> unload() {
        return residency.unload();
    }

    /** Whether the transactional ids are loaded and served here. */
    public boolean isLoaded() {
        return residency.isLoaded();
    }

    private void clearState() {
        int count = current.size();
        current.clear();
        LOG.info("Transaction coordinator unloaded {} transactional id(s) of {}", count, stateLog.partitionLog());
    }

    private void loadState() {
        stateLog.replay((id, value) -> {
            if (value == null) {
                current.remove(id);
            } else {
                current.put(id, value);
            }
        });
        int resumed = 0;
        for (TransactionMetadata m : List.copyOf(current.values())) {
            if (m.state().isPreparing()) {
                complete(m);
                resumed++;
            }
        }
        LOG.info("Transaction coordinator loaded {} transactional id(s) from {}; completing {} decided transaction(s)",
                current.size(), stateLog.partitionLog(), resumed);
    }

    // ------------------------------------------------------------------ requests

    @Override
    public CompletableFuture<ProducerIdAndEpoch> initProducerId(String transactionalId, int transactionTimeoutMs,
                                                                long producerId, short producerEpoch) {
        return onLoop(() -> {
            if (transactionTimeoutMs <= 0 || transactionTimeoutMs > settings.maxTimeoutMs()) {
                return done(ProducerIdAndEpoch.failed(Errors.INVALID_TRANSACTION_TIMEOUT));
            }
            if (busy.contains(transactionalId)) {
                return done(ProducerIdAndEpoch.failed(Errors.CONCURRENT_TRANSACTIONS));
            }
            long now = clock.millis();
            TransactionMetadata m = current.get(transactionalId);
            if (m == null) {
                TransactionMetadata fresh = TransactionMetadata.fresh(transactionalId, allocate(), transactionTimeoutMs, now);
                return initialized(fresh.initialized(fresh.producerId(), transactionTimeoutMs, now));
            }
            if (producerId >= 0) {
                boolean currentOne = producerId == m.producerId() && producerEpoch == m.producerEpoch();
                boolean retryOfLastBump = producerId == m.producerId() && producerEpoch == m.lastProducerEpoch()
                        && m.state() == TransactionState.EMPTY;
                if (retryOfLastBump) {
                    return done(new ProducerIdAndEpoch(Errors.NONE, m.producerId(), m.producerEpoch()));
                }
                if (!currentOne) {
                    return done(ProducerIdAndEpoch.failed(Errors.PRODUCER_FENCED));
                }
            }
            return switch (m.state()) {
                case ONGOING -> {
                    LOG.info("Transactional id '{}': a new producer fences epoch {}; aborting its open transaction",
                            transactionalId, m.producerEpoch());
                    fence(m);
                    yield done(ProducerIdAndEpoch.failed(Errors.CONCURRENT_TRANSACTIONS));
                }
                case EMPTY, COMPLETE_COMMIT, COMPLETE_ABORT -> {
                    long id = m.epochExhausted() ? allocate() : m.producerId();
                    yield initialized(m.initialized(id, transactionTimeoutMs, now));
                }
                default -> done(ProducerIdAndEpoch.failed(Errors.CONCURRENT_TRANSACTIONS));
            };
        });
    }

    private CompletableFuture<ProducerIdAndEpoch> initialized(TransactionMetadata next) {
        return store(next).handle((ignored, failure) -> failure == null
                ? new ProducerIdAndEpoch(Errors.NONE, next.producerId(), next.producerEpoch())
                : ProducerIdAndEpoch.failed(Errors.COORDINATOR_NOT_AVAILABLE));
    }

    @Override
    public CompletableFuture<Errors> addPartitions(String transactionalId, long producerId, short producerEpoch,
                                                   Collection<TopicPartition> partitions) {
        return join(transactionalId, producerId, producerEpoch, partitions, List.of());
    }

    @Override
    public CompletableFuture<Errors> addOffsets(String transactionalId, long producerId, short producerEpoch,
                                                String groupId) {
        return join(transactionalId, producerId, producerEpoch, List.of(), List.of(groupId));
    }

    @Override
    public CompletableFuture<Errors> joinPartition(String transactionalId, long producerId, short producerEpoch,
                                                   TopicPartition partition) {
        return join(transactionalId, producerId, producerEpoch, List.of(partition), List.of());
    }

    @Override
    public CompletableFuture<Errors> joinGroup(String transactionalId, long producerId, short producerEpoch,
                                               String groupId) {
        return join(transactionalId, producerId, producerEpoch, List.of(), List.of(groupId));
    }

    /**
     * An addition, made by a write (version 2) or asked for (AddPartitionsToTxn, AddOffsetsToTxn): answered in the
     * order the requests came (a write is appended once answered), after the id's transition in progress, if any:
     * the previous transaction's completion, or another addition. Waiting here instead of answering
     * CONCURRENT_TRANSACTIONS spares a version 1 client its retry back-off (kafka-clients waits 20 ms before it asks
     * again), which used to cost most of a short transaction's time.
     */
    private CompletableFuture<Errors> join(String transactionalId, long producerId, short producerEpoch,
                                           Collection<TopicPartition> partitions, Collection<String> groups) {
        return onLoop(() -> {
            CompletableFuture<Errors> answer = new CompletableFuture<>();
            waiters.runOrWait(transactionalId, new IdWaiters.Attempt() {
                @Override
                public boolean tryNow() {
                    TransactionMetadata m = current.get(transactionalId);
                    if (m != null && (busy.contains(transactionalId) || m.state().isPreparing()
                            || m.state() == TransactionState.PREPARE_EPOCH_FENCE)) {
                        return false;
                    }
                    Errors error = checkProducer(m, producerId, producerEpoch);
                    CompletableFuture<Errors> result = error != Errors.NONE || m.holds(partitions, groups)
                            ? done(error)
                            : store(m.withAdded(partitions, groups, clock.millis())).handle((ignored, failure) ->
                                    failure == null ? Errors.NONE : Errors.COORDINATOR_NOT_AVAILABLE);
                    result.whenComplete((value, failure) ->
                            answer.complete(failure == null ? value : Errors.COORDINATOR_NOT_AVAILABLE));
                    return true;
                }

                @Override
                public void expire() {
                    answer.complete(Errors.CONCURRENT_TRANSACTIONS);
                }
            });
            return answer;
        });
    }

    @Override
    public CompletableFuture<ProducerIdAndEpoch> endTransaction(String transactionalId, long producerId,
                                                                short producerEpoch, boolean commit, boolean bumpEpoch) {
        return onLoop(() -> {
            TransactionMetadata m = current.get(transactionalId);
            boolean isBusy = busy.contains(transactionalId);
            EndTxnRules.Outcome outcome = bumpEpoch
                    ? EndTxnRules.versionTwo(m, producerId, producerEpoch, commit, isBusy)
                    : EndTxnRules.versionOne(m, producerId, producerEpoch, commit, isBusy);
            if (!outcome.decide()) {
                return done(outcome.error() == Errors.NONE
                        ? new ProducerIdAndEpoch(Errors.NONE, m.producerId(), m.producerEpoch())
                        : ProducerIdAndEpoch.failed(outcome.error()));
            }
            long now = clock.millis();
            TransactionMetadata prepared = bumpEpoch
                    ? m.preparingWithBump(commit, m.epochExhausted() ? allocate() : TransactionMetadata.NO_PRODUCER_ID, now)
                    : m.preparing(commit, now);
            return store(prepared).handle((ignored, failure) -> {
                if (failure != null) {
                    return ProducerIdAndEpoch.failed(Errors.COORDINATOR_NOT_AVAILABLE);
                }
                complete(prepared);     // on the coordinator thread, in the task that applied it
                return new ProducerIdAndEpoch(Errors.NONE, prepared.producerIdAfterCompletion(),
                        prepared.producerEpochAfterCompletion());
            });
        });
    }

    /** The producer id and epoch checks every request of a producer makes first. */
    private static Errors checkProducer(TransactionMetadata m, long producerId, short producerEpoch) {
        if (m == null || m.producerId() != producerId) {
            return Errors.INVALID_PRODUCER_ID_MAPPING;
        }
        if (m.producerEpoch() != producerEpoch) {
            return Errors.PRODUCER_FENCED;
        }
        return Errors.NONE;
    }

    @Override
    public Errors verifyPartition(String transactionalId, long producerId, short producerEpoch, TopicPartition partition) {
        TransactionMetadata m = current.get(transactionalId);
        Errors error = verifyProducer(m, producerId, producerEpoch);
        if (error == Errors.NONE && !m.partitions().contains(partition)) {
            return Errors.INVALID_TXN_STATE;
        }
        return error;
    }

    @Override
    public Errors verifyGroup(String transactionalId, long producerId, short producerEpoch, String groupId) {
        TransactionMetadata m = current.get(transactionalId);
        Errors error = verifyProducer(m, producerId, producerEpoch);
        if (error == Errors.NONE && !m.groups().contains(groupId)) {
            return Errors.INVALID_TXN_STATE;
        }
        return error;
    }

    private static Errors verifyProducer(TransactionMetadata m, long producerId, short producerEpoch) {
        if (m == null || m.producerId() != producerId) {
            return Errors.INVALID_PRODUCER_ID_MAPPING;
        }
        if (m.producerEpoch() != producerEpoch) {
            return Errors.INVALID_PRODUCER_EPOCH;
        }
        if (m.state() != TransactionState.ONGOING) {
            return Errors.INVALID_TXN_STATE;
        }
        return Errors.NONE;
    }

    @Override
    public Collection<TransactionMetadata> all() {
        return List.copyOf(current.values());
    }

    @Override
    public Optional<TransactionMetadata> describe(String transactionalId) {
        return Optional.ofNullable(current.get(transactionalId));
    }

    // ------------------------------------------------------------------ transitions (coordinator thread)

    /**
     * Takes an open transaction from its producer: the epoch goes up (PrepareEpochFence, at once visible to the
     * verify methods, so the old producer's writes are refused), and the transaction is aborted with that epoch.
     */
    private void fence(TransactionMetadata open) {
        long now = clock.millis();
        TransactionMetadata fenced = open.fencing(now);
        current.put(open.transactionalId(), fenced);
        TransactionMetadata aborting = fenced.preparing(false, now);
        store(aborting).whenComplete((ignored, failure) -> {
            if (failure == null) {
                complete(aborting);
            } else if (current.get(open.transactionalId()) == fenced) {
                current.put(open.transactionalId(), open);     // the next timeout check or InitProducerId tries again
                waiters.wake(open.transactionalId());
            }
        });
    }

    /** Writes the markers of a decided transaction and completes its groups, then stores Complete*. */
    private void complete(TransactionMetadata decided) {
        String id = decided.transactionalId();
        boolean commit = decided.state() == TransactionState.PREPARE_COMMIT;
        busy.add(id);
        List<CompletableFuture<Void>> steps = new ArrayList<>();
        try {
            if (!decided.partitions().isEmpty()) {
                steps.add(markers.write(decided.producerId(), decided.producerEpoch(), commit, decided.partitions()));
            }
            for (String group : decided.groups()) {
                steps.add(offsets.complete(group, decided.producerId(), commit));
            }
        } catch (RuntimeException e) {
            steps.add(CompletableFuture.failedFuture(e));
        }
        CompletableFuture.allOf(steps.toArray(new CompletableFuture<?>[0])).whenComplete((ignored, failure) ->
                runOnLoop(() -> {
                    if (failure != null) {
                        busy.remove(id);
                        LOG.warn("Transactional id '{}': completing the {} of producer {} epoch {} failed, retrying in {} ms: {}",
                                id, commit ? "commit" : "abort", decided.producerId(), decided.producerEpoch(), RETRY_MS,
                                failure.toString());
                        retryLater(decided);
                        return;
                    }
                    completed(decided);
                }));
    }

    /**
     * Every marker of {@code decided} is durable: Complete* is appended and becomes current at once, without
     * waiting for its own fsync, and the id is free. Safe because Complete* adds nothing a restart cannot rebuild:
     * without it the log ends at Prepare*, and the load completes that again (markers written twice, which readers
     * ignore). Anything stored for the id afterwards comes later in the same log, so once that is durable, so is
     * Complete*; and it is appended only after the markers are durable, so a stored Complete* never hides a lost
     * marker. The next transaction's first addition therefore waits for one fsync of the state log (its own record,
     * Complete* riding along) instead of two.
     */
    private void completed(TransactionMetadata decided) {
        String id = decided.transactionalId();
        TransactionMetadata done = decided.completed(clock.millis());
        CompletableFuture<Void> durable;
        try {
            durable = stateLog.append(done);
        } catch (LogStorageException e) {
            LOG.error("Transactional id '{}': cannot store the move to {}: {}", id, done.state(), e.getMessage());
            busy.remove(id);
            retryLater(decided);
            return;
        }
        durable.whenComplete((ignored, failure) -> {
            if (failure != null) {
                LOG.error("Transactional id '{}': the move to {} did not become durable (a restart completes the "
                        + "transaction again from {}): {}", id, done.state(), decided.state(), failure.toString());
            }
        });
        current.put(id, done);
        release(id);
    }

    private void retryLater(TransactionMetadata decided) {
        busy.add(decided.transactionalId());
        schedule(RETRY_MS, () -> {
            if (current.get(decided.transactionalId()) == decided) {
                busy.remove(decided.transactionalId());
                complete(decided);
            } else {
                release(decided.transactionalId());
            }
        });
    }

    /**
     * Appends {@code next} and makes it current once durable; the id is busy meanwhile. The future completes on
     * the coordinator thread, after {@code next} became current (or failed to).
     */
    private CompletableFuture<Void> store(TransactionMetadata next) {
        String id = next.transactionalId();
        CompletableFuture<Void> durable;
        try {
            durable = stateLog.append(next);
        } catch (LogStorageException e) {
            LOG.error("Transactional id '{}': cannot store the move to {}: {}", id, next.state(), e.getMessage());
            return CompletableFuture.failedFuture(e);
        }
        busy.add(id);
        CompletableFuture<Void> applied = new CompletableFuture<>();
        durable.whenComplete((ignored, failure) -> runOnLoop(() -> {
            busy.remove(id);
            if (failure != null) {
                LOG.error("Transactional id '{}': the move to {} did not become durable: {}", id, next.state(),
                        failure.toString());
                applied.completeExceptionally(failure);
            } else {
                if (next.state() == TransactionState.DEAD) {
                    current.remove(id);
                } else {
                    current.put(id, next);
                }
                applied.complete(null);
            }
            waiters.wake(id);   // after the request that caused the move was answered: answers keep arrival order
        }));
        return applied;
    }

    /** Aborts transactions past their timeout and forgets ids idle past transactional.id.expiration.ms. */
    private void expire() {
        long now = clock.millis();
        for (TransactionMetadata m : List.copyOf(current.values())) {
            if (busy.contains(m.transactionalId())) {
                continue;
            }
            if (m.timedOut(now)) {
                LOG.info("Transactional id '{}': aborting the transaction of producer {} epoch {}, open for {} ms "
                                + "(timeout {} ms)", m.transactionalId(), m.producerId(), m.producerEpoch(),
                        now - m.startTimestampMs(), m.timeoutMs());
                fence(m);
            } else if (m.state().isIdle() && now - m.lastUpdateMs() > settings.idExpirationMs()) {
                LOG.info("Transactional id '{}': idle for {} ms, forgotten", m.transactionalId(), now - m.lastUpdateMs());
                store(m.dead(now));
            }
        }
    }

    /** The id's transition is over: requests waiting for it may go on. */
    private void release(String transactionalId) {
        busy.remove(transactionalId);
        waiters.wake(transactionalId);
    }

    private void guardedExpire() {
        try {
            expire();
        } catch (RuntimeException e) {
            LOG.error("Transaction timeout check failed", e);
        }
    }

    private long allocate() {
        return producerIds.allocate();
    }

    // ------------------------------------------------------------------ plumbing

    private void runOnLoop(Runnable task) {
        try {
            loop.execute(() -> {
                try {
                    task.run();
                } catch (RuntimeException e) {
                    LOG.error("Transaction coordinator task failed", e);
                }
            });
        } catch (RejectedExecutionException e) {
            if (!closed) {
                throw e;
            }
        }
    }

    private Future<?> schedule(long delayMs, Runnable task) {
        try {
            return loop.schedule(task, delayMs, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            if (!closed) {
                throw e;
            }
            return CompletableFuture.completedFuture(null);
        }
    }

    private <T> CompletableFuture<T> onLoop(Supplier<CompletableFuture<T>> work) {
        return CoordinatorLoop.run(loop, LOG, "transaction", work);
    }

    private static <T> CompletableFuture<T> done(T value) {
        return CompletableFuture.completedFuture(value);
    }

    /** Stops the coordinator thread; transactions in flight complete after a restart. The log itself stays open. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        CoordinatorLoop.stop(loop, LOG, "transaction");
    }
}
