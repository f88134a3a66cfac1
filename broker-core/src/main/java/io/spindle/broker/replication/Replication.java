package io.spindle.broker.replication;

import io.spindle.broker.cluster.ClusterBroker;
import io.spindle.broker.partition.Partition;
import io.spindle.broker.partition.Partitions;
import io.spindle.broker.partition.Replicas;
import io.spindle.log.LeaderEpochCache;
import io.spindle.metadata.BrokerEndpoint;
import io.spindle.metadata.BrokerRegistration;
import io.spindle.metadata.MetadataImage;
import io.spindle.metadata.PartitionImage;
import io.spindle.metadata.TopicImage;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Replication of this broker's partitions, as the metadata image assigns them (docs/cluster.md, "Replication").
 *
 * <ul>
 *   <li>A partition the image has another broker lead (and this one hold a replica of) follows it
 *       ({@link Partition#follow}) and is fetched by that leader's {@link FollowerFetcher}, one thread and connection
 *       per leader.</li>
 *   <li>A partition this broker leads (the image applier made it lead) has its ISR kept by this class: every
 *       {@code replica.lag.time.max.ms / 4} (at most 250 ms) an in-sync follower not caught up for
 *       {@code replica.lag.time.max.ms} is taken out, and a follower that has caught up with the high watermark and
 *       the start of the current leader epoch is taken back in — each through the metadata quorum
 *       ({@link IsrChanges}, naming the partition epoch it saw), so a stale change is refused there. A follower being
 *       taken in counts for the high watermark from the moment the change is submitted
 *       ({@link Partition#isrExpanding}).</li>
 *   <li>When the broker stops cleanly, {@link #handOverLeaderships} moves each partition it leads to a caught-up
 *       in-sync follower first (controlled shutdown), so producers see only retries and lose nothing.</li>
 * </ul>
 *
 * <p>The internal topics are replicated like any other (by name: each broker keeps its own topic id for them, see
 * docs/cluster.md), so a coordinator that moves to another replica loads the state its predecessor acknowledged.
 *
 * <p>Thread-safe: {@link #apply} on the image applier's thread, the ISR checks on {@code spindle-isr}.
 */
public final class Replication implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Replication.class);

    /** Submits an ISR change of a partition this broker leads to the metadata quorum. */
    @FunctionalInterface
    public interface IsrChanges {
        CompletableFuture<?> change(UUID topicId, int partition, int expectedPartitionEpoch, int leader,
                                    List<Integer> isr);
    }

    /** A partition this broker leads, as the last applied image had it. */
    record Led(UUID topicId, Partition partition, PartitionImage image) {
    }

    private final int nodeId;
    private final Partitions partitions;
    private final IsrChanges isrChanges;
    private final long lagMaxMs;
    private final Clock clock;
    private final Map<Integer, FollowerFetcher> fetchers = new ConcurrentHashMap<>();
    private final Map<TopicPartition, Led> led = new ConcurrentHashMap<>();
    /** Partitions with an ISR change in flight, and the partition epoch it named. */
    private final Map<TopicPartition, Integer> changing = new ConcurrentHashMap<>();
    private final ScheduledExecutorService isrThread;
    private volatile MetadataImage image = MetadataImage.EMPTY;
    private volatile boolean closed;

    public Replication(int nodeId, Partitions partitions, IsrChanges isrChanges, long lagMaxMs, Clock clock) {
        this.nodeId = nodeId;
        this.partitions = partitions;
        this.isrChanges = isrChanges;
        this.lagMaxMs = lagMaxMs;
        this.clock = clock;
        this.isrThread = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "spindle-isr");
            thread.setDaemon(true);
            return thread;
        });
        long period = Math.max(10, Math.min(250, lagMaxMs / 4));
        isrThread.scheduleWithFixedDelay(this::checkIsr, period, period, TimeUnit.MILLISECONDS);
    }

    /**
     * Follows what {@code applied} says (after the applier made this broker lead its partitions): partitions led
     * elsewhere follow their leader and are fetched from it; those led here are watched for ISR changes.
     */
    public synchronized void apply(MetadataImage applied) {
        if (closed) {
            return;
        }
        image = applied;
        Set<TopicPartition> seen = new HashSet<>();
        for (TopicImage topic : applied.topics().values()) {
            for (PartitionImage wanted : topic.partitions()) {
                if (!wanted.replicas().contains(nodeId)) {
                    continue;
                }
                Optional<Partition> held = partitions.get(topic.name(), wanted.partition());
                if (held.isEmpty()) {
                    continue;
                }
                TopicPartition id = held.get().topicPartition();
                seen.add(id);
                try {
                    place(topic.id(), held.get(), wanted);
                } catch (RuntimeException e) {
                    log.error("Broker {}: could not follow the metadata image at offset {} for {}", nodeId,
                            applied.offset(), id, e);
                }
            }
        }
        led.keySet().retainAll(seen);
        for (FollowerFetcher fetcher : fetchers.values()) {
            for (TopicPartition id : List.copyOf(partitionsOf(fetcher))) {
                if (!seen.contains(id)) {
                    fetcher.remove(id);
                }
            }
        }
    }

    private Set<TopicPartition> partitionsOf(FollowerFetcher fetcher) {
        Set<TopicPartition> followed = new HashSet<>();
        for (Partition partition : partitions.all()) {
            if (fetcher.follows(partition.topicPartition())) {
                followed.add(partition.topicPartition());
            }
        }
        return followed;
    }

    private void place(UUID topicId, Partition partition, PartitionImage wanted) {
        TopicPartition id = partition.topicPartition();
        if (wanted.leader() == nodeId) {
            stopFetching(id, -1);
            if (partition.isLeader()) {
                led.put(id, new Led(topicId, partition, wanted));
            }
            return;
        }
        led.remove(id);
        partition.follow(new Replicas(wanted.leader(), wanted.leaderEpoch(), wanted.replicas(), wanted.isr()));
        stopFetching(id, wanted.leader());
        if (wanted.hasLeader()) {
            fetchers.computeIfAbsent(wanted.leader(), leader -> new FollowerFetcher(nodeId, leader, this::endpoint))
                    .assign(partition, wanted.leaderEpoch());
        }
    }

    /** Stops fetching {@code id} from every leader but {@code keep}. */
    private void stopFetching(TopicPartition id, int keep) {
        fetchers.forEach((leader, fetcher) -> {
            if (leader != keep) {
                fetcher.remove(id);
            }
        });
    }

    private Optional<ClusterBroker> endpoint(int brokerId) {
        Optional<BrokerRegistration> broker = image.broker(brokerId);
        if (broker.isEmpty() || broker.get().endpoints().isEmpty()) {
            return Optional.empty();
        }
        BrokerEndpoint endpoint = broker.get().endpoints().get(0);
        return Optional.of(new ClusterBroker(brokerId, endpoint.host(), endpoint.port(), Optional.empty()));
    }

    /** Shrinks and expands the ISR of the partitions led here. */
    private void checkIsr() {
        long now = clock.millis();
        for (Led each : led.values()) {
            try {
                checkIsr(each, now);
            } catch (RuntimeException e) {
                log.warn("Broker {}: checking the ISR of {} failed", nodeId, each.partition().topicPartition(), e);
            }
        }
    }

    private void checkIsr(Led each, long now) {
        Partition partition = each.partition();
        PartitionImage current = each.image();
        TopicPartition id = partition.topicPartition();
        if (!partition.isLeader() || partition.isOffline() || partition.leaderEpoch() != current.leaderEpoch()) {
            return;
        }
        Integer inFlight = changing.get(id);
        if (inFlight != null && inFlight == current.partitionEpoch()) {
            return;
        }
        List<Integer> isr = new ArrayList<>(current.isr());
        List<Integer> lagging = new ArrayList<>();
        for (int replica : current.isr()) {
            long caughtUp = partition.followerCaughtUpMs(replica);
            if (replica != nodeId && caughtUp >= 0 && now - caughtUp > lagMaxMs) {
                lagging.add(replica);
            }
        }
        isr.removeAll(lagging);
        long epochStart = epochStart(partition);
        long highWatermark = partition.highWatermark();
        List<Integer> caughtUp = new ArrayList<>();
        for (int replica : current.replicas()) {
            if (current.isr().contains(replica) || replica == nodeId) {
                continue;
            }
            long fetchOffset = partition.followerFetchOffset(replica);
            long caughtUpMs = partition.followerCaughtUpMs(replica);
            if (fetchOffset >= highWatermark && fetchOffset >= epochStart && caughtUpMs >= 0
                    && now - caughtUpMs <= lagMaxMs && image.broker(replica).map(b -> !b.fenced()).orElse(false)) {
                caughtUp.add(replica);
            }
        }
        isr.addAll(caughtUp);
        // Before the quorum may commit it: the high watermark waits for the joining followers from now on (none: a
        // follower counted at an earlier check that did not propose it is no longer waited for).
        partition.isrExpanding(caughtUp);
        if (lagging.isEmpty() && caughtUp.isEmpty()) {
            return;
        }
        // Records acknowledged between the check above and isrExpanding were counted without the joining followers: a
        // follower that lacks one may not join yet, or the quorum could make it leader without it (a reassignment
        // completes, and moves the leadership, in the very change that takes its last target replica in). From now on
        // the high watermark waits for them, so the next check proposes them (ReassignmentTest's producer during a move).
        long acknowledged = partition.highWatermark();
        if (caughtUp.stream().anyMatch(replica -> partition.followerFetchOffset(replica) < acknowledged)) {
            return;
        }
        log.info("Broker {}: ISR of {} from {} to {} (lagging {}, caught up {})", nodeId, id, current.isr(), isr,
                lagging, caughtUp);
        changing.put(id, current.partitionEpoch());
        isrChanges.change(each.topicId(), id.partition(), current.partitionEpoch(), nodeId, isr)
                .whenComplete((done, failure) -> {
                    if (failure != null) {
                        log.info("Broker {}: the ISR change of {} was not applied: {}", nodeId, id,
                                failure.toString());
                        partition.isrExpanding(List.of());
                        changing.remove(id, current.partitionEpoch());
                    }
                });
    }

    /** Where the current leader epoch began in the partition's log (a follower must have reached it to rejoin). */
    private static long epochStart(Partition partition) {
        int epoch = partition.leaderEpoch();
        for (LeaderEpochCache.Entry entry : partition.log().leaderEpochs().entries()) {
            if (entry.epoch() == epoch) {
                return entry.startOffset();
            }
        }
        return partition.logEndOffset();
    }

    /**
     * Controlled shutdown, before this broker is fenced: hands each partition it leads to an in-sync follower once
     * that follower holds everything this broker's log holds ({@link LeadershipHandover}), and returns once the
     * applied image moved them all, or after {@code timeoutMs} with the partitions still led here (the fencing then
     * moves them, without the wait for followers).
     *
     * @return whether any partition was moved
     */
    public boolean handOverLeaderships(long timeoutMs) {
        LeadershipHandover.Outcome outcome = new LeadershipHandover(nodeId, () -> led, () -> image, isrChanges)
                .run(timeoutMs);
        if (!outcome.left().isEmpty()) {
            log.warn("Broker {} could not hand over {} within {} ms; fencing moves them", nodeId, outcome.left(),
                    timeoutMs);
        }
        return !outcome.moved().isEmpty();
    }

    @Override
    public void close() {
        synchronized (this) {
            closed = true;      // no image makes a new fetcher from now on
        }
        isrThread.shutdownNow();
        List<FollowerFetcher> all = new ArrayList<>(fetchers.values());
        fetchers.clear();
        all.forEach(FollowerFetcher::close);
    }

    /** For tests and health: the leaders this broker fetches from, by the partitions it fetches. */
    Map<Integer, Set<TopicPartition>> fetching() {
        Map<Integer, Set<TopicPartition>> all = new HashMap<>();
        fetchers.forEach((leader, fetcher) -> all.put(leader, partitionsOf(fetcher)));
        return all;
    }
}
