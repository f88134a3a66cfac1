package io.spindle.broker.cluster;

import io.spindle.broker.TopicInfo;
import io.spindle.broker.admin.GroupConfigs;
import io.spindle.broker.meta.TopicRegistry;
import io.spindle.broker.partition.Partition;
import io.spindle.broker.partition.Partitions;
import io.spindle.broker.partition.Replicas;
import io.spindle.log.DiskTasks;
import io.spindle.metadata.MetadataImage;
import io.spindle.metadata.PartitionImage;
import io.spindle.metadata.TopicImage;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
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
 * the newest image holds everything they changed), in two stages. First the registry (topics recorded, deleted,
 * grown, their configs): from then on this broker serves the image's metadata ({@link #awaitVisible}), and an admin
 * change returns once every broker got there, as Kafka's returns once its controller committed. Then the logs of
 * the partitions this broker hosts and does not hold yet (a new topic's ~33 of 100 on each of three brokers took
 * most of a CreateTopics' time when it waited for them, docs/benchmarks.md), their leadership and replication
 * ({@link #awaitApplied}). Between the two, a request for a partition whose log is not made yet gets a retriable
 * error ({@link #logsPending}), which kafka-clients retry.
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
    private final ReachedOffset visible = new ReachedOffset();
    private final ReachedOffset applied = new ReachedOffset();
    private volatile boolean started;
    /** Where the groups' configs go, and those of the last image applied (both on the applier thread only). */
    private GroupConfigs groupConfigs = GroupConfigs.NONE;
    private SortedMap<String, SortedMap<String, String>> groupConfigsApplied = Collections.emptySortedMap();

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

    /**
     * From now on each group's configs, as every image applied has them, go to {@code target} (with the registry: a
     * change is served once they are applied), starting with those of the last image applied.
     */
    void applyGroupConfigsTo(GroupConfigs target) {
        thread.execute(() -> {
            groupConfigs = target;
            groupConfigsApplied.forEach(target::apply);
        });
    }

    /** The offset of the last image applied to the registry and the logs, -1 before the first. */
    long appliedOffset() {
        return applied.offset();
    }

    /** The offset of the last image whose metadata this broker serves (its registry follows it), -1 before the first. */
    long visibleOffset() {
        return visible.offset();
    }

    /** Completes once an image at or past {@code offset} has been applied to the registry and logs. */
    CompletableFuture<Void> awaitApplied(long offset) {
        return applied.await(offset);
    }

    /** Completes once the registry follows an image at or past {@code offset}: its metadata is served here. */
    CompletableFuture<Void> awaitVisible(long offset) {
        return visible.await(offset);
    }

    /**
     * Whether this broker serves metadata whose logs it has not finished: a partition the served image has it host
     * may have no log yet, or not lead at the image's epoch yet.
     */
    boolean logsPending() {
        return applied.offset() < visible.offset();
    }

    private void applyPending() {
        MetadataImage image = pending.getAndSet(null);
        if (image == null || image.offset() <= applied.offset()) {
            return;
        }
        long started = System.nanoTime();
        applyRegistry(image);
        visible.reach(image.offset());
        long visibleAt = System.nanoTime();
        applyLogs(image);
        leaderships.applied(image);
        applied.reach(image.offset());
        long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
        if (tookMs > SLOW_APPLY_MS) {
            log.info("Applied the metadata image at offset {} in {} ms (its metadata served after {} ms)",
                    image.offset(), tookMs, TimeUnit.NANOSECONDS.toMillis(visibleAt - started));
        }
    }

    /** Topics recorded, deleted, grown and reconfigured in the registry (no log made yet). */
    private void applyRegistry(MetadataImage image) {
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
        applyGroupConfigs(image);
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
    }

    /** Tells the coordinators of each group whose configs changed since the last image applied. */
    private void applyGroupConfigs(MetadataImage image) {
        SortedMap<String, SortedMap<String, String>> before = groupConfigsApplied;
        image.groupConfigs().forEach((group, configs) -> {
            if (!configs.equals(before.get(group))) {
                applyGroupConfigs(group, configs, image);
            }
        });
        before.keySet().forEach(group -> {
            if (!image.groupConfigs().containsKey(group)) {
                applyGroupConfigs(group, Map.of(), image);
            }
        });
        groupConfigsApplied = image.groupConfigs();
    }

    private void applyGroupConfigs(String group, Map<String, String> configs, MetadataImage image) {
        try {
            groupConfigs.apply(group, configs);
        } catch (RuntimeException e) {
            log.error("Could not apply the configs {} of group '{}' of the metadata image at offset {}", configs, group,
                    image.offset(), e);
        }
    }

    /** The logs of hosted partitions made, leaderships begun, replication told, moved-away partitions dropped. */
    private void applyLogs(MetadataImage image) {
        for (TopicImage wanted : image.topics().values()) {
            if (!TopicRegistry.isInternal(wanted.name()) && topics.topic(wanted.name()).isPresent()) {
                try {
                    topics.createHostedLogs(wanted.name());
                } catch (RuntimeException e) {
                    log.error("Could not create the logs of topic '{}' of the metadata image at offset {}",
                            wanted.name(), image.offset(), e);
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
        // A new leader epoch is a file forced in each log (but a new log's first): those overlap on several threads.
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
            topics.adoptPartitions(wanted.name(), count);
        }
        Map<String, String> overrides = topics.overrides(wanted.name());
        if (!overrides.equals(wanted.configs())) {
            topics.replaceOverrides(wanted.name(), wanted.configs(), false);
        }
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
