package io.spindle.broker.cluster;

import io.spindle.broker.TopicInfo;
import io.spindle.broker.meta.TopicRegistry;
import io.spindle.broker.partition.Partition;
import io.spindle.broker.partition.Partitions;
import io.spindle.broker.partition.Replicas;
import io.spindle.log.DiskTasks;
import io.spindle.metadata.MetadataImage;
import io.spindle.metadata.PartitionImage;
import io.spindle.metadata.TopicImage;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.apache.kafka.common.Uuid;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes this broker's {@link TopicRegistry} and partition logs follow the metadata image: topics the quorum created
 * are recorded under the quorum's id (with logs for the partitions this broker hosts), deleted topics lose their
 * registry entry and logs, grown topics get their new partitions, changed configs reach the live logs. The internal
 * topics ({@code __...}) keep this broker's own id and logs (see docs/cluster.md) and take only the image's configs. Every
 * partition the image has this broker lead (internal ones too) leads at the image's leader epoch
 * ({@link Partition#lead}): a broker that was fenced and leads again does so at a higher epoch, which clients name.
 * Then the {@link LeadershipTracker} tells who listens which leaderships the image gave or took. A partition a
 * reassignment moved away from this broker stops leading and loses its log.
 *
 * <p>Images arrive on Ratis' apply thread, which must not wait on disk: each is handed to one thread
 * ({@code spindle-cluster-apply}) that applies the newest image it has not applied yet (intermediate ones are skipped:
 * the newest image holds everything they changed). {@link #awaitApplied} completes once an image at or past an
 * offset is applied.
 */
final class ImageApplier implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ImageApplier.class);
    /** An image slower than this to apply says so (creating a topic's logs is the usual cause). */
    private static final long SLOW_APPLY_MS = 100;

    private final TopicRegistry topics;
    private final Partitions partitions;
    private final int nodeId;
    private final LeadershipTracker leaderships;
    private final Consumer<MetadataImage> afterApply;
    private final ExecutorService thread;
    private final AtomicReference<MetadataImage> pending = new AtomicReference<>();
    private final SortedMap<Long, List<CompletableFuture<Void>>> waiters = new TreeMap<>();
    private volatile long appliedOffset = -1;
    private volatile boolean started;

    /** {@code afterApply} hears each image once it is applied (replication follows it from there). */
    ImageApplier(TopicRegistry topics, Partitions partitions, int nodeId, LeadershipTracker leaderships,
                 Consumer<MetadataImage> afterApply) {
        this.afterApply = afterApply;
        this.topics = topics;
        this.partitions = partitions;
        this.nodeId = nodeId;
        this.leaderships = leaderships;
        this.thread = Executors.newSingleThreadExecutor(runnable -> {
            Thread applier = new Thread(runnable, "spindle-cluster-apply");
            applier.setDaemon(true);
            return applier;
        });
    }

    /** Queues {@code image} to be applied (returns at once); before {@link #start} it is only kept. */
    void offer(MetadataImage image) {
        MetadataImage previous = pending.getAndAccumulate(image,
                (queued, offered) -> queued == null || offered.offset() >= queued.offset() ? offered : queued);
        if (previous == null && started) {
            thread.execute(this::applyPending);
        }
    }

    /**
     * Starts applying, from {@code current} on. Call only once this member has caught up with the committed log: while
     * it replays its log at start its images are past states, and applying one would delete the logs of a topic
     * created after it.
     */
    void start(MetadataImage current) {
        started = true;
        offer(current);
        thread.execute(this::applyPending);
    }

    /** The offset of the last image applied, -1 before the first. */
    long appliedOffset() {
        return appliedOffset;
    }

    /** Completes once an image at or past {@code offset} has been applied to the registry and logs. */
    CompletableFuture<Void> awaitApplied(long offset) {
        synchronized (waiters) {
            if (appliedOffset >= offset) {
                return CompletableFuture.completedFuture(null);
            }
            CompletableFuture<Void> waiter = new CompletableFuture<>();
            waiters.computeIfAbsent(offset, o -> new ArrayList<>()).add(waiter);
            return waiter;
        }
    }

    private void applyPending() {
        MetadataImage image = pending.getAndSet(null);
        if (image == null || image.offset() <= appliedOffset) {
            return;
        }
        long started = System.nanoTime();
        apply(image);
        leaderships.applied(image);
        long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
        if (tookMs > SLOW_APPLY_MS) {
            log.info("Applied the metadata image at offset {} in {} ms", image.offset(), tookMs);
        }
        List<CompletableFuture<Void>> done = new ArrayList<>();
        synchronized (waiters) {
            appliedOffset = image.offset();
            SortedMap<Long, List<CompletableFuture<Void>>> reached = waiters.headMap(appliedOffset + 1);
            reached.values().forEach(done::addAll);
            reached.clear();
        }
        done.forEach(waiter -> waiter.complete(null));
    }

    private void apply(MetadataImage image) {
        for (TopicImage wanted : image.topics().values()) {
            try {
                if (TopicRegistry.isInternal(wanted.name())) {
                    applyInternalConfigs(wanted);
                    continue;
                }
                applyTopic(wanted);
            } catch (RuntimeException e) {
                log.error("Could not apply topic '{}' of the metadata image at offset {}", wanted.name(), image.offset(), e);
            }
        }
        for (TopicInfo held : topics.all()) {
            if (!TopicRegistry.isInternal(held.name()) && !image.topics().containsKey(held.name())) {
                try {
                    topics.delete(held.name());
                } catch (RuntimeException e) {
                    log.error("Could not delete topic '{}', deleted in the metadata image at offset {}", held.name(),
                            image.offset(), e);
                }
            }
        }
        List<Runnable> leads = new ArrayList<>();
        for (TopicImage topic : image.topics().values()) {
            for (PartitionImage wanted : topic.partitions()) {
                if (wanted.leader() == nodeId) {
                    Optional<Partition> held = partitions.get(topic.name(), wanted.partition());
                    Replicas leading = new Replicas(nodeId, wanted.leaderEpoch(), wanted.replicas(), wanted.isr());
                    if (held.isPresent() && !leading.equals(held.get().replicas())) {
                        leads.add(() -> lead(held.get(), leading, image.offset()));
                    }
                }
            }
        }
        // A new leader epoch is a file forced in each log: those of a new topic's partitions overlap on several threads.
        DiskTasks.runAll("spindle-cluster-lead", leads);
        afterApply.accept(image);
        dropMovedAway(image);
    }

    /**
     * Partitions this broker holds but is no longer a replica of (a reassignment completed without it) stop leading —
     * produces waiting on them fail with NOT_LEADER_OR_FOLLOWER — and lose their logs. After {@code afterApply}, so
     * that replication has stopped fetching them.
     */
    private void dropMovedAway(MetadataImage image) {
        for (TopicImage topic : image.topics().values()) {
            if (TopicRegistry.isInternal(topic.name())) {
                continue;
            }
            for (PartitionImage wanted : topic.partitions()) {
                Optional<Partition> held = partitions.get(topic.name(), wanted.partition());
                if (held.isEmpty() || wanted.replicas().contains(nodeId)) {
                    continue;
                }
                try {
                    held.get().follow(new Replicas(wanted.leader(), wanted.leaderEpoch(), wanted.replicas(),
                            wanted.isr()));
                    topics.deleteUnhostedLog(topic.name(), wanted.partition());
                } catch (RuntimeException e) {
                    log.error("Could not drop partition {}-{}, moved to {} in the metadata image at offset {}",
                            topic.name(), wanted.partition(), wanted.replicas(), image.offset(), e);
                }
            }
        }
    }

    private void lead(Partition partition, Replicas leading, long offset) {
        try {
            partition.lead(leading);
        } catch (RuntimeException e) {
            log.error("Could not lead partition {} at leader epoch {} of the metadata image at offset {}",
                    partition.topicPartition(), leading.leaderEpoch(), offset, e);
        }
    }

    private void applyTopic(TopicImage wanted) {
        Uuid id = kafkaUuid(wanted.id());
        Optional<TopicInfo> held = topics.topic(wanted.name());
        if (held.isPresent() && !held.get().id().equals(id)) {
            topics.delete(wanted.name());       // deleted and created again under the same name
            held = Optional.empty();
        }
        int count = wanted.partitions().size();
        if (held.isEmpty()) {
            topics.adopt(wanted.name(), id, count, wanted.configs());
            return;
        }
        if (held.get().partitions() < count) {
            topics.increasePartitions(wanted.name(), count, false);
        }
        Map<String, String> overrides = topics.overrides(wanted.name());
        if (!overrides.equals(wanted.configs())) {
            topics.replaceOverrides(wanted.name(), wanted.configs(), false);
        }
        topics.createHostedLogs(wanted.name());
    }

    /**
     * An internal topic keeps this broker's own id and log (made at start, before the quorum's topic existed), but
     * takes the quorum's configs, such as the min.insync.replicas its coordinator's writes are acknowledged with.
     */
    private void applyInternalConfigs(TopicImage wanted) {
        if (topics.topic(wanted.name()).isPresent() && !topics.overrides(wanted.name()).equals(wanted.configs())) {
            topics.replaceOverrides(wanted.name(), wanted.configs(), false);
        }
    }

    static Uuid kafkaUuid(UUID id) {
        return new Uuid(id.getMostSignificantBits(), id.getLeastSignificantBits());
    }

    @Override
    public void close() {
        thread.shutdown();
        try {
            if (!thread.awaitTermination(10, TimeUnit.SECONDS)) {
                thread.shutdownNow();
            }
        } catch (InterruptedException e) {
            thread.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }
}
