package io.spindle.broker.group;

import io.spindle.broker.ApiHandler;
import io.spindle.broker.admin.BrokerNode;
import io.spindle.broker.admin.GroupConfigs;
import io.spindle.broker.cluster.CoordinatorGate;
import io.spindle.broker.cluster.CoordinatorHome;
import io.spindle.broker.cluster.CoordinatorLocator;
import io.spindle.broker.meta.InternalTopics;
import io.spindle.broker.meta.TopicRegistry;
import io.spindle.broker.partition.Partition;
import io.spindle.broker.partition.Partitions;
import io.spindle.config.ConsumerGroupConfig;
import io.spindle.config.GroupSettings;
import io.spindle.groups.GroupCoordinator;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BiConsumer;

/**
 * The group APIs of the broker: FindCoordinator (the {@link CoordinatorLocator} names the coordinator), the classic group
 * protocol (JoinGroup, SyncGroup, Heartbeat, LeaveGroup), offsets (OffsetCommit, OffsetFetch, OffsetDelete),
 * group administration (ListGroups, DescribeGroups, DeleteGroups) and KIP-848's ConsumerGroupHeartbeat and
 * ConsumerGroupDescribe. In a cluster the coordinator follows the leadership of {@value GroupCoordinator#OFFSETS_TOPIC}
 * partition 0 ({@link CoordinatorHome}) and the coordinated APIs are gated ({@link CoordinatorGate}). The handlers only translate: topic ids to names and back, and the differences between
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
    private final GroupCoordinator coordinator;
    private final List<ApiHandler> handlers;

    /** @param others groups another coordinator keeps (share groups), for ListGroups and DeleteGroups */
    public GroupHandlers(GroupSettings settings, TopicRegistry topics, Partitions partitions,
                         CoordinatorLocator coordinators, Clock clock, OtherGroups others) {
        Partition offsets = InternalTopics.statePartition(topics, partitions, GroupCoordinator.OFFSETS_TOPIC,
                settings.offsetsSegmentBytes(), "group state");
        this.coordinator = GroupCoordinator.start(offsets.log(), InternalTopics.writer(offsets),
                new RegistryGroupTopics(topics, partitions), settings, clock);
        GroupTopicIds ids = new GroupTopicIds(topics);
        List<ApiHandler> coordinated = List.of(
                new JoinGroupHandler(coordinator, others),
                new SyncGroupHandler(coordinator),
                new HeartbeatHandler(coordinator),
                new LeaveGroupHandler(coordinator),
                new OffsetCommitHandler(coordinator, ids),
                new OffsetFetchHandler(coordinator, ids),
                new OffsetDeleteHandler(coordinator),
                new DescribeGroupsHandler(coordinator),
                new DeleteGroupsHandler(coordinator, others),
                new ConsumerGroupHeartbeatHandler(coordinator, others),
                new ConsumerGroupDescribeHandler(coordinator));
        List<ApiHandler> all = new ArrayList<>();
        all.add(new FindCoordinatorHandler(coordinators));
        all.add(new ListGroupsHandler(coordinator, others));     // every broker lists the groups it coordinates
        CoordinatorHome home = coordinators.home(GroupCoordinator.OFFSETS_TOPIC, "groups", coordinator::load,
                coordinator::unload, coordinator::isLoaded);
        for (ApiHandler handler : coordinated) {
            all.add(new CoordinatorGate(handler, home));
        }
        this.handlers = List.copyOf(all);
    }

    /** Adds the consumer-group meters to {@code metrics}, refreshed before each scrape. */
    public void bindMetrics(io.spindle.broker.metrics.BrokerMetrics metrics) {
        GroupMeters meters = new GroupMeters(coordinator, metrics.registry());
        metrics.beforeScrape(meters::refresh);
    }

    /**
     * KIP-848 groups' configs (Kafka's consumer.* group configs) as DescribeConfigs and IncrementalAlterConfigs on
     * GROUP resources see them; validated against the group.consumer.min/max.* bounds, stored in the offsets log.
     */
    public GroupConfigs configs() {
        return new GroupConfigs() {
            @Override
            public Set<String> names() {
                return ConsumerGroupConfig.groupConfigNames();
            }

            @Override
            public String documentation(String name) {
                return ConsumerGroupConfig.groupConfigDocumentation(name);
            }

            @Override
            public Map<String, String> overrides(String group) {
                return coordinator.groupConfigs(group);
            }

            @Override
            public Map<String, String> values(String group) {
                return coordinator.consumerGroupConfig(group).groupConfigValues();
            }

            @Override
            public void replace(String group, Map<String, String> overrides, boolean validateOnly) {
                coordinator.alterGroupConfigs(group, overrides, validateOnly).join();
            }

            @Override
            public void keepInMetadata(BiConsumer<String, Set<String>> forget) {
                coordinator.keepGroupConfigsInMetadata(group -> forget.accept(group, names()));
            }

            @Override
            public void apply(String group, Map<String, String> configs) {
                coordinator.applyGroupConfigs(group, configs);
            }
        };
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
