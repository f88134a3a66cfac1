package io.spindle.broker.group;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.spindle.broker.metrics.SnapshotMeters;
import io.spindle.groups.GroupCoordinator;
import io.spindle.groups.GroupStats;
import io.spindle.groups.PartitionLag;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Consumer-group meters, refreshed from the coordinator just before each scrape (the coordinator's state lives on
 * its own thread, so the meters read a snapshot taken there):
 * <ul>
 *   <li>{@code spindle_group_members{group}}: members now;</li>
 *   <li>{@code spindle_group_rebalances_total{group}}: rebalances (classic generations, consumer-protocol epochs);</li>
 *   <li>{@code spindle_group_committed_offset{group,topic,partition}} and {@code spindle_group_lag{...}}: the
 *       committed offset and the log end offset minus it.</li>
 * </ul>
 * A deleted group's meters, and those of partitions it no longer has offsets for, are removed at the next refresh.
 */
final class GroupMeters {
    private static final Logger LOG = LoggerFactory.getLogger(GroupMeters.class);

    private final GroupCoordinator coordinator;
    private final SnapshotMeters meters;

    GroupMeters(GroupCoordinator coordinator, MeterRegistry registry) {
        this.coordinator = coordinator;
        this.meters = new SnapshotMeters(registry);
    }

    /** Takes a fresh snapshot and brings the meters in line with it; waits at most a second for the coordinator. */
    synchronized void refresh() {
        List<GroupStats> stats;
        try {
            stats = coordinator.stats().get(1, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        } catch (Exception e) {
            LOG.debug("group meters not refreshed: {}", e.toString());
            return;
        }
        for (GroupStats group : stats) {
            Tags tags = Tags.of("group", group.groupId());
            meters.gauge("spindle.group.members", "Members of the group now", tags, group.members());
            meters.counter("spindle.group.rebalances", "Rebalances of the group", tags, group.rebalances());
            for (PartitionLag lag : group.lag()) {
                if (lag.logEndOffset() < 0) {
                    continue;
                }
                Tags partition = tags.and("topic", lag.topic(), "partition", Integer.toString(lag.partition()));
                meters.gauge("spindle.group.committed.offset", "The group's committed offset", partition,
                        lag.committedOffset());
                meters.gauge("spindle.group.lag", "Log end offset minus the committed offset", partition, lag.lag());
            }
        }
        meters.removeUnset();
    }
}
