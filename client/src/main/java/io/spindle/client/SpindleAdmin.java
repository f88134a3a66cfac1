package io.spindle.client;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.GroupListing;
import org.apache.kafka.clients.admin.ListGroupsOptions;
import org.apache.kafka.clients.admin.ListOffsetsResult.ListOffsetsResultInfo;
import org.apache.kafka.clients.admin.ListShareGroupOffsetsSpec;
import org.apache.kafka.clients.admin.ListTopicsOptions;
import org.apache.kafka.clients.admin.MemberDescription;
import org.apache.kafka.clients.admin.NewPartitionReassignment;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.PartitionReassignment;
import org.apache.kafka.clients.admin.ShareGroupDescription;
import org.apache.kafka.clients.admin.SharePartitionOffsetInfo;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.GroupState;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;

/**
 * Topics, consumer groups and offsets, in the terms people ask about them: "which topics", "how far behind is this
 * group", "move this group back to yesterday"; transactions through {@link #transactions()}. Every call waits at
 * most the connection's timeout and fails with a {@link SpindleException} naming the topic or group
 * ({@link UnknownTopicException}, {@link UnknownGroupException}, {@link BrokerUnreachableException}).
 * {@link #kafka()} gives the kafka-clients Admin for the rest. Thread-safe; closed with its {@link Spindle}.
 */
public final class SpindleAdmin implements AutoCloseable {
    private final Admin admin;
    private final String bootstrap;
    private final long timeoutMs;

    SpindleAdmin(Admin admin, String bootstrap, long timeoutMs) {
        this.admin = admin;
        this.bootstrap = bootstrap;
        this.timeoutMs = timeoutMs;
    }

    /** The kafka-clients Admin underneath, for what this view does not cover. Do not close it. */
    public Admin kafka() {
        return admin;
    }

    /** Transactions: transactional ids, open transactions per partition, aborting a hanging one. */
    public TransactionAdmin transactions() {
        return new TransactionAdmin(admin, bootstrap, timeoutMs);
    }

    /** A partition of a topic: its first kept offset and its end offset (the offset the next record will get). */
    public record PartitionInfo(int partition, long startOffset, long endOffset) {
        public long records() {
            return endOffset - startOffset;
        }
    }

    /**
     * @param configs       the settings given to this topic (not the broker-wide defaults)
     * @param cleanupPolicy the topic's cleanup.policy in effect ({@code delete}, {@code compact} or
     *                      {@code compact,delete}), whether given to the topic or the broker's default
     */
    public record TopicInfo(String name, List<PartitionInfo> partitions, Map<String, String> configs,
                            String cleanupPolicy) {
        /** True when the cleanup policy has compact: the log cleaner keeps the latest record of each key. */
        public boolean compacted() {
            return List.of(cleanupPolicy.split(",")).stream().map(String::strip).anyMatch("compact"::equals);
        }
    }

    /**
     * A group as listed: its id, type ({@code classic} or {@code consumer} for a consumer group, as its protocol;
     * {@code share} for a share group), state (e.g. Stable, Empty) and number of members.
     */
    public record GroupInfo(String group, String type, String state, int members) {
    }

    /**
     * How far a group is behind on one partition.
     *
     * @param committed the group's committed offset, or -1 if it has none for the partition
     * @param lag       end minus committed; when nothing is committed, end minus the partition's start offset
     * @param member    the client id of the member the partition is assigned to, or null
     */
    public record PartitionLag(String group, String topic, int partition, long committed, long end, long lag,
                               String member) {
    }

    /**
     * Where a share group stands on one partition (KIP-932).
     *
     * @param startOffset the start of its in-flight window: every record before it is done (acknowledged or archived)
     * @param lag         the records below the end it has still to finish, or -1 when the broker did not say
     */
    public record SharePartitionLag(String group, String topic, int partition, long startOffset, long lag) {
    }

    /** The share groups (KIP-932), sorted by id. */
    public List<GroupInfo> listShareGroups() {
        Collection<GroupListing> listings = await(admin.listGroups(ListGroupsOptions.forShareGroups()).all(),
                "Listing share groups", null, null);
        List<String> ids = listings.stream().map(GroupListing::groupId).sorted().toList();
        if (ids.isEmpty()) {
            return List.of();
        }
        Map<String, ShareGroupDescription> descriptions = await(admin.describeShareGroups(ids).all(),
                "Describing share groups " + ids, null, null);
        List<GroupInfo> groups = new ArrayList<>();
        for (String id : ids) {
            ShareGroupDescription description = descriptions.get(id);
            groups.add(new GroupInfo(id, "share", stateName(description.groupState()), description.members().size()));
        }
        return groups;
    }

    /** The share group's window start and lag on every partition it has state in, sorted by topic and partition. */
    public List<SharePartitionLag> shareLag(String group) {
        Map<TopicPartition, SharePartitionOffsetInfo> offsets = await(admin.listShareGroupOffsets(
                        Map.of(group, new ListShareGroupOffsetsSpec())).partitionsToOffsetInfo(group),
                "Listing the offsets of share group '" + group + "'", null, group);
        Map<TopicPartition, SharePartitionOffsetInfo> sorted = new TreeMap<>(Comparator.comparing(TopicPartition::topic)
                .thenComparingInt(TopicPartition::partition));
        offsets.forEach((partition, info) -> {
            if (info != null) {
                sorted.put(partition, info);
            }
        });
        List<SharePartitionLag> lags = new ArrayList<>();
        sorted.forEach((partition, info) -> lags.add(new SharePartitionLag(group, partition.topic(),
                partition.partition(), info.startOffset(), info.lag().orElse(-1L))));
        return lags;
    }

    /**
     * Makes a share group that has not set Kafka's group config share.auto.offset.reset start at the earliest record
     * (the broker's default is the latest): a queue's jobs produced before its first worker are done too. Leaves a
     * value the group set alone.
     */
    public void startShareGroupAtEarliestUnlessSet(String group) {
        ConfigResource resource = new ConfigResource(ConfigResource.Type.GROUP, group);
        Map<ConfigResource, Config> described = await(admin.describeConfigs(List.of(resource)).all(),
                "Describing the configs of share group '" + group + "'", null, group);
        ConfigEntry reset = described.get(resource).get(SHARE_AUTO_OFFSET_RESET);
        if (reset != null && reset.source() == ConfigEntry.ConfigSource.DYNAMIC_GROUP_CONFIG) {
            return;
        }
        await(admin.incrementalAlterConfigs(Map.of(resource, List.of(new AlterConfigOp(
                        new ConfigEntry(SHARE_AUTO_OFFSET_RESET, "earliest"), AlterConfigOp.OpType.SET)))).all(),
                "Setting share.auto.offset.reset of share group '" + group + "'", null, group);
    }

    private static final String SHARE_AUTO_OFFSET_RESET = "share.auto.offset.reset";

    public void createTopic(String name, int partitions, Map<String, String> configs) {
        NewTopic topic = new NewTopic(name, Optional.of(partitions), Optional.empty()).configs(configs);
        await(admin.createTopics(List.of(topic)).all(), "Creating topic '" + name + "'", name, null);
    }

    /** Creates the topic unless it exists already. */
    public void ensureTopic(String name, int partitions) {
        try {
            admin.createTopics(List.of(new NewTopic(name, Optional.of(partitions), Optional.empty())))
                    .all().get(timeoutMs, java.util.concurrent.TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof TopicExistsException)) {
                throw KafkaCalls.translate(e.getCause(), timeoutMs, bootstrap, "Creating topic '" + name + "'", name, null);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SpindleException("Interrupted while creating topic '" + name + "'", e);
        } catch (java.util.concurrent.TimeoutException e) {
            throw KafkaCalls.unreachable(bootstrap, timeoutMs, "Creating topic '" + name + "'", e);
        }
    }

    /** The topics' names, sorted; internal topics (__consumer_offsets) only if asked. */
    public SortedSet<String> listTopics(boolean internal) {
        return new TreeSet<>(await(admin.listTopics(new ListTopicsOptions().listInternal(internal)).names(),
                "Listing topics", null, null));
    }

    public int partitionCount(String topic) {
        return describe(topic).partitions().size();
    }

    public TopicInfo describeTopic(String topic) {
        TopicDescription description = describe(topic);
        List<TopicPartition> partitions = new ArrayList<>();
        description.partitions().forEach(p -> partitions.add(new TopicPartition(topic, p.partition())));
        Map<TopicPartition, Long> starts = offsets(partitions, OffsetSpec.earliest());
        Map<TopicPartition, Long> ends = offsets(partitions, OffsetSpec.latest());
        List<PartitionInfo> infos = new ArrayList<>();
        for (TopicPartition partition : partitions) {
            infos.add(new PartitionInfo(partition.partition(), starts.get(partition), ends.get(partition)));
        }
        infos.sort(Comparator.comparingInt(PartitionInfo::partition));
        ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
        Config config = await(admin.describeConfigs(List.of(resource)).all(), "Describing the settings of topic '"
                + topic + "'", topic, null).get(resource);
        Map<String, String> configs = new TreeMap<>();
        for (ConfigEntry entry : config.entries()) {
            if (entry.source() == ConfigEntry.ConfigSource.DYNAMIC_TOPIC_CONFIG) {
                configs.put(entry.name(), entry.value());
            }
        }
        ConfigEntry policy = config.get(TopicConfig.CLEANUP_POLICY_CONFIG);
        return new TopicInfo(topic, infos, configs, policy == null || policy.value() == null
                ? TopicConfig.CLEANUP_POLICY_DELETE : policy.value());
    }

    private TopicDescription describe(String topic) {
        return await(admin.describeTopics(List.of(topic)).allTopicNames(), "Describing topic '" + topic + "'",
                topic, null).get(topic);
    }

    public void deleteTopic(String topic) {
        await(admin.deleteTopics(List.of(topic)).all(), "Deleting topic '" + topic + "'", topic, null);
    }

    /** Sets {@code set} and removes {@code remove} (back to the broker's default) on the topic. */
    public void alterTopicConfig(String topic, Map<String, String> set, Collection<String> remove) {
        List<AlterConfigOp> ops = new ArrayList<>();
        set.forEach((key, value) -> ops.add(new AlterConfigOp(new ConfigEntry(key, value), AlterConfigOp.OpType.SET)));
        remove.forEach(key -> ops.add(new AlterConfigOp(new ConfigEntry(key, null), AlterConfigOp.OpType.DELETE)));
        ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
        describe(topic);    // an unknown topic gets its own error, not a generic config failure
        await(admin.incrementalAlterConfigs(Map.of(resource, ops)).all(), "Changing the settings of topic '"
                + topic + "'", topic, null);
    }

    /** Offsets of the partitions per {@code spec}: earliest, latest or for a timestamp (-1 where none). */
    public Map<TopicPartition, Long> offsets(Collection<TopicPartition> partitions, OffsetSpec spec) {
        Map<TopicPartition, OffsetSpec> query = new HashMap<>();
        partitions.forEach(partition -> query.put(partition, spec));
        String topics = partitions.stream().map(TopicPartition::topic).distinct().sorted().toList().toString();
        Map<TopicPartition, ListOffsetsResultInfo> found = await(admin.listOffsets(query).all(),
                "Listing offsets of " + topics, partitions.size() == 1 ? partitions.iterator().next().topic() : null, null);
        Map<TopicPartition, Long> result = new HashMap<>();
        found.forEach((partition, info) -> result.put(partition, info.offset()));
        return result;
    }

    /** Each partition's replicas (preferred leader first), by partition index. */
    public SortedMap<Integer, List<Integer>> replicas(String topic) {
        SortedMap<Integer, List<Integer>> replicas = new TreeMap<>();
        describe(topic).partitions().forEach(p -> replicas.put(p.partition(),
                p.replicas().stream().map(Node::id).toList()));
        return replicas;
    }

    /**
     * Starts moving each partition to its replicas (preferred leader first), or cancels its move when empty
     * (AlterPartitionReassignments); returns once the moves have started, not once they are complete.
     */
    public void reassign(String topic, Map<Integer, Optional<List<Integer>>> moves) {
        Map<TopicPartition, Optional<NewPartitionReassignment>> request = new LinkedHashMap<>();
        moves.forEach((partition, target) -> request.put(new TopicPartition(topic, partition),
                target.map(NewPartitionReassignment::new)));
        await(admin.alterPartitionReassignments(request).all(), "Reassigning the partitions of topic '" + topic + "'",
                topic, null);
    }

    /** The topic's partitions being moved now (ListPartitionReassignments), by partition index. */
    public SortedMap<Integer, PartitionReassignment> reassignments(String topic) {
        Set<TopicPartition> partitions = new HashSet<>(partitions(topic));
        Map<TopicPartition, PartitionReassignment> moving = await(
                admin.listPartitionReassignments(partitions).reassignments(),
                "Listing the reassignments of topic '" + topic + "'", topic, null);
        SortedMap<Integer, PartitionReassignment> byIndex = new TreeMap<>();
        moving.forEach((partition, reassignment) -> byIndex.put(partition.partition(), reassignment));
        return byIndex;
    }

    /** The partitions of a topic. */
    public List<TopicPartition> partitions(String topic) {
        List<TopicPartition> partitions = new ArrayList<>();
        describe(topic).partitions().forEach(p -> partitions.add(new TopicPartition(topic, p.partition())));
        return partitions;
    }

    /** The consumer groups, sorted by id. */
    public List<GroupInfo> listGroups() {
        Collection<GroupListing> listings = await(admin.listGroups(ListGroupsOptions.forConsumerGroups()).all(),
                "Listing consumer groups", null, null);
        List<String> ids = listings.stream().map(GroupListing::groupId).sorted().toList();
        if (ids.isEmpty()) {
            return List.of();
        }
        Map<String, String> types = new HashMap<>();
        listings.forEach(listing -> types.put(listing.groupId(),
                listing.type().map(type -> type.toString().toLowerCase(Locale.ROOT)).orElse("consumer")));
        Map<String, ConsumerGroupDescription> descriptions = await(admin.describeConsumerGroups(ids).all(),
                "Describing consumer groups " + ids, null, null);
        List<GroupInfo> groups = new ArrayList<>();
        for (String id : ids) {
            ConsumerGroupDescription description = descriptions.get(id);
            groups.add(new GroupInfo(id, types.get(id), stateName(description.groupState()),
                    description.members().size()));
        }
        return groups;
    }

    /** The group's description; {@link UnknownGroupException} if the broker does not know it. */
    public ConsumerGroupDescription describeGroup(String group) {
        ConsumerGroupDescription description = await(admin.describeConsumerGroups(List.of(group)).all(),
                "Describing consumer group '" + group + "'", null, group).get(group);
        if (description.groupState() == GroupState.DEAD && committedOffsets(group).isEmpty()) {
            throw new UnknownGroupException(group, null);
        }
        return description;
    }

    public static String stateName(GroupState state) {
        return state == null ? "Unknown" : state.toString();
    }

    /** The group's committed offsets, by partition. */
    public Map<TopicPartition, Long> committedOffsets(String group) {
        Map<TopicPartition, OffsetAndMetadata> committed = await(
                admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata(),
                "Listing the committed offsets of consumer group '" + group + "'", null, group);
        Map<TopicPartition, Long> result = new HashMap<>();
        committed.forEach((partition, offset) -> {
            if (offset != null) {
                result.put(partition, offset.offset());
            }
        });
        return result;
    }

    /** Sets the group's committed offsets; the broker refuses while the group has members. */
    public void commitOffsets(String group, Map<TopicPartition, Long> offsets) {
        Map<TopicPartition, OffsetAndMetadata> commit = new HashMap<>();
        offsets.forEach((partition, offset) -> commit.put(partition, new OffsetAndMetadata(offset)));
        await(admin.alterConsumerGroupOffsets(group, commit).all(), "Setting the offsets of consumer group '"
                + group + "'", null, group);
    }

    public void deleteGroup(String group) {
        await(admin.deleteConsumerGroups(List.of(group)).all(), "Deleting consumer group '" + group + "'", null, group);
    }

    /**
     * The group's lag on every partition it has committed offsets for or is assigned, sorted by topic and partition.
     */
    public List<PartitionLag> lag(String group) {
        ConsumerGroupDescription description = describeGroup(group);
        Map<TopicPartition, String> owners = new HashMap<>();
        for (MemberDescription member : description.members()) {
            member.assignment().topicPartitions().forEach(partition -> owners.put(partition, member.clientId()));
        }
        Map<TopicPartition, Long> committed = committedOffsets(group);
        Set<TopicPartition> partitions = new TreeSet<>(Comparator.comparing(TopicPartition::topic)
                .thenComparingInt(TopicPartition::partition));
        partitions.addAll(committed.keySet());
        partitions.addAll(owners.keySet());
        if (partitions.isEmpty()) {
            return List.of();
        }
        Map<TopicPartition, Long> ends = offsets(partitions, OffsetSpec.latest());
        Map<TopicPartition, Long> starts = offsets(partitions, OffsetSpec.earliest());
        List<PartitionLag> lags = new ArrayList<>();
        for (TopicPartition partition : partitions) {
            long end = ends.get(partition);
            Long offset = committed.get(partition);
            long lag = offset == null ? end - starts.get(partition) : Math.max(0, end - offset);
            lags.add(new PartitionLag(group, partition.topic(), partition.partition(), offset == null ? -1 : offset,
                    end, lag, owners.get(partition)));
        }
        return lags;
    }

    /** Lag of every consumer group. */
    public Map<String, List<PartitionLag>> lag() {
        Map<String, List<PartitionLag>> all = new LinkedHashMap<>();
        for (GroupInfo group : listGroups()) {
            all.put(group.group(), lag(group.group()));
        }
        return all;
    }

    private <T> T await(KafkaFuture<T> future, String what, String topic, String group) {
        return KafkaCalls.await(future, timeoutMs, bootstrap, what, topic, group);
    }

    @Override
    public void close() {
        admin.close(java.time.Duration.ofMillis(timeoutMs));
    }
}
