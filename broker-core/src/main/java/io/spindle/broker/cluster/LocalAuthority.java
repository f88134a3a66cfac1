package io.spindle.broker.cluster;

import io.spindle.broker.TopicInfo;
import io.spindle.broker.admin.BrokerNode;
import io.spindle.broker.admin.GroupConfigs;
import io.spindle.broker.meta.TopicRegistry;
import io.spindle.broker.metrics.BrokerMetrics;
import io.spindle.broker.partition.Partition;
import io.spindle.broker.partition.Partitions;
import io.spindle.broker.partition.Replicas;
import io.spindle.metadata.MetadataQuorum;
import io.spindle.txn.ProducerIds;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.errors.ElectionNotNeededException;
import org.apache.kafka.common.errors.InvalidReplicaAssignmentException;
import org.apache.kafka.common.errors.InvalidReplicationFactorException;
import org.apache.kafka.common.errors.NoReassignmentInProgressException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;

/**
 * A single broker, the default: it is the only broker and the controller, leads every partition it holds, and its
 * {@link TopicRegistry} decides every change. Producer ids come from the data directory's own reservation.
 */
public final class LocalAuthority implements MetadataAuthority {
    private final TopicRegistry topics;
    private final Partitions partitions;
    private final BrokerNode node;
    private final ProducerIds producerIds;

    public LocalAuthority(TopicRegistry topics, Partitions partitions, BrokerNode node, ProducerIds producerIds) {
        this.topics = topics;
        this.partitions = partitions;
        this.node = node;
        this.producerIds = producerIds;
    }

    @Override
    public Optional<MetadataQuorum> metadataQuorum() {
        return Optional.empty();
    }

    @Override
    public void brokerServing() {
    }

    @Override
    public int nodeId() {
        return node.nodeId();
    }

    @Override
    public boolean mayLead() {
        return true;
    }

    @Override
    public int controllerId() {
        return node.nodeId();
    }

    @Override
    public List<ClusterBroker> liveBrokers() {
        return List.of(self());
    }

    @Override
    public Optional<ClusterBroker> broker(int id) {
        return id == node.nodeId() ? Optional.of(self()) : Optional.empty();
    }

    private ClusterBroker self() {
        return new ClusterBroker(node.nodeId(), node.host(), node.port(), Optional.empty());
    }

    /**
     * The partition's own replicas; empty between a topic's registration and its logs' creation. A partition whose
     * storage failed has no leader and this node among its offline replicas, as Kafka reports a partition whose only
     * replica sits in a failed log directory.
     */
    @Override
    public Optional<PartitionLeadership> partition(String topic, int index) {
        Optional<Partition> held = partitions.get(topic, index);
        if (held.isEmpty()) {
            return Optional.empty();
        }
        Replicas replicas = held.get().replicas();
        if (held.get().isOffline()) {
            return Optional.of(new PartitionLeadership(PartitionLeadership.NO_LEADER, replicas.leaderEpoch(),
                    replicas.replicas(), replicas.isr(), List.of(node.nodeId())));
        }
        return Optional.of(new PartitionLeadership(replicas.leader(), replicas.leaderEpoch(), replicas.replicas(),
                replicas.isr(), List.of()));
    }

    @Override
    public Optional<ClusterBroker> coordinatorFor(String internalTopic) {
        return Optional.of(self());
    }

    /** Never called: a single broker leads every partition it holds, and its coordinators load at start. */
    @Override
    public void addLeadershipListener(LeadershipListener listener) {
    }

    /** A single broker has no cluster meters. */
    @Override
    public void bindMetrics(BrokerMetrics metrics) {
    }

    @Override
    public TopicInfo createTopic(NewTopic topic, boolean validateOnly) {
        if (topic.assignments().isEmpty() && topic.replicationFactor() > 1) {
            throw new InvalidReplicationFactorException("Unable to replicate the partitions of topic '"
                    + topic.name() + "' " + topic.replicationFactor() + " times: the target replication factor of "
                    + topic.replicationFactor() + " cannot be reached because only 1 broker is registered.");
        }
        int expectedIndex = 0;
        for (List<Integer> brokers : topic.assignments()) {
            if (!brokers.equals(List.of(node.nodeId()))) {
                throw new InvalidReplicaAssignmentException("Topic '" + topic.name() + "': partition " + expectedIndex
                        + " is assigned to brokers " + brokers + "; partitions must be numbered from 0 and each placed "
                        + "on the only broker, " + node.nodeId() + ".");
            }
            expectedIndex++;
        }
        return validateOnly
                ? topics.validateCreate(topic.name(), topic.partitionCount(), topic.overrides())
                : topics.create(topic.name(), topic.partitionCount(), topic.overrides());
    }

    @Override
    public TopicInfo deleteTopic(String name) {
        return topics.delete(name);
    }

    @Override
    public TopicInfo createPartitions(String name, int totalCount, boolean validateOnly) {
        return topics.increasePartitions(name, totalCount, validateOnly);
    }

    /** The coordinators store them in their logs (__consumer_offsets, __share_group_state), as they always have. */
    @Override
    public GroupConfigs groupConfigs(GroupConfigs coordinators) {
        return coordinators;
    }

    @Override
    public TopicInfo replaceTopicConfigs(String name, Map<String, String> overrides, boolean validateOnly) {
        return topics.replaceOverrides(name, overrides, validateOnly);
    }

    @Override
    public Optional<TopicInfo> getOrAutoCreate(String name) {
        return topics.getOrAutoCreate(name);
    }

    /** A single broker's partitions have one replica, itself: the only target is that broker, and nothing moves. */
    @Override
    public void reassignPartition(String topic, int partition, Optional<List<Integer>> target,
                                  boolean allowReplicationFactorChange) {
        TopicInfo info = topics.topic(topic).orElseThrow(() -> new UnknownTopicOrPartitionException("Topic '" + topic
                + "' does not exist."));
        if (partition < 0 || partition >= info.partitions()) {
            throw new UnknownTopicOrPartitionException("Partition " + partition + " of topic '" + topic
                    + "' does not exist (the topic has " + info.partitions() + " partitions).");
        }
        if (target.isEmpty()) {
            throw new NoReassignmentInProgressException("Partition " + partition + " of topic '" + topic
                    + "' has no reassignment in progress.");
        }
        for (int broker : target.get()) {
            if (broker != node.nodeId()) {
                throw new InvalidReplicaAssignmentException("Partition " + partition + " of topic '" + topic
                        + "': the target replicas " + target.get() + " name broker " + broker + ", which is not "
                        + "registered (the only broker is " + node.nodeId() + ").");
            }
        }
        if (target.get().size() != 1) {
            throw new InvalidReplicaAssignmentException("Partition " + partition + " of topic '" + topic
                    + "': the target replicas " + target.get() + " name broker " + node.nodeId() + " more than once.");
        }
    }

    @Override
    public List<PartitionReassignment> reassignments() {
        return List.of();
    }

    /** A single broker is the preferred leader of every partition, and leads it. */
    @Override
    public void electPreferredLeader(String topic, int partition) {
        TopicInfo info = topics.topic(topic).orElseThrow(() -> new UnknownTopicOrPartitionException("Topic '" + topic
                + "' does not exist."));
        if (partition < 0 || partition >= info.partitions()) {
            throw new UnknownTopicOrPartitionException("Partition " + partition + " of topic '" + topic
                    + "' does not exist (the topic has " + info.partitions() + " partitions).");
        }
        throw new ElectionNotNeededException("Partition " + partition + " of topic '" + topic + "' is led by its "
                + "preferred leader, broker " + node.nodeId() + ".");
    }

    @Override
    public ProducerIds producerIds() {
        return producerIds;
    }

    @Override
    public String notReadyReason() {
        return null;
    }

    @Override
    public void close() {
    }

    /** A single broker is the only replica of its partitions: their ISR never changes. */
    @Override
    public CompletableFuture<Void> changeIsr(String topic, int partition, int expectedPartitionEpoch,
                                             List<Integer> isr) {
        return CompletableFuture.failedFuture(new UnsupportedOperationException("A single broker is the only replica of "
                + topic + "-" + partition + ": its in-sync replicas do not change"));
    }
}
