package io.spindle.broker.cluster;

import io.spindle.broker.admin.BrokerNode;
import io.spindle.broker.meta.TopicRegistry;
import io.spindle.config.CleanupPolicy;
import io.spindle.config.ClusterSettings;
import io.spindle.config.StateTopicReplication;
import io.spindle.config.TopicConfig;
import io.spindle.groups.GroupCoordinator;
import io.spindle.metadata.BrokerEndpoint;
import io.spindle.metadata.BrokerRegistration;
import io.spindle.metadata.MetadataCommand;
import io.spindle.metadata.MetadataCommand.BrokerHeartbeat;
import io.spindle.metadata.MetadataCommand.CreateTopic;
import io.spindle.metadata.MetadataCommand.FenceBroker;
import io.spindle.metadata.MetadataCommand.RegisterBroker;
import io.spindle.metadata.MetadataCommand.UnfenceBroker;
import io.spindle.metadata.MetadataException;
import io.spindle.metadata.MetadataImage;
import io.spindle.metadata.MetadataQuorum;
import io.spindle.metadata.MetadataQuorum.CommandResult;
import io.spindle.share.ShareCoordinator;
import io.spindle.txn.TransactionCoordinator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This broker's membership of the cluster, on one thread ({@code spindle-cluster-membership}): once the listener
 * is bound it registers (fenced) with its Kafka endpoint and rack, waits until its registry and logs have applied the
 * metadata up to its registration — then it has caught up with everything committed before it started — unfences,
 * creates the internal topics when the cluster has none, and sends a heartbeat every broker.heartbeat.interval.ms
 * (unfencing again if the quorum fenced it meanwhile, registering again if it forgot it). {@link #leave} fences it.
 *
 * <p>{@link #notReadyReason} says what it waits for, until it has registered, caught up and been unfenced.
 *
 * <p>{@link #inSession} says whether this broker may act as a leader: the quorum answered a heartbeat (or the unfencing)
 * sent less than broker.session.timeout.ms ago, and the image as of that answer is applied here. Measured from when
 * the answered heartbeat was sent, so a broker cut off from the quorum stops leading no later than the quorum's leader
 * fences it and hands its leaderships to others (Kafka's broker session, seen from the broker's side).
 */
final class ClusterMembership {
    private static final Logger log = LoggerFactory.getLogger(ClusterMembership.class);
    static final String LISTENER_NAME = "PLAINTEXT";
    private static final long LEAVE_TIMEOUT_MS = 2_000;

    private final ClusterSettings settings;
    private final MetadataQuorum quorum;
    private final ImageApplier applier;
    private final BrokerNode node;
    private final Optional<String> rack;
    private final int stateTopicSegmentBytes;
    private final StateTopicReplication stateTopics;
    /** When this broker joined (ms since the epoch), from which the internal topics' creation waits for brokers. */
    private volatile long joinedMs = -1;
    private final UUID incarnation = UUID.randomUUID();
    /** Whether the logs hold all they held at the last stop; said at every registration of this incarnation. */
    private final boolean logsIntact;
    private final ScheduledExecutorService thread;
    private volatile long brokerEpoch = -1;
    private volatile String waitingFor = "registering with the metadata quorum";
    private final LongSupplier nanoTime;
    /** When ({@link #nanoTime}) the last heartbeat the quorum answered was sent; valid once {@link #heard} is set. */
    private volatile long heardSentNanos;
    private volatile boolean heard;

    ClusterMembership(ClusterSettings settings, MetadataQuorum quorum, ImageApplier applier, BrokerNode node,
                      Optional<String> rack, int stateTopicSegmentBytes, StateTopicReplication stateTopics,
                      boolean logsIntact, LongSupplier nanoTime) {
        this.logsIntact = logsIntact;
        this.nanoTime = nanoTime;
        this.stateTopics = stateTopics;
        this.settings = settings;
        this.quorum = quorum;
        this.applier = applier;
        this.node = node;
        this.rack = rack;
        this.stateTopicSegmentBytes = stateTopicSegmentBytes;
        this.thread = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread membership = new Thread(runnable, "spindle-cluster-membership");
            membership.setDaemon(true);
            return membership;
        });
    }

    /** Joins the cluster in the background (the listener is bound: its port is known). */
    void join() {
        if (!logsIntact) {
            log.warn("Broker {}: its last stop was not clean and its logs may lack acknowledged records (no "
                    + "clean-shutdown record for every log, and flush.mode is not fsync or the data directory is new): "
                    + "it registers as such and leaves the in-sync and eligible leader replicas of every partition "
                    + "until it has caught up", settings.nodeId());
        }
        thread.execute(this::register);
    }

    /** This broker's epoch, -1 until it has registered. */
    long brokerEpoch() {
        return brokerEpoch;
    }

    String notReadyReason() {
        return waitingFor;
    }

    /** Whether the quorum answered this broker within its session and the image of that answer is applied here. */
    boolean inSession() {
        return heard && nanoTime.getAsLong() - heardSentNanos < TimeUnit.MILLISECONDS.toNanos(settings.sessionTimeoutMs());
    }

    /**
     * The quorum answered what was sent at {@code sentNanos} with its image at {@code offset} (a heartbeat's answer
     * counts once that image is applied here). Answers may count out of order: the latest send wins.
     */
    private synchronized void answered(long sentNanos, long offset) {
        if (heard && sentNanos - heardSentNanos <= 0) {
            return;
        }
        if (heard && !inSession()) {
            log.info("Broker {} hears from the metadata quorum again and has applied its image up to offset {}",
                    settings.nodeId(), offset);
        }
        heardSentNanos = sentNanos;
        heard = true;
    }

    private void register() {
        try {
            RegisterBroker registration = new RegisterBroker(settings.nodeId(), incarnation,
                    List.of(new BrokerEndpoint(LISTENER_NAME, node.host(), node.port())), rack, logsIntact);

            CommandResult registered = quorum.submit(registration).get();
            brokerEpoch = registered.value();
            waitingFor = "applying the metadata up to offset " + registered.image().offset();
            applier.start(quorum.image());
            applier.awaitApplied(registered.image().offset()).get();
            waitingFor = "being unfenced by the metadata quorum";
            long sent = nanoTime.getAsLong();
            CommandResult unfenced = quorum.submit(new UnfenceBroker(settings.nodeId(), brokerEpoch)).get();
            answered(sent, unfenced.image().offset());
            waitingFor = null;
            log.info("Broker {} joined the cluster with epoch {} (incarnation {}), endpoint {}:{}", settings.nodeId(),
                    brokerEpoch, incarnation, node.host(), node.port());
            joinedMs = System.currentTimeMillis();
            createInternalTopics();
            thread.scheduleWithFixedDelay(this::heartbeat, settings.heartbeatIntervalMs(),
                    settings.heartbeatIntervalMs(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | RuntimeException e) {
            log.warn("Broker {} could not join the cluster yet ({}); trying again", settings.nodeId(), e.toString());
            thread.schedule(this::register, settings.heartbeatIntervalMs(), TimeUnit.MILLISECONDS);
        }
    }

    private void heartbeat() {
        try {
            long sent = nanoTime.getAsLong();
            CommandResult answer = quorum.submit(new BrokerHeartbeat(settings.nodeId(), brokerEpoch))
                    .get(settings.sessionTimeoutMs(), TimeUnit.MILLISECONDS);
            Optional<BrokerRegistration> self = quorum.image().broker(settings.nodeId());
            if (self.isPresent() && self.get().fenced()) {
                log.info("Broker {} was fenced by the metadata quorum; unfencing", settings.nodeId());
                answer = quorum.submit(new UnfenceBroker(settings.nodeId(), brokerEpoch))
                        .get(settings.sessionTimeoutMs(), TimeUnit.MILLISECONDS);
            }
            // Leading again only with what the quorum had decided by its answer (another broker may have led
            // meanwhile), so the answer counts once that image is applied. Not waited for here: an apply that makes
            // many logs takes seconds, and heartbeats held back behind it would get this broker fenced.
            long answeredAt = answer.image().offset();
            applier.awaitApplied(answeredAt).thenRun(() -> answered(sent, answeredAt));
            createInternalTopics();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof MetadataException refused
                    && (refused.reason() == MetadataException.Reason.STALE_BROKER_EPOCH
                    || refused.reason() == MetadataException.Reason.UNKNOWN_BROKER)) {
                log.warn("Broker {} lost its registration ({}); registering again", settings.nodeId(), refused.getMessage());
                waitingFor = "registering with the metadata quorum again";
                thread.execute(this::register);
                throw new IllegalStateException("re-registering", refused);   // ends this heartbeat schedule
            }
            log.warn("Heartbeat of broker {} failed: {}", settings.nodeId(), e.getCause().toString());
        } catch (TimeoutException e) {
            log.warn("Heartbeat of broker {} not answered within {} ms: it leads nothing until one is",
                    settings.nodeId(), settings.sessionTimeoutMs());
        }
    }

    /**
     * The coordinators' internal topics, one partition each, placed by the quorum like any topic (the share state
     * topic on the offsets topic's replicas): the broker leading a partition is its coordinator. Each gets its
     * configured replication factor ({@link StateTopicReplication}), or the live brokers when fewer: so that a cluster
     * starting up does not create them on its first broker alone, the creation waits (one try per heartbeat) until as
     * many brokers are live as the factor asks, at most the voters, or until broker.session.timeout.ms has passed since
     * this broker joined. Created by whichever broker gets there first; the others see TOPIC_EXISTS.
     */
    private void createInternalTopics() throws InterruptedException {
        for (String name : List.of(GroupCoordinator.OFFSETS_TOPIC, TransactionCoordinator.STATE_TOPIC,
                ShareCoordinator.STATE_TOPIC)) {
            MetadataImage image = quorum.image();
            if (image.topic(name).isPresent()) {
                continue;
            }
            StateTopicReplication.Of wanted = switch (name) {
                case GroupCoordinator.OFFSETS_TOPIC -> stateTopics.offsets();
                case TransactionCoordinator.STATE_TOPIC -> stateTopics.transactions();
                default -> stateTopics.shares();
            };
            int live = (int) image.brokers().values().stream().filter(broker -> !broker.fenced()).count();
            boolean waitedEnough = System.currentTimeMillis() - joinedMs >= settings.sessionTimeoutMs();
            if (live < wanted.replicasWith(settings.voters().size()) && !waitedEnough) {
                return;     // the next heartbeat tries again, with more brokers live
            }
            int replicas = wanted.replicasWith(live);
            Map<String, String> configs = Map.of(TopicConfig.CLEANUP_POLICY, CleanupPolicy.COMPACT.configName(),
                    TopicConfig.RETENTION_MS, "-1", TopicConfig.RETENTION_BYTES, "-1",
                    TopicConfig.SEGMENT_BYTES, Integer.toString(stateTopicSegmentBytes),
                    TopicConfig.MIN_INSYNC_REPLICAS, Integer.toString(wanted.minInsyncWith(replicas)));
            // Share groups find their coordinator with a group key (the leader of the offsets topic), while their
            // state lives in the share state topic: placing it with the offsets partition keeps them on one broker.
            List<List<Integer>> assignment = name.equals(ShareCoordinator.STATE_TOPIC)
                    ? image.topic(GroupCoordinator.OFFSETS_TOPIC).map(offsets -> {
                        List<Integer> with = offsets.partition(0).replicas();
                        return List.of(with.subList(0, Math.min(replicas, with.size())));
                    }).orElse(List.of())
                    : List.of();
            try {
                quorum.submit(new CreateTopic(UUID.randomUUID(), name, assignment.isEmpty() ? 1 : -1,
                        assignment.isEmpty() ? replicas : -1, configs, assignment))
                        .get(settings.sessionTimeoutMs(), TimeUnit.MILLISECONDS);
                log.info("Created the internal topic {} in the cluster with {} replica(s) ({} wanted, {} broker(s) "
                        + "live)", name, assignment.isEmpty() ? replicas : assignment.get(0).size(),
                        wanted.replicationFactor(), live);
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof MetadataException refused
                        && refused.reason() == MetadataException.Reason.TOPIC_EXISTS)) {
                    log.warn("Could not create the internal topic {}: {}", name, e.getCause().toString());
                }
            } catch (TimeoutException e) {
                log.warn("Creating the internal topic {} was not answered within {} ms; trying again at the next "
                        + "heartbeat", name, settings.sessionTimeoutMs());
                return;
            }
        }
    }

    /** Stops the heartbeats and fences this broker, so that clients are sent elsewhere (bounded wait). */
    void leave() {
        thread.shutdownNow();
        long epoch = brokerEpoch;
        if (epoch < 0) {
            return;
        }
        MetadataCommand fence = new FenceBroker(settings.nodeId(), epoch);
        try {
            quorum.submit(fence).get(LEAVE_TIMEOUT_MS, TimeUnit.MILLISECONDS);
            log.info("Broker {} fenced itself before stopping", settings.nodeId());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            log.warn("Broker {} could not fence itself before stopping ({}); the quorum fences it after "
                    + "broker.session.timeout.ms", settings.nodeId(), e.toString());
        }
    }
}
