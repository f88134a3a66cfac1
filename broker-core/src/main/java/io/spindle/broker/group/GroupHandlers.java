package io.spindle.broker.group;

import io.spindle.broker.ApiHandler;
import io.spindle.broker.admin.BrokerNode;
import io.spindle.broker.meta.TopicRegistry;
import io.spindle.broker.partition.Partitions;
import io.spindle.config.CleanupPolicy;
import io.spindle.config.GroupSettings;
import io.spindle.config.TopicConfig;
import io.spindle.groups.GroupCoordinator;
import io.spindle.log.PartitionLog;
import java.time.Clock;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The group APIs of the broker: FindCoordinator (this broker coordinates every group), the classic group
 * protocol (JoinGroup, SyncGroup, Heartbeat, LeaveGroup), offsets (OffsetCommit, OffsetFetch, OffsetDelete),
 * group administration (ListGroups, DescribeGroups, DeleteGroups) and KIP-848's ConsumerGroupHeartbeat and
 * ConsumerGroupDescribe. The handlers only translate: topic ids to names and back, and the differences between
 * versions; the {@link GroupCoordinator} does the rest on its own thread, so nothing here blocks an event loop.
 *
 * <p>Lifecycle: construct after the topic registry is attached to the log manager (it creates the internal topic
 * {@value GroupCoordinator#OFFSETS_TOPIC} with one partition and cleanup.policy=compact on first start, sets an
 * existing one back to compact if it was altered, and loads the coordinator from it, blocking); {@link #close()}
 * before the log manager closes. Compaction alone keeps the topic's size bounded.
 *
 * <p>Settings: the broker configuration's {@link GroupSettings} section (its group.* and offsets.* keys).
 */
public final class GroupHandlers implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(GroupHandlers.class);

    private final GroupCoordinator coordinator;
    private final List<ApiHandler> handlers;

    public GroupHandlers(GroupSettings settings, TopicRegistry topics, Partitions partitions, BrokerNode node,
                         Clock clock) {
        this(settings, topics, partitions, node, clock, OtherGroups.NONE);
    }

    /** @param others groups another coordinator keeps (share groups), for ListGroups and DeleteGroups */
    public GroupHandlers(GroupSettings settings, TopicRegistry topics, Partitions partitions, BrokerNode node,
                         Clock clock, OtherGroups others) {
        PartitionLog offsetsLog = offsetsLog(topics, partitions, settings);
        this.coordinator = GroupCoordinator.start(offsetsLog, new RegistryGroupTopics(topics, partitions), settings, clock);
        GroupTopicIds ids = new GroupTopicIds(topics);
        this.handlers = List.of(
                new FindCoordinatorHandler(node),
                new JoinGroupHandler(coordinator, others),
                new SyncGroupHandler(coordinator),
                new HeartbeatHandler(coordinator),
                new LeaveGroupHandler(coordinator),
                new OffsetCommitHandler(coordinator, ids),
                new OffsetFetchHandler(coordinator, ids),
                new OffsetDeleteHandler(coordinator),
                new ListGroupsHandler(coordinator, others),
                new DescribeGroupsHandler(coordinator),
                new DeleteGroupsHandler(coordinator, others),
                new ConsumerGroupHeartbeatHandler(coordinator, others),
                new ConsumerGroupDescribeHandler(coordinator));
    }

    /** The partition log of the internal offsets topic, the topic created first if it does not exist. */
    private static PartitionLog offsetsLog(TopicRegistry topics, Partitions partitions, GroupSettings settings) {
        String name = GroupCoordinator.OFFSETS_TOPIC;
        if (topics.topic(name).isEmpty()) {
            Map<String, String> overrides = new HashMap<>();
            overrides.put(TopicConfig.CLEANUP_POLICY, "compact");
            overrides.put(TopicConfig.RETENTION_MS, "-1");
            overrides.put(TopicConfig.RETENTION_BYTES, "-1");
            overrides.put(TopicConfig.SEGMENT_BYTES, Integer.toString(settings.offsetsSegmentBytes()));
            topics.create(name, 1, overrides);
            log.info("Created the internal topic {} for group state", name);
        } else if (topics.configFor(name).cleanupPolicy() != CleanupPolicy.COMPACT) {
            // The coordinator no longer trims the log itself: compaction alone bounds it, and time or size
            // retention would delete committed offsets. A data dir whose topic was altered gets compact back.
            Map<String, String> overrides = new HashMap<>(topics.overrides(name));
            String was = topics.configFor(name).cleanupPolicy().configName();
            overrides.put(TopicConfig.CLEANUP_POLICY, CleanupPolicy.COMPACT.configName());
            topics.replaceOverrides(name, overrides, false);
            log.warn("The internal topic {} had cleanup.policy={}; set it to compact, which keeps every group's state",
                    name, was);
        }
        return partitions.get(name, 0).orElseThrow(() -> new IllegalStateException(
                "the internal topic " + name + " has no partition 0 log under the data directory")).log();
    }

    /** Adds the consumer-group meters to {@code metrics}, refreshed before each scrape. */
    public void bindMetrics(io.spindle.broker.metrics.BrokerMetrics metrics) {
        GroupMeters meters = new GroupMeters(coordinator, metrics.registry());
        metrics.beforeScrape(meters::refresh);
    }

    /** One handler per group API. */
    public List<ApiHandler> handlers() {
        return handlers;
    }

    /** The coordinator, for in-process tools (lag, listing). */
    public GroupCoordinator coordinator() {
        return coordinator;
    }

    @Override
    public void close() {
        coordinator.close();
    }
}
