package io.spindle.broker.share;

import io.spindle.broker.ApiHandler;
import io.spindle.broker.ClientConnection;
import io.spindle.broker.admin.GroupConfigs;
import io.spindle.broker.cluster.CoordinatorGate;
import io.spindle.broker.cluster.CoordinatorHome;
import io.spindle.broker.cluster.CoordinatorLocator;
import io.spindle.broker.cluster.MetadataAuthority;
import io.spindle.broker.data.DataPathHandlers;
import io.spindle.broker.group.OtherGroups;
import io.spindle.broker.group.RegistryGroupTopics;
import io.spindle.broker.meta.InternalTopics;
import io.spindle.broker.meta.TopicRegistry;
import io.spindle.broker.metrics.BrokerMetrics;
import io.spindle.broker.partition.Partition;
import io.spindle.broker.partition.Partitions;
import io.spindle.config.GroupSettings;
import io.spindle.config.ShareSettings;
import io.spindle.share.ShareCoordinator;
import io.spindle.share.ShareMembership;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.BiConsumer;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import java.util.stream.Stream;
import org.apache.kafka.common.message.ListGroupsResponseData.ListedGroup;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.RequestHeader;

/**
 * The share-group APIs of the broker (KIP-932): ShareGroupHeartbeat, ShareGroupDescribe, ShareFetch,
 * ShareAcknowledge, DescribeShareGroupOffsets, AlterShareGroupOffsets and DeleteShareGroupOffsets, over a {@link ShareCoordinator} (module share-groups). Share groups also appear in ListGroups and
 * DeleteGroups through {@link #groups()}, which the group handlers take, and their configs (Kafka's group configs
 * share.record.lock.duration.ms, share.delivery.count.limit, share.auto.offset.reset) in DescribeConfigs and
 * IncrementalAlterConfigs on GROUP resources through {@link #configs()}.
 *
 * <p>In a cluster the share coordinator lives on the leader of {@value ShareCoordinator#STATE_TOPIC} partition 0 and
 * follows its leadership ({@link CoordinatorHome}); the share-group APIs of groups (heartbeats, describe, offsets) and
 * the coordinator's ReadShareGroupState and WriteShareGroupState are gated there ({@link CoordinatorGate}). ShareFetch
 * and ShareAcknowledge are served by the leader of each topic partition, which keeps that partition's share-partitions
 * in memory and reads and writes their state at the coordinator ({@link RemoteShareState}) while it is on another
 * broker.
 *
 * <p>Dead letters of share groups go to their dead-letter topic through {@link PartitionDeadLetterSink}, which appends
 * them with the data path as a produce with acks=all, or produces them to the leader of their partition on another
 * broker ({@link DeadLetterForwarder}); the coordinator decides when (module share-groups).
 *
 * <p>ShareFetch and ShareAcknowledge run on the data path's reader threads and wait in its fetch purgatory; records
 * released or timed out in a share-partition wake the fetches waiting on that partition.
 *
 * <p>Lifecycle: construct after the data path (it creates the internal topic {@value ShareCoordinator#STATE_TOPIC}
 * with one compacted partition on first start and loads the coordinator from it, blocking); {@link #close()} before
 * the data path and the log manager close.
 *
 * <p>Settings: the broker configuration's {@link ShareSettings} (group.share.*); the state topic's segment size is
 * the group coordinator's (offsets.topic.segment.bytes); the topic is compacted, which keeps it bounded.
 */
public final class ShareHandlers implements AutoCloseable {
    private final ShareCoordinator coordinator;
    private final TopicRegistry topics;
    private final Partitions partitions;
    private final List<ApiHandler> handlers;
    private final RemoteShareState remote;
    private final DeadLetterForwarder deadLetters;
    private final CoordinatorHome home;

    /**
     * @param consumerGroupExists whether the group coordinator keeps a group of that id (then a share group may not
     *                            take it); asked when a member joins
     */
    public ShareHandlers(ShareSettings settings, GroupSettings groupSettings, TopicRegistry topics, Partitions partitions,
                         DataPathHandlers dataPath, Function<String, CompletableFuture<Boolean>> consumerGroupExists,
                         CoordinatorLocator coordinators, MetadataAuthority authority, Clock clock) {
        this.topics = topics;
        this.partitions = partitions;
        this.remote = new RemoteShareState(coordinators.nodeId(), coordinators::shareCoordinator);
        this.deadLetters = new DeadLetterForwarder(authority);
        Partition state = InternalTopics.statePartition(topics, partitions, ShareCoordinator.STATE_TOPIC,
                groupSettings.offsetsSegmentBytes(), "share-group state");
        this.coordinator = ShareCoordinator.start(state.log(), InternalTopics.writer(state),
                new RegistryGroupTopics(topics, partitions), settings, clock,
                new PartitionDeadLetterSink(topics, partitions, dataPath, deadLetters, clock),
                (topicId, index) -> topics.topic(topicId).flatMap(topic -> partitions.get(topic.name(), index))
                        .filter(Partition::isLeader).map(Partition::leaderEpoch).orElse(-1),
                remote);
        coordinator.setAvailabilityListener((topicId, index) -> topics.topic(topicId)
                .flatMap(topic -> partitions.get(topic.name(), index))
                .ifPresent(partition -> dataPath.purgatory().wake(partition)));
        ShareSessions sessions = new ShareSessions(settings.maxShareSessions());
        ShareRecords records = new ShareRecords(coordinator, topics, partitions, authority);
        this.home = coordinators.home(ShareCoordinator.STATE_TOPIC, "share groups", coordinator::load,
                coordinator::unload, coordinator::isLoaded);
        BooleanSupplier coordinates = home::servesHere;
        coordinator.coordinatesWhen(coordinates);
        List<ApiHandler> all = new ArrayList<>(Stream.<ApiHandler>of(
                new ShareGroupHeartbeatHandler(coordinator.membership(), consumerGroupExists),
                new ShareGroupDescribeHandler(coordinator.membership()),
                new DescribeShareGroupOffsetsHandler(coordinator, topics, partitions),
                new AlterShareGroupOffsetsHandler(coordinator, topics, partitions, consumerGroupExists),
                new DeleteShareGroupOffsetsHandler(coordinator, topics),
                new ReadShareGroupStateHandler(coordinator),
                new WriteShareGroupStateHandler(coordinator, dataPath.readers()))
                .<ApiHandler>map(handler -> new CoordinatorGate(handler, home)).toList());
        all.add(new ShareFetchHandler(records, sessions, dataPath.readers(), dataPath.purgatory(),
                new ConnectionWatch(sessions), coordinates));
        all.add(new ShareAcknowledgeHandler(records, sessions, dataPath.readers(), coordinates));
        this.handlers = List.copyOf(all);
    }

    static ShareMembership.Client client(RequestHeader header, ClientConnection connection) {
        String host = connection.remoteAddress() == null ? "" : "/" + connection.remoteAddress().getAddress().getHostAddress();
        return new ShareMembership.Client(header.clientId() == null ? "" : header.clientId(), host);
    }

    /** One handler per share-group API. */
    public List<ApiHandler> handlers() {
        return handlers;
    }

    /** Share groups as ListGroups and DeleteGroups see them. */
    public OtherGroups groups() {
        return new OtherGroups() {
            @Override
            public CompletableFuture<List<ListedGroup>> list(Collection<String> states, Collection<String> types) {
                return coordinator.membership().list(states, types);
            }

            @Override
            public CompletableFuture<Map<String, Errors>> delete(List<String> groupIds) {
                return coordinator.delete(groupIds);
            }

            @Override
            public CompletableFuture<Boolean> exists(String groupId) {
                return coordinator.exists(groupId);
            }
        };
    }

    /** Share groups' configs (share.*) as DescribeConfigs and IncrementalAlterConfigs on GROUP resources see them. */
    public GroupConfigs configs() {
        return new GroupConfigs() {
            @Override
            public Set<String> names() {
                return ShareSettings.groupConfigNames();
            }

            @Override
            public String documentation(String name) {
                return ShareSettings.groupConfigDocumentation(name);
            }

            @Override
            public Map<String, String> overrides(String group) {
                return coordinator.groupConfigs(group);
            }

            @Override
            public Map<String, String> values(String group) {
                return coordinator.settingsFor(group).groupConfigValues();
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

    /** Adds the share-group meters to {@code metrics}, refreshed before each scrape. */
    public void bindMetrics(BrokerMetrics metrics) {
        ShareMeters meters = new ShareMeters(coordinator, topics, partitions, metrics.registry());
        metrics.beforeScrape(meters::refresh);
    }

    /** The coordinator, for in-process tools and tests. */
    public ShareCoordinator coordinator() {
        return coordinator;
    }

    @Override
    public void close() {
        coordinator.close();
        remote.close();
        deadLetters.close();
    }
}
