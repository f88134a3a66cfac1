package io.spindle.broker.cluster;

import io.spindle.broker.TopicInfo;
import io.spindle.broker.admin.GroupConfigs;
import io.spindle.broker.metrics.BrokerMetrics;
import io.spindle.metadata.MetadataQuorum;
import io.spindle.txn.ProducerIds;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * Who decides the broker's metadata, and what it says about the cluster: the brokers clients may use, each
 * partition's leader, and the changes admin requests make (topics, partitions, topic and group configs) and producer
 * ids.
 * The admin and metadata handlers ask this instead of branching on "single broker or cluster".
 *
 * <p>Two implementations: {@link LocalAuthority}, a single broker (the topic registry decides, this broker leads
 * everything; the default), and {@link QuorumAuthority}, where every change goes
 * through the metadata quorum and is applied to this broker's registry and logs from the quorum's image.
 *
 * <p>Reads are cheap and lock-free (call them on the event loops). Changes block until this broker has applied them
 * (disk writes, and in a cluster a quorum round trip): call them off the event loops, e.g. on the admin executor.
 * Changes throw Kafka's {@link org.apache.kafka.common.errors.ApiException}s naming the topic at fault.
 */
public interface MetadataAuthority extends AutoCloseable {

    /** The broker serves requests from now on (its listener is bound, so its port is known): a cluster member joins. */
    void brokerServing();

    /** This broker's node id. */
    int nodeId();

    /** The node id clients are told is the controller: this broker alone, or the quorum leader (-1 if none known). */
    int controllerId();

    /** The brokers clients may use, by id: registered and not fenced. Always includes this broker when alone. */
    List<ClusterBroker> liveBrokers();

    /**
     * Whether this broker may act as the leader of the partitions the image says it leads (and so as their
     * coordinator): a single broker always; a cluster broker while the metadata quorum answers its heartbeats within
     * broker.session.timeout.ms and it has applied the image of the last answer. A broker cut off from the quorum for
     * its session may have been fenced and replaced, so it answers NOT_LEADER_OR_FOLLOWER and NOT_COORDINATOR
     * until it hears from the quorum again. {@link #partition} and {@link #coordinatorFor} name no leader where this
     * broker would be it and may not lead.
     */
    boolean mayLead();

    /** A registered broker, fenced or not. */
    Optional<ClusterBroker> broker(int id);

    /** A partition's replicas and leader, empty when no such partition exists (yet) as far as this broker knows. */
    Optional<PartitionLeadership> partition(String topic, int index);

    /**
     * The broker coordinating what the one-partition internal topic {@code internalTopic} holds (groups, transactional
     * ids): the leader of its partition 0; a single broker itself. Empty while no broker can.
     */
    Optional<ClusterBroker> coordinatorFor(String internalTopic);

    /**
     * Tells {@code listener} when this broker starts or stops leading a partition (see {@link LeadershipListener}).
     * Add listeners while the broker starts, before {@link #brokerServing}. A single broker never calls them: it leads
     * every partition it holds from its start.
     */
    void addLeadershipListener(LeadershipListener listener);

    /**
     * Creates a topic, or only checks that it could be created.
     *
     * @return the topic as created (or as it would be)
     */
    TopicInfo createTopic(NewTopic topic, boolean validateOnly);

    /** Deletes a topic and, on the brokers holding them, its partition logs. */
    TopicInfo deleteTopic(String name);

    /** Grows a topic to {@code totalCount} partitions. */
    TopicInfo createPartitions(String name, int totalCount, boolean validateOnly);

    /** Replaces the config overrides of a topic (the complete set). */
    TopicInfo replaceTopicConfigs(String name, Map<String, String> overrides, boolean validateOnly);

    /**
     * Where the configs of GROUP resources are kept, given the coordinators that apply them ({@code coordinators}):
     * on a single broker in the coordinators' own logs ({@code coordinators} itself); in a cluster in the metadata,
     * so that any broker takes a change (checked by {@code coordinators}' rules, then submitted to the quorum) and
     * every broker's coordinators apply it from the image. Call once, while the broker starts, before
     * {@link #brokerServing}.
     */
    GroupConfigs groupConfigs(GroupConfigs coordinators);

    /**
     * The topic, created first with the broker's defaults when auto.create.topics.enable is on and the name is
     * valid; empty otherwise.
     */
    Optional<TopicInfo> getOrAutoCreate(String name);

    /**
     * Changes the in-sync replicas of a partition this broker leads (a follower fell behind or caught up), naming the
     * partition epoch the change was decided on: a change decided on a stale view is refused. Completes once the
     * cluster's metadata holds it; a single broker, the only replica of its partitions, refuses.
     */
    CompletableFuture<Void> changeIsr(String topic, int partition, int expectedPartitionEpoch, List<Integer> isr);

    /**
     * Moves a partition to the {@code target} replicas (preferred leader first; AlterPartitionReassignments): the new
     * replicas copy the leader while the old ones serve, and the move completes once they are all in sync. An empty
     * target cancels the move in progress. Returns once every live broker has applied the start (or cancellation), not
     * once the move completes.
     *
     * @param allowReplicationFactorChange false refuses a target with another number of replicas than the partition's
     * @throws org.apache.kafka.common.errors.UnknownTopicOrPartitionException    no such topic or partition
     * @throws org.apache.kafka.common.errors.InvalidReplicaAssignmentException  a target naming an unknown broker, a
     *                                                                            broker twice, or no broker
     * @throws org.apache.kafka.common.errors.NoReassignmentInProgressException  a cancel where no move is in progress
     */
    void reassignPartition(String topic, int partition, Optional<List<Integer>> target,
                           boolean allowReplicationFactorChange);

    /** The partitions being moved now, in topic and partition order. */
    List<PartitionReassignment> reassignments();

    /**
     * Makes a partition's preferred replica (its first) its leader, at a new leader epoch (ElectLeaders, preferred);
     * returns once every live broker has applied it.
     *
     * @throws org.apache.kafka.common.errors.UnknownTopicOrPartitionException     no such topic or partition
     * @throws org.apache.kafka.common.errors.ElectionNotNeededException          the preferred replica leads already
     * @throws org.apache.kafka.common.errors.PreferredLeaderNotAvailableException it is not a live in-sync replica
     */
    void electPreferredLeader(String topic, int partition);

    /**
     * This broker's member of the metadata quorum, for the APIs that describe and change the quorum itself
     * (DescribeQuorum, AddRaftVoter, RemoveRaftVoter); empty on a single broker, which has none.
     */
    Optional<MetadataQuorum> metadataQuorum();

    /** Where InitProducerId takes producer ids from: never the same id twice, in this broker or any other. */
    ProducerIds producerIds();

    /**
     * Adds this authority's meters to {@code metrics}: a cluster broker's quorum leader, commit index, metadata lag,
     * broker counts and partitions led per broker (docs/metrics.md); a single broker adds none.
     */
    void bindMetrics(BrokerMetrics metrics);

    /** Why the broker is not ready to serve (e.g. not yet caught up with the metadata), or null when it is. */
    String notReadyReason();

    /** Stops taking part: in a cluster, fences this broker (so others stop sending it clients) and leaves the quorum. */
    @Override
    void close();
}
