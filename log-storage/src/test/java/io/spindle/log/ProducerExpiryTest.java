package io.spindle.log;

import static io.spindle.log.TxnBatches.data;
import static io.spindle.log.TxnBatches.idempotent;
import static io.spindle.log.TxnBatches.marker;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spindle.config.CleanerSettings;
import io.spindle.config.FlushMode;
import io.spindle.config.ProducerStateSettings;
import io.spindle.config.StorageSettings;
import io.spindle.config.TopicConfig;
import io.spindle.fixtures.ManualClock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Kafka's producer.id.expiration.ms: a partition forgets a producer whose last batch or marker is older than the
 * expiration by the log's clock, unless its transaction there is open; a restart does not bring an expired producer
 * back, whether it starts from the producers' snapshot or from the batch headers.
 */
class ProducerExpiryTest {
    private static final TopicConfig CONFIG = TopicConfig.defaults().with(Map.of("segment.bytes", "1000"));
    private static final int EXPIRATION_MS = 60_000;
    private static final long IDLE = 7;
    private static final long BUSY = 8;
    private static final long TRANSACTIONAL = 9;

    @TempDir
    Path dataDir;

    private final ManualClock clock = new ManualClock(1_700_000_000_000L);
    private final List<LogManager> managers = new ArrayList<>();

    @AfterEach
    void closeAll() {
        managers.forEach(LogManager::close);
        managers.clear();
    }

    private LogManager manager() {
        // The scheduler's check is an hour away: the tests call the expiry themselves, at the clock they set.
        StorageSettings storage = StorageSettings.defaults(dataDir).withFlushMode(FlushMode.NONE)
                .withCleaner(CleanerSettings.defaults().withThreads(0))
                .withProducerState(new ProducerStateSettings(EXPIRATION_MS, 3_600_000));
        LogManager manager = LogManager.open(storage, t -> CONFIG, clock);
        managers.add(manager);
        return manager;
    }

    private PartitionLog open() {
        return manager().getOrCreate("t", 0, CONFIG);
    }

    private static Set<Long> producerIds(PartitionLog log) {
        return log.producers().stream().map(ProducerSnapshot::producerId).collect(Collectors.toSet());
    }

    private void advance(long millis) {
        clock.advance(millis);
    }

    @Test
    void aProducerIdleForTheExpirationIsForgottenAndNotBefore() {
        PartitionLog log = open();
        log.append(idempotent(IDLE, 0, clock.millis(), "a=1", "a=2"));
        advance(EXPIRATION_MS - 1);
        log.append(idempotent(BUSY, 0, clock.millis(), "b=1"));

        assertEquals(0, log.expireProducers(), "one millisecond short of the expiration");
        assertEquals(Set.of(IDLE, BUSY), producerIds(log));
        advance(1);
        assertEquals(1, log.expireProducers());
        assertEquals(Set.of(BUSY), producerIds(log), "the busy producer wrote a minute later");
        assertEquals(1, log.producerIdCount());
    }

    @Test
    void afterExpiryAProducersNextBatchMayStartAnySequenceAndAnOldRetryIsWrittenAgain() {
        PartitionLog log = open();
        AppendResult first = log.append(idempotent(IDLE, 0, clock.millis(), "a=1", "a=2"));
        assertTrue(log.append(idempotent(IDLE, 0, clock.millis(), "a=1", "a=2")).duplicate(),
                "while remembered, a retry is answered with the original offsets");
        assertThrows(OutOfOrderSequenceException.class, () -> log.append(idempotent(IDLE, 5, clock.millis(), "a=6")));

        advance(EXPIRATION_MS);
        assertEquals(1, log.expireProducers());

        // Kafka's rule for a producer it has no state of: any sequence starts it again.
        AppendResult gap = log.append(idempotent(IDLE, 5, clock.millis(), "a=6"));
        assertFalse(gap.duplicate());
        assertEquals(5, log.producers().get(0).lastSequence());

        advance(EXPIRATION_MS);
        assertEquals(1, log.expireProducers());
        AppendResult retry = log.append(idempotent(IDLE, 0, clock.millis(), "a=1", "a=2"));
        assertFalse(retry.duplicate(), "the forgotten producer's batches are no longer known");
        assertNotEquals(first.firstOffset(), retry.firstOffset());
    }

    @Test
    void aProducerWithAnOpenTransactionIsKeptUntilItsMarkerAgesOut() {
        PartitionLog log = open();
        log.append(data(TRANSACTIONAL, 0, clock.millis(), "x=1"));
        advance(10L * EXPIRATION_MS);

        assertEquals(0, log.expireProducers(), "its transaction is open");
        assertEquals(Set.of(TRANSACTIONAL), producerIds(log));

        log.append(marker(TRANSACTIONAL, true, 5, clock.millis()));
        assertEquals(5, log.transactions().coordinatorEpoch(TRANSACTIONAL));
        assertEquals(0, log.expireProducers(), "the marker is the producer's last write, just now");
        advance(EXPIRATION_MS);
        assertEquals(1, log.expireProducers());
        assertEquals(Set.of(), producerIds(log));
        assertEquals(TransactionIndex.NO_COORDINATOR_EPOCH, log.transactions().coordinatorEpoch(TRANSACTIONAL),
                "its coordinator epoch goes with it");
    }

    /**
     * {@code clean}: from the clean close's snapshot; {@code crash}: no snapshot and no checkpoint, every batch header
     * is read again. Either way the producer idle past the expiration at the restart is not there, the fresh one is.
     */
    @ParameterizedTest(name = "start: {0}")
    @ValueSource(strings = {"clean", "crash"})
    void aRestartDoesNotBringBackAProducerThatExpiredMeanwhile(String start) throws Exception {
        {
            PartitionLog log = open();
            log.append(idempotent(IDLE, 0, clock.millis(), "a=1"));
            for (int i = 0; i < 10; i++) {
                log.append(TxnBatches.plain(clock.millis(), "k" + i + "=" + "v".repeat(100)));
            }
            assertTrue(log.segmentCount() > 1, "the idle producer's batch must be in a sealed segment");
            advance(EXPIRATION_MS / 2);
            log.append(idempotent(BUSY, 0, clock.millis(), "b=1"));
            closeAll();
        }
        if (start.equals("crash")) {
            Files.delete(dataDir.resolve("t-0").resolve(ProducerStateFile.FILE_NAME));
            Files.deleteIfExists(dataDir.resolve(CleanShutdown.FILE_NAME)); // and no clean stop vouches for it
            Files.deleteIfExists(dataDir.resolve("t-0").resolve(Checkpoint.FILE_NAME));
        }
        advance(EXPIRATION_MS / 2);

        PartitionLog reopened = open();

        assertEquals(Set.of(BUSY), producerIds(reopened));
        assertEquals(1, reopened.producerIdCount());
    }

    @Test
    void theManagersCheckCoversEveryLogAndCountsTheirProducers() {
        LogManager manager = manager();
        PartitionLog a = manager.getOrCreate("t", 0, CONFIG);
        PartitionLog b = manager.getOrCreate("t", 1, CONFIG);
        a.append(idempotent(IDLE, 0, clock.millis(), "a=1"));
        b.append(idempotent(IDLE, 0, clock.millis(), "a=1"));
        b.append(idempotent(BUSY, 0, clock.millis() + EXPIRATION_MS, "b=1"));
        assertEquals(3, manager.producerIdCount());

        advance(EXPIRATION_MS);

        assertEquals(2, manager.expireProducers());
        assertEquals(1, manager.producerIdCount());
    }
}
