package io.spindle.broker.share;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.spindle.broker.metrics.SnapshotMeters;
import io.spindle.broker.TopicInfo;
import io.spindle.broker.Topics;
import io.spindle.broker.partition.Partition;
import io.spindle.broker.partition.Partitions;
import io.spindle.share.ShareCoordinator;
import io.spindle.share.SharePartition;
import io.spindle.share.ShareStateRecords;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Share-group meters, refreshed just before each scrape:
 * <ul>
 *   <li>{@code spindle_share_group_members{group}}: members now;</li>
 *   <li>{@code spindle_share_partition_in_flight{group,topic,partition}}: records in the in-flight window;</li>
 *   <li>{@code spindle_share_partition_acquired{...}}: records held by consumers now;</li>
 *   <li>{@code spindle_share_partition_available{...}}: records in the window that may be acquired (now or after their
 *       wait);</li>
 *   <li>{@code spindle_share_partition_dead_lettering{...}}: records waiting for their dead-letter copy;</li>
 *   <li>{@code spindle_share_partition_dead_letters_total{...}}: records copied to the dead-letter topic (then
 *       archived) since the broker started;</li>
 *   <li>{@code spindle_share_partition_lag{...}}: records below the high watermark still to finish;</li>
 *   <li>{@code spindle_share_partition_archived_total{...}}: records archived since the broker started (rejected,
 *       over the delivery count limit);</li>
 *   <li>{@code spindle_share_lock_timeouts_total}: records whose acquisition lock expired since the broker started;
 *       per group {@code spindle_share_group_lock_timeouts_total{group}};</li>
 *   <li>{@code spindle_share_group_deliveries_total{group,delivery_count}}: acquisitions that gave a record that
 *       delivery count (1 to 10, 10 standing for 10 and up);</li>
 *   <li>{@code spindle_share_group_dead_letters_total{group}}: records copied to the dead-letter topic;</li>
 *   <li>{@code spindle_share_group_dead_letters_not_written_total{group}}: records archived without a dead-letter copy
 *       (gone from their log, or the group's errors.deadletterqueue.topic.name does not qualify).</li>
 * </ul>
 * A deleted group's meters are removed at the next refresh.
 */
final class ShareMeters {
    private static final Logger LOG = LoggerFactory.getLogger(ShareMeters.class);

    private final ShareCoordinator coordinator;
    private final Topics topics;
    private final Partitions partitions;
    private final SnapshotMeters meters;

    ShareMeters(ShareCoordinator coordinator, Topics topics, Partitions partitions, MeterRegistry registry) {
        this.coordinator = coordinator;
        this.topics = topics;
        this.partitions = partitions;
        this.meters = new SnapshotMeters(registry);
        FunctionCounter.builder("spindle.share.lock.timeouts", coordinator, ShareCoordinator::lockTimeouts)
                .description("Records whose acquisition lock expired").register(registry);
    }

    /** Brings the meters in line with the coordinator; waits at most a second for its thread. */
    synchronized void refresh() {
        Map<String, Integer> members;
        try {
            members = coordinator.membership().memberCounts().get(1, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        } catch (Exception e) {
            LOG.debug("share meters not refreshed: {}", e.toString());
            return;
        }
        members.forEach((group, count) -> meters.gauge("spindle.share.group.members", "Members of the share group now",
                Tags.of("group", group), count));
        Map<String, long[]> deliveries = new HashMap<>();
        for (Map.Entry<ShareStateRecords.Key, SharePartition> e : coordinator.sharePartitions().entrySet()) {
            ShareStateRecords.Key key = e.getKey();
            Optional<TopicInfo> topic = topics.topic(key.topicId());
            Optional<Partition> partition = topic.flatMap(t -> partitions.get(t.name(), key.partition()));
            if (partition.isEmpty()) {
                continue;
            }
            long highWatermark = partition.get().highWatermark();
            long inFlight;
            long acquired;
            long lag;
            long archived;
            long available;
            long deadLettering;
            long deadLettered;
            long[] groupDeliveries = deliveries.computeIfAbsent(key.group(),
                    g -> new long[SharePartition.MAX_COUNTED_DELIVERY + 1]);
            SharePartition state = e.getValue();
            synchronized (state) {
                inFlight = state.inFlight();
                acquired = state.acquired();
                lag = state.lag(highWatermark);
                archived = state.archivedTotal();
                available = state.available();
                deadLettering = state.deadLettering();
                deadLettered = state.deadLetteredTotal();
                for (int count = 1; count <= SharePartition.MAX_COUNTED_DELIVERY; count++) {
                    groupDeliveries[count] += state.deliveries(count);
                }
            }
            Tags tags = Tags.of("group", key.group(), "topic", topic.get().name(), "partition",
                    Integer.toString(key.partition()));
            meters.gauge("spindle.share.partition.in.flight", "Records in the share-partition's in-flight window",
                    tags, inFlight);
            meters.gauge("spindle.share.partition.acquired", "Records held by consumers now", tags, acquired);
            meters.gauge("spindle.share.partition.lag", "Records below the high watermark still to finish", tags, lag);
            meters.counter("spindle.share.partition.archived", "Records archived since the broker started", tags,
                    archived);
            meters.gauge("spindle.share.partition.available", "Records in the window that may be acquired", tags,
                    available);
            meters.gauge("spindle.share.partition.dead.lettering", "Records waiting for their dead-letter copy", tags,
                    deadLettering);
            meters.counter("spindle.share.partition.dead.letters", "Records copied to the dead-letter topic", tags,
                    deadLettered);
        }
        for (Map.Entry<String, long[]> e : deliveries.entrySet()) {
            String group = e.getKey();
            for (int count = 1; count <= SharePartition.MAX_COUNTED_DELIVERY; count++) {
                if (e.getValue()[count] > 0) {
                    meters.counter("spindle.share.group.deliveries", "Deliveries by the delivery count they gave",
                            Tags.of("group", group, "delivery_count", Integer.toString(count)), e.getValue()[count]);
                }
            }
            meters.counter("spindle.share.group.lock.timeouts", "Records whose acquisition lock expired",
                    Tags.of("group", group), coordinator.lockTimeouts(group));
            meters.counter("spindle.share.group.dead.letters", "Records copied to the dead-letter topic",
                    Tags.of("group", group), coordinator.deadLettered(group));
            meters.counter("spindle.share.group.dead.letters.not.written", "Records archived without a dead-letter "
                    + "copy", Tags.of("group", group), coordinator.deadLettersNotWritten(group));
        }
        meters.removeUnset();
    }
}
