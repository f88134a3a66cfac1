package io.spindle.txn;

import io.spindle.config.FlushMode;
import io.spindle.config.TopicConfig;
import io.spindle.config.TransactionSettings;
import io.spindle.fixtures.ManualClock;
import io.spindle.log.FlushPolicy;
import io.spindle.log.LogManager;
import io.spindle.log.PartitionLog;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/** A coordinator over a real partition log of __transaction_state, with markers and group completions recorded. */
abstract class CoordinatorFixture {
    static final TopicPartition A = new TopicPartition("orders", 0);
    static final TopicPartition B = new TopicPartition("orders", 1);
    static final TransactionSettings SETTINGS = new TransactionSettings(60_000, 20, 3_600_000, 64 * 1024, 2);

    @TempDir
    Path dataDir;
    final ManualClock clock = new ManualClock(1_000_000);
    final AtomicLong nextProducerId = new AtomicLong(100);
    final Markers markers = new Markers();
    final List<String> completedGroups = new CopyOnWriteArrayList<>();
    LogManager logs;
    TransactionCoordinator coordinator;

    /**
     * The markers the coordinator asked for, as "COMMIT pid/epoch [partitions]"; each completes at once unless held,
     * and held ones are written by {@link #release()}.
     */
    static final class Markers implements TransactionMarkers {
        final List<String> written = new CopyOnWriteArrayList<>();
        private final List<Runnable> held = new CopyOnWriteArrayList<>();
        volatile boolean hold;

        @Override
        public CompletableFuture<Void> write(long producerId, short producerEpoch, boolean commit,
                                             Collection<TopicPartition> partitions) {
            List<String> names = new ArrayList<>();
            partitions.forEach(tp -> names.add(tp.toString()));
            names.sort(null);
            String marker = (commit ? "COMMIT " : "ABORT ") + producerId + "/" + producerEpoch + " " + names;
            if (hold) {
                CompletableFuture<Void> later = new CompletableFuture<>();
                held.add(() -> {
                    written.add(marker);
                    later.complete(null);
                });
                return later;
            }
            written.add(marker);
            return CompletableFuture.completedFuture(null);
        }

        void release() {
            hold = false;
            held.forEach(Runnable::run);
            held.clear();
        }
    }

    @BeforeEach
    void open() {
        start();
    }

    @AfterEach
    void close() {
        coordinator.close();
        logs.close();
    }

    void start() {
        TopicConfig config = TopicConfig.defaults().with(Map.of(TopicConfig.CLEANUP_POLICY, "compact",
                TopicConfig.SEGMENT_BYTES, Integer.toString(64 * 1024)));
        logs = LogManager.open(dataDir, new FlushPolicy(FlushMode.NONE, 1000, 10_000), 60_000, topic -> config, clock);
        PartitionLog log = logs.getOrCreate(TransactionCoordinator.STATE_TOPIC, 0, config);
        coordinator = TransactionCoordinator.start(log, SETTINGS, nextProducerId::getAndIncrement, markers,
                (group, producerId, commit) -> {
                    completedGroups.add((commit ? "COMMIT " : "ABORT ") + group + " " + producerId);
                    return CompletableFuture.completedFuture(null);
                }, clock);
    }

    void restart() {
        close();
        start();
    }

    Transactions.ProducerIdAndEpoch init(String id) {
        return coordinator.initProducerId(id, 10_000, -1, (short) -1).join();
    }

    TransactionState state(String id) {
        return coordinator.describe(id).orElseThrow().state();
    }
}
