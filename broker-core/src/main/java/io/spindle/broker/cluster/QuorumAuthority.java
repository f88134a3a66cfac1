package io.spindle.broker.cluster;

import io.spindle.broker.TopicInfo;
import io.spindle.broker.admin.BrokerNode;
import io.spindle.broker.admin.GroupConfigs;
import io.spindle.broker.meta.TopicRegistry;
import io.spindle.broker.metrics.BrokerMetrics;
import io.spindle.broker.partition.Partition;
import io.spindle.broker.partition.Partitions;
import io.spindle.config.BrokerConfig;
import io.spindle.config.ClusterSettings;
import io.spindle.metadata.BrokerEndpoint;
import io.spindle.metadata.BrokerRegistration;
import io.spindle.metadata.MetadataCommand;
import io.spindle.broker.replication.Replication;
import io.spindle.broker.replication.UncleanElections;
import io.spindle.metadata.MetadataCommand.AlterGroupConfigs;
import io.spindle.metadata.MetadataCommand.AlterTopicConfigs;
import io.spindle.metadata.MetadataCommand.ChangePartition;
import io.spindle.metadata.MetadataCommand.ElectUncleanLeader;
import io.spindle.metadata.MetadataCommand.CreatePartitions;
import io.spindle.metadata.MetadataCommand.CreateTopic;
import io.spindle.metadata.MetadataCommand.DeleteTopic;
import io.spindle.metadata.MetadataCommand.ReassignPartition;
import io.spindle.metadata.MetadataImage;
import io.spindle.metadata.MetadataQuorum;
import io.spindle.metadata.MetadataQuorum.CommandResult;
import io.spindle.metadata.PartitionImage;
import io.spindle.metadata.TopicImage;
import io.spindle.txn.ProducerIds;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.common.errors.ApiException;
import org.apache.kafka.common.errors.ElectionNotNeededException;
import org.apache.kafka.common.errors.InterruptException;
import org.apache.kafka.common.errors.InvalidReplicaAssignmentException;
import org.apache.kafka.common.errors.InvalidReplicationFactorException;
import org.apache.kafka.common.errors.PreferredLeaderNotAvailableException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.internals.Topic;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A broker of a cluster: its member of the metadata quorum ({@link MetadataQuorum}, storage in
 * {@code <data.dir>/__cluster_metadata}), the {@link ImageApplier} that makes its registry and logs follow the
 * quorum's image, and its {@link ClusterMembership}. Reads come from this member's image. A change is checked against
 * this broker's registry (names, counts, config values: the same checks as a single broker's), submitted to the
 * quorum from this broker whichever member leads, and returns once this broker and every other live broker serve its
 * metadata ({@link BrokersApplied#visible}), so that it is visible on every broker when the call returns. As in Kafka,
 * the partition logs follow (each broker makes those it hosts right after): a produce or fetch that comes first gets
 * NOT_LEADER_OR_FOLLOWER, which clients retry. The change itself is durable once committed: a broker restarted after
 * a crash makes the logs from the quorum's image.
 *
 * <p>Partitions have as many replicas as their topic's replication factor ({@code default.replication.factor} when
 * not given); {@link Replication} makes this broker follow the partitions others lead and keeps the ISR of those it
 * leads.
 */
public final class QuorumAuthority implements MetadataAuthority {
    private static final Logger log = LoggerFactory.getLogger(QuorumAuthority.class);
    private static final long CHANGE_TIMEOUT_MS = 15_000;
    /** Bound of the controlled shutdown's wait for followers to catch up and the moves to be applied. */
    private static final long HANDOVER_TIMEOUT_MS = 5_000;
    /** A change slower than this logs where its time went (commit, apply here, apply on every broker). */
    private static final long SLOW_CHANGE_MS = 200;

    private final BrokerConfig config;
    private final TopicRegistry topics;
    private final Partitions partitions;
    private final MetadataQuorum quorum;
    private final ImageApplier applier;
    private final LeadershipTracker leaderships;
    private final ClusterMembership membership;
    private final QuorumProducerIds producerIds;
    private final BrokersApplied brokersServing;
    private final BrokersApplied brokersApplied;
    private final Replication replication;
    private final UncleanElections uncleanElections;

    private QuorumAuthority(BrokerConfig config, TopicRegistry topics, Partitions partitions, MetadataQuorum quorum,
                            ImageApplier applier, LeadershipTracker leaderships, ClusterMembership membership,
                            Replication replication, UncleanElections uncleanElections) {
        this.replication = replication;
        this.uncleanElections = uncleanElections;
        this.config = config;
        this.topics = topics;
        this.partitions = partitions;
        this.quorum = quorum;
        this.applier = applier;
        this.leaderships = leaderships;
        this.membership = membership;
        this.brokersServing = BrokersApplied.visible(quorum, config.nodeId(), System::nanoTime);
        this.brokersApplied = BrokersApplied.applied(quorum, config.nodeId(), System::nanoTime);
        this.producerIds = new QuorumProducerIds(quorum, config.nodeId(), membership::brokerEpoch, CHANGE_TIMEOUT_MS);
    }

    /**
     * Starts this broker's quorum member and makes {@code topics} host only the partitions whose replicas include
     * this broker. Call before the registry is attached to the logs; {@link #brokerServing} once the listener is bound.
     *
     * @throws UncheckedIOException when the member cannot start (its storage, its Raft port)
     */
    public static QuorumAuthority start(BrokerConfig config, ClusterSettings settings, Path dataDir, TopicRegistry topics,
                                        Partitions partitions, BrokerNode node, boolean logsIntact) {
        MetadataQuorum quorum;
        try {
            quorum = MetadataQuorum.start(settings, dataDir);
        } catch (IOException e) {
            throw new UncheckedIOException(e.getMessage(), e);
        }
        int nodeId = settings.nodeId();
        topics.hostOnly((topic, partition) -> TopicRegistry.isInternal(topic)
                || hosts(quorum.image(), topic, partition, nodeId));
        // A partition another broker may lead by now takes no produce until the image says who leads it.
        // The internal topics too: they are replicated, and only their leader's coordinator may write to them.
        partitions.awaitLeadership(topic -> true);
        Replication replication = new Replication(nodeId, partitions,
                (topicId, partition, epoch, leader, isr) -> quorum.submit(
                        new ChangePartition(topicId, partition, epoch, leader, isr)),
                config.replicaLagTimeMaxMs(), Clock.systemUTC());
        LeadershipTracker leaderships = new LeadershipTracker(partitions, nodeId);
        UncleanElections uncleanElections = new UncleanElections(nodeId, partitions,
                topic -> topics.configFor(topic).uncleanLeaderElectionEnable(),
                (topicId, partition, epoch, leader) -> quorum.submit(
                        new ElectUncleanLeader(topicId, partition, epoch, leader)));
        ImageApplier applier = new ImageApplier(topics, partitions, nodeId, leaderships, image -> {
            replication.apply(image);
            uncleanElections.check(image);
        });
        quorum.addListener(applier::offer);
        quorum.reportApplied(applier::appliedOffset);
        quorum.reportVisible(applier::visibleOffset);
        ClusterMembership membership = new ClusterMembership(settings, quorum, applier, node, config.rack(),
                config.groups().offsetsSegmentBytes(), config.stateTopicReplication(), logsIntact,
                System::nanoTime);
        return new QuorumAuthority(config, topics, partitions, quorum, applier, leaderships, membership,
                replication, uncleanElections);
    }

    private static boolean hosts(MetadataImage image, String topic, int partition, int nodeId) {
        Optional<TopicImage> known = image.topic(topic);
        return known.isPresent() && partition < known.get().partitions().size()
                && known.get().partition(partition).replicas().contains(nodeId);
    }

    @Override
    public void brokerServing() {
        membership.join();
    }

    @Override
    public int nodeId() {
        return quorum.nodeId();
    }

    @Override
    public Optional<MetadataQuorum> metadataQuorum() {
        return Optional.of(quorum);
    }

    /** This broker's quorum member: tests close it to cut the broker off from the quorum. */
    MetadataQuorum quorum() {
        return quorum;
    }

    @Override
    public boolean mayLead() {
        return membership.inSession();
    }

    @Override
    public int controllerId() {
        return quorum.leaderId().orElse(-1);
    }

    @Override
    public List<ClusterBroker> liveBrokers() {
        return quorum.image().liveBrokers().stream().map(QuorumAuthority::clusterBroker).toList();
    }

    @Override
    public Optional<ClusterBroker> broker(int id) {
        return quorum.image().broker(id).map(QuorumAuthority::clusterBroker);
    }

    private static ClusterBroker clusterBroker(BrokerRegistration registration) {
        BrokerEndpoint endpoint = registration.endpoints().get(0);
        return new ClusterBroker(registration.id(), endpoint.host(), endpoint.port(), registration.rack());
    }

    /**
     * From the image; a partition this broker leads has no leader to clients until its log exists here and leads at
     * the image's leader epoch (the applier may be a few milliseconds behind the image), and none while its storage
     * is offline. Except while the applier makes the logs of metadata it already serves: then a partition without a
     * log here, or not leading yet, is named as the image says (as Kafka names it before its log exists), so that
     * clients find their leader as soon as the call that created it returns; they retry a request that comes first.
     * One that leads here at another epoch is not named (it could still take produces at its old epoch).
     */
    @Override
    public Optional<PartitionLeadership> partition(String topic, int index) {
        Optional<TopicImage> known = quorum.image().topic(topic);
        if (known.isEmpty() || index < 0 || index >= known.get().partitions().size()) {
            return Optional.empty();
        }
        PartitionImage image = known.get().partition(index);
        int leader = image.leader();
        List<Integer> offline = List.of();
        if (leader == nodeId()) {
            Optional<Partition> held = partitions.get(topic, index);
            if (!mayLead()) {
                leader = PartitionLeadership.NO_LEADER;     // cut off from the quorum: another broker may lead by now
            } else if (held.isEmpty()) {
                leader = applier.logsPending() ? leader : PartitionLeadership.NO_LEADER;
            } else if (held.get().isOffline()) {
                leader = PartitionLeadership.NO_LEADER;
                offline = List.of(nodeId());
            } else if (held.get().leaderEpoch() != image.leaderEpoch()
                    && (held.get().isLeader() || !applier.logsPending())) {
                leader = PartitionLeadership.NO_LEADER;     // the applier has not made it lead at this epoch yet
            }
        }
        return Optional.of(new PartitionLeadership(leader, image.leaderEpoch(), image.replicas(), image.isr(), offline,
                image.elr(), image.lastKnownElr()));
    }

    @Override
    public Optional<ClusterBroker> coordinatorFor(String internalTopic) {
        return partition(internalTopic, 0).filter(PartitionLeadership::hasLeader)
                .flatMap(leadership -> broker(leadership.leader()));
    }

    @Override
    public void addLeadershipListener(LeadershipListener listener) {
        leaderships.addListener(listener);
    }

    @Override
    public TopicInfo createTopic(NewTopic topic, boolean validateOnly) {
        List<List<Integer>> assignments = topic.assignments();
        int factor = topic.replicationFactor() == -1 ? config.defaultReplicationFactor() : topic.replicationFactor();
        int live = quorum.image().liveBrokers().size();
        if (assignments.isEmpty() && factor > live) {
            throw new InvalidReplicationFactorException("Topic '" + topic.name() + "': replication factor " + factor
                    + " is larger than the " + live + " live broker(s)"
                    + (topic.replicationFactor() == -1 ? " (default.replication.factor)" : ""));
        }
        TopicInfo checked = topics.validateCreate(topic.name(), topic.partitionCount(), topic.overrides());
        if (validateOnly) {
            return checked;
        }
        int count = assignments.isEmpty() ? topic.partitionCount() : -1;
        change(new CreateTopic(UUID.randomUUID(), topic.name(), count, assignments.isEmpty() ? factor : -1,
                topic.overrides(), assignments));
        return topics.topic(topic.name()).orElseThrow(() -> new UnknownTopicOrPartitionException(
                "Topic '" + topic.name() + "' was created and deleted again meanwhile."));
    }

    @Override
    public TopicInfo deleteTopic(String name) {
        TopicInfo held = topics.topic(name).orElseThrow(() ->
                new UnknownTopicOrPartitionException("Topic '" + name + "' does not exist."));
        change(new DeleteTopic(name));
        return held;
    }

    @Override
    public TopicInfo createPartitions(String name, int totalCount, boolean validateOnly) {
        TopicInfo checked = topics.increasePartitions(name, totalCount, true);
        if (validateOnly) {
            return checked;
        }
        change(new CreatePartitions(name, totalCount, List.of()));
        return topics.topic(name).orElse(checked);
    }

    @Override
    public GroupConfigs groupConfigs(GroupConfigs coordinators) {
        coordinators.keepInMetadata(this::forgetGroupConfigs);
        applier.applyGroupConfigsTo(coordinators);
        return new QuorumGroupConfigs(quorum::image, coordinators, this::change);
    }

    /**
     * A deleted group's configs of its kind ({@code names}) leave the metadata too, as a single broker's coordinator
     * drops them with the group. Asynchronous (called on a coordinator's thread): a failure is logged, and the configs
     * then stay until removed with IncrementalAlterConfigs.
     */
    private void forgetGroupConfigs(String group, Set<String> names) {
        Set<String> held = new HashSet<>(quorum.image().groupConfigs(group).keySet());
        held.retainAll(names);
        if (held.isEmpty()) {
            return;
        }
        quorum.submit(new AlterGroupConfigs(group, Map.of(), held)).whenComplete((done, failure) -> {
            if (failure != null) {
                log.warn("Group '{}' was deleted but its configs {} stay in the metadata: {}", group, held,
                        failure.toString());
            }
        });
    }

    @Override
    public TopicInfo replaceTopicConfigs(String name, Map<String, String> overrides, boolean validateOnly) {
        TopicInfo checked = topics.replaceOverrides(name, overrides, true);
        if (validateOnly) {
            return checked;
        }
        Set<String> removed = new HashSet<>(topics.overrides(name).keySet());
        removed.removeAll(overrides.keySet());
        change(new AlterTopicConfigs(name, overrides, removed));
        return topics.topic(name).orElse(checked);
    }

    @Override
    public Optional<TopicInfo> getOrAutoCreate(String name) {
        Optional<TopicInfo> existing = topics.topic(name);
        if (existing.isPresent() || !config.autoCreateTopicsEnable() || name == null || !Topic.isValid(name)) {
            return existing;
        }
        try {
            return Optional.of(createTopic(new NewTopic(name, config.numPartitions(), (short) -1, List.of(), Map.of()),
                    false));
        } catch (TopicExistsException raced) {
            return topics.topic(name);
        } catch (ApiException refused) {
            log.info("Auto-creating topic '{}' failed: {}", name, refused.getMessage());
            return Optional.empty();
        }
    }

    /**
     * Internal topics are refused: each broker keeps its own coordinator logs of them (docs/cluster.md), so there is
     * nothing to copy.
     */
    @Override
    public void reassignPartition(String topic, int partition, Optional<List<Integer>> target,
                                  boolean allowReplicationFactorChange) {
        if (TopicRegistry.isInternal(topic)) {
            throw new InvalidReplicaAssignmentException("Topic '" + topic + "' is internal: Spindle does not move "
                    + "the partitions of internal topics yet.");
        }
        Optional<TopicImage> known = quorum.image().topic(topic);
        if (!allowReplicationFactorChange && target.isPresent() && known.isPresent() && partition >= 0
                && partition < known.get().partitions().size()) {
            int current = known.get().partition(partition).originalReplicas().size();
            if (target.get().size() != current) {
                throw new InvalidReplicationFactorException("Partition " + partition + " of topic '" + topic
                        + "': the target replicas " + target.get() + " would change its replication factor from "
                        + current + " to " + target.get().size() + ", which the request does not allow.");
            }
        }
        change(new ReassignPartition(topic, partition, target));
    }

    @Override
    public List<PartitionReassignment> reassignments() {
        List<PartitionReassignment> moving = new ArrayList<>();
        for (TopicImage topic : quorum.image().topics().values()) {
            for (PartitionImage partition : topic.partitions()) {
                if (partition.isReassigning()) {
                    moving.add(new PartitionReassignment(topic.name(), partition.partition(), partition.replicas(),
                            partition.addingReplicas(), partition.removingReplicas()));
                }
            }
        }
        return moving;
    }

    /** Through a {@link ChangePartition} naming the partition epoch seen here, so a stale view is refused. */
    @Override
    public void electPreferredLeader(String topic, int partition) {
        MetadataImage image = quorum.image();
        TopicImage known = image.topic(topic).orElseThrow(() -> new UnknownTopicOrPartitionException("Topic '"
                + topic + "' does not exist."));
        if (partition < 0 || partition >= known.partitions().size()) {
            throw new UnknownTopicOrPartitionException("Partition " + partition + " of topic '" + topic
                    + "' does not exist (the topic has " + known.partitions().size() + " partitions).");
        }
        PartitionImage current = known.partition(partition);
        int preferred = current.replicas().get(0);
        String where = "Partition " + partition + " of topic '" + topic + "'";
        if (current.leader() == preferred) {
            throw new ElectionNotNeededException(where + " is led by its preferred leader, broker " + preferred + ".");
        }
        boolean live = image.broker(preferred).map(broker -> !broker.fenced()).orElse(false);
        if (!live || !current.isr().contains(preferred)) {
            throw new PreferredLeaderNotAvailableException(where + ": its preferred leader, broker " + preferred
                    + ", is not a live in-sync replica (in-sync replicas " + current.isr() + ").");
        }
        change(new ChangePartition(known.id(), partition, current.partitionEpoch(), preferred, current.isr()));
    }

    /**
     * Submits {@code command} and waits until this broker serves its metadata (its registry follows it), then until
     * every other live broker does (bounded: see {@link BrokersApplied}), so that a client asking any broker next sees
     * the change. The logs it makes follow on each broker (see the class comment).
     */
    private void change(MetadataCommand command) {
        try {
            long started = System.nanoTime();
            long deadline = started + TimeUnit.MILLISECONDS.toNanos(CHANGE_TIMEOUT_MS);
            CommandResult result = quorum.submit(command).get(CHANGE_TIMEOUT_MS, TimeUnit.MILLISECONDS);
            long committed = System.nanoTime();
            long offset = result.image().offset();
            applier.awaitVisible(offset).get(remainingMs(deadline), TimeUnit.MILLISECONDS);
            long appliedHere = System.nanoTime();
            brokersServing.await(offset, remainingMs(deadline)).join();
            long appliedEverywhere = System.nanoTime();
            if (appliedEverywhere - started > TimeUnit.MILLISECONDS.toNanos(SLOW_CHANGE_MS)) {
                log.info("{} at offset {} took {} ms: committed after {} ms, served here after {} ms, by every live"
                        + " broker after {} ms", command.getClass().getSimpleName(), offset,
                        millis(appliedEverywhere - started), millis(committed - started), millis(appliedHere - started),
                        millis(appliedEverywhere - started));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptException(e);
        } catch (ExecutionException e) {
            throw MetadataErrors.toKafka(e);
        } catch (TimeoutException e) {
            throw new org.apache.kafka.common.errors.TimeoutException("The metadata quorum did not apply "
                    + command.getClass().getSimpleName() + " within " + CHANGE_TIMEOUT_MS + " ms");
        }
    }

    private static long millis(long nanos) {
        return TimeUnit.NANOSECONDS.toMillis(nanos);
    }

    private static long remainingMs(long deadlineNanos) {
        return Math.max(0, TimeUnit.NANOSECONDS.toMillis(deadlineNanos - System.nanoTime()));
    }

    @Override
    public CompletableFuture<Void> changeIsr(String topic, int partition, int expectedPartitionEpoch,
                                             List<Integer> isr) {
        Optional<TopicImage> known = quorum.image().topic(topic);
        if (known.isEmpty()) {
            return CompletableFuture.failedFuture(new UnknownTopicOrPartitionException("Topic '" + topic
                    + "' does not exist."));
        }
        return quorum.submit(new ChangePartition(known.get().id(), partition, expectedPartitionEpoch, nodeId(), isr))
                .thenApply(result -> null);
    }

    @Override
    public ProducerIds producerIds() {
        return producerIds;
    }

    @Override
    public void bindMetrics(BrokerMetrics metrics) {
        ClusterMeters meters = new ClusterMeters(quorum, applier, uncleanElections, metrics.registry());
        metrics.beforeScrape(meters::refresh);
    }

    /**
     * Controlled shutdown: once this broker's partitions are handed to caught-up followers and it applied that, waits
     * (bounded) until every other live broker has applied it too, so that producers sent to the new leaders find
     * them leading.
     */
    private void handOverLeaderships() {
        if (membership.brokerEpoch() < 0) {
            return;
        }
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(HANDOVER_TIMEOUT_MS);
        if (!replication.handOverLeaderships(HANDOVER_TIMEOUT_MS)) {
            return;
        }
        try {
            brokersApplied.await(applier.appliedOffset(), remainingMs(deadline)).get(remainingMs(deadline),
                    TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            log.info("Broker {}: not every broker applied the handover before it stopped ({})", nodeId(), e.toString());
        }
    }

    @Override
    public String notReadyReason() {
        // An observer the leader has not added receives no metadata: its registration waits on that, so say why.
        Optional<String> notReceiving = quorum.notReceivingReason();
        if (notReceiving.isPresent()) {
            return "broker " + nodeId() + " is " + notReceiving.get();
        }
        String waiting = membership.notReadyReason();
        return waiting == null ? null : "broker " + nodeId() + " is " + waiting;
    }

    @Override
    public void close() {
        handOverLeaderships();
        // Fencing moves what is still led here (without waiting for followers) and takes this broker out of every
        // ISR; then its followers stop.
        membership.leave();
        applier.close();
        replication.close();
        try {
            quorum.close();
        } catch (IOException e) {
            log.warn("Closing the metadata quorum member failed", e);
        }
    }
}
