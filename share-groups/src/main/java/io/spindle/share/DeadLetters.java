package io.spindle.share;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import io.spindle.config.ShareSettings;
import java.util.function.BiPredicate;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Copies the share-partitions' {@link RecordState#DEAD_LETTERING} records to their dead-letter topics through a
 * {@link DeadLetterSink}, and archives each once its copy is durable.
 *
 * <p>The order that loses nothing: a record becomes DEAD_LETTERING in memory, that state is written to the state log
 * ({@link ShareCoordinator#persist}), and only once it is durable is the copy sent; only once the copy is durable is
 * the record archived and that written. A crash before the first write leaves the record as it was stored before
 * (acquired, so delivered again); one after it leaves it DEAD_LETTERING, and {@link #resume} sends it again at start:
 * a record is dead-lettered at least once and archived only after. A failed copy is sent again after a pause that
 * doubles from {@value #FIRST_RETRY_MS} up to {@value #MAX_RETRY_MS} ms.
 *
 * <p>Sends and completions run on the coordinator's thread ({@code loop}), which takes a share-partition's monitor to
 * change it.
 */
final class DeadLetters {
    private static final Logger LOG = LoggerFactory.getLogger(DeadLetters.class);
    private static final long FIRST_RETRY_MS = 500;
    private static final long MAX_RETRY_MS = 30_000;

    /** Writes a share-partition's state; called holding its monitor; completes when durable. */
    interface StateWriter {
        CompletableFuture<Void> persist(ShareStateRecords.Key key, SharePartition partition);
    }

    /** The name of the key's topic, if it still exists. */
    interface TopicNames {
        Optional<String> of(ShareStateRecords.Key key);
    }

    private final DeadLetterSink sink;
    private final ScheduledExecutorService loop;
    private final TopicNames topicNames;
    private final Function<String, ShareSettings> settingsFor;
    private final BiPredicate<ShareStateRecords.Key, SharePartition> current;
    private final StateWriter writer;
    private final ConcurrentHashMap<ShareStateRecords.Key, Long> retryDelays = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, AtomicLong> perGroup = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, AtomicLong> notWritten = new ConcurrentHashMap<>();

    /**
     * @param settingsFor     a group's settings, which name its dead-letter topic (when it has none now, the record is
     *                        archived without a copy)
     * @param current         whether a share-partition is still the coordinator's for its key (not deleted or
     *                        replaced since): the dead letters of one that is not are dropped, its state not written
     */
    DeadLetters(DeadLetterSink sink, ScheduledExecutorService loop, TopicNames topicNames,
                Function<String, ShareSettings> settingsFor,
                BiPredicate<ShareStateRecords.Key, SharePartition> current, StateWriter writer) {
        this.sink = sink;
        this.loop = loop;
        this.topicNames = topicNames;
        this.settingsFor = settingsFor;
        this.current = current;
        this.writer = writer;
    }

    /**
     * Hands out what {@code partition} has to dead-letter, to be sent once {@code stateDurable} (the write of the
     * state that made them DEAD_LETTERING) completes. Call holding the partition's monitor, right after persisting.
     */
    void afterPersist(ShareStateRecords.Key key, SharePartition partition, CompletableFuture<Void> stateDurable) {
        List<SharePartition.PendingDeadLetter> letters = partition.takeDeadLetters();
        if (letters.isEmpty()) {
            return;
        }
        stateDurable.whenComplete((ignored, failure) -> execute(() -> {
            if (failure != null) {
                giveBack(key, partition, letters, failure);
            } else {
                letters.forEach(letter -> send(key, partition, letter));
            }
        }));
    }

    /** Sends what {@code partition} still has to dead-letter (at start: what a crash left DEAD_LETTERING). */
    void resume(ShareStateRecords.Key key, SharePartition partition) {
        List<SharePartition.PendingDeadLetter> letters;
        synchronized (partition) {
            letters = partition.takeDeadLetters();
        }
        if (!letters.isEmpty()) {
            LOG.info("Share group '{}': sending {} record(s) of {}:{} to the dead-letter topic again", key.group(),
                    letters.size(), key.topicId(), key.partition());
        }
        letters.forEach(letter -> send(key, partition, letter));
    }

    /** Records of {@code group} archived after their copy was durable, since the broker started. */
    long deadLettered(String group) {
        AtomicLong count = perGroup.get(group);
        return count == null ? 0 : count.get();
    }

    /** Records of {@code group} archived without a dead-letter copy since the broker started (the sink wrote none). */
    long notWritten(String group) {
        AtomicLong count = notWritten.get(group);
        return count == null ? 0 : count.get();
    }

    private void send(ShareStateRecords.Key key, SharePartition partition, SharePartition.PendingDeadLetter letter) {
        if (!current.test(key, partition)) {
            return;     // the group's state there was deleted (DeleteGroups, DeleteShareGroupOffsets) meanwhile
        }
        Optional<String> topic = topicNames.of(key);
        ShareSettings settings = settingsFor.apply(key.group());
        String target = topic.map(settings::deadLetterTopicFor).orElse(null);
        CompletableFuture<Boolean> copied;
        if (target == null) {
            // The topic is gone, or the group no longer names a dead-letter topic: nothing to copy to.
            LOG.info("Share group '{}': archiving offset {} of {}:{} without a dead-letter copy ({})", key.group(),
                    letter.offset(), topic.orElse(key.topicId().toString()), key.partition(),
                    topic.isEmpty() ? "its topic is gone" : "the group has no dead-letter topic now");
            copied = CompletableFuture.completedFuture(false);
        } else {
            try {
                copied = sink.write(new DeadLetter(key.group(), topic.get(), key.topicId(), key.partition(),
                        letter.offset(), letter.deliveryCount(), letter.reason(), target,
                        settings.deadLetterQueue()));
            } catch (RuntimeException e) {
                copied = CompletableFuture.failedFuture(e);
            }
        }
        copied.whenComplete((written, failure) -> execute(() -> {
            if (failure != null) {
                giveBack(key, partition, List.of(letter), failure);
                return;
            }
            retryDelays.remove(key);
            synchronized (partition) {
                if (current.test(key, partition) && partition.deadLettered(letter.offset())) {
                    (written ? perGroup : notWritten).computeIfAbsent(key.group(), g -> new AtomicLong())
                            .incrementAndGet();
                    writer.persist(key, partition);
                }
            }
        }));
    }

    private void giveBack(ShareStateRecords.Key key, SharePartition partition,
                          List<SharePartition.PendingDeadLetter> letters, Throwable failure) {
        synchronized (partition) {
            letters.forEach(letter -> partition.deadLetterFailed(letter.offset()));
        }
        long delay = retryDelays.merge(key, FIRST_RETRY_MS, (old, first) -> Math.min(old * 2, MAX_RETRY_MS));
        LOG.warn("Share group '{}': cannot dead-letter {} record(s) of {}:{} now ({}); trying again in {} ms",
                key.group(), letters.size(), key.topicId(), key.partition(), failure.toString(), delay);
        try {
            loop.schedule(() -> resume(key, partition), delay, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException closing) {
            LOG.debug("Share coordinator shut down; the dead letters stay pending for the next start");
        }
    }

    private void execute(Runnable task) {
        try {
            loop.execute(() -> {
                try {
                    task.run();
                } catch (RuntimeException e) {
                    LOG.error("Share coordinator dead-letter step failed", e);
                }
            });
        } catch (RejectedExecutionException closing) {
            LOG.debug("Share coordinator shut down; the dead letters stay pending for the next start");
        }
    }
}
