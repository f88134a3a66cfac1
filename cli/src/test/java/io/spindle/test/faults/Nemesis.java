package io.spindle.test.faults;

import static org.awaitility.Awaitility.await;

import io.spindle.fixtures.CrashFs;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.IntStream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartitionInfo;
import org.awaitility.core.ConditionTimeoutException;

/**
 * The scheduler of a fault run: strikes one broker at a time with a {@link Fault}, holds it, heals it, and before the
 * next fault waits until every partition has taken writes again. The target turns between the quorum leader
 * (DescribeCluster's controller), the leader of a partition and an in-sync follower of a partition, the partitions
 * drawn from a seeded {@link Random}.
 *
 * <p>While a fault holds, the partitions led by other brokers than the struck ones ({@link FaultCluster#struck}: the
 * target, or the target and the next broker for {@link Fault#BROKER_PARTITION_PAIR}), with at least
 * {@code min.insync.replicas} replicas among those others, must keep taking writes (the fault is held at least its
 * drawn duration and until they have); after it heals, every partition must take writes again within
 * {@link #RECOVERY_TIMEOUT}. Either failing ends the run with a message naming the fault: unavailability beyond the
 * faulty brokers, or a cluster that does not come back.
 */
final class Nemesis {
    static final Duration RECOVERY_TIMEOUT = Duration.ofSeconds(90);

    /** What can strike a broker. */
    enum Fault {
        /** kill -9, then a start on the same data directory and ports (the page cache survives). */
        KILL,
        /** SIGSTOP, then SIGCONT: the broker keeps its connections and its quorum seat but answers nothing meanwhile. */
        PAUSE,
        /**
         * Its proxy drops every byte both ways between it and every client, connections left open; in a
         * {@link NamespacedCluster}, its packets to the clients vanish (their requests still reach it).
         */
        CLIENT_BLACKHOLE,
        /** Its proxy closes every client connection and resets new ones. */
        CLIENT_CUT,
        /**
         * kill -9, and its disk keeps only what was forced ({@link ProxiedCluster}'s {@link CrashFs} disk); then a
         * start on that disk. Always strikes the broker on the power-loss disk, whatever its role.
         */
        POWER_LOSS,
        /**
         * Its packets to every other broker and theirs to it vanish ({@link NamespacedCluster}); clients still reach
         * every broker. With three brokers: a minority of one, holding whatever the target held (the quorum leader, a
         * partition's leader), split from the majority.
         */
        BROKER_PARTITION,
        /** Its packets to every other broker vanish; theirs still reach it (a one-way partition). */
        BROKER_PARTITION_ONE_WAY,
        /**
         * It and the next broker (by node id, wrapping) lose each other both ways while the third reaches both: a
         * partition that is not transitive (Jepsen's "bridge").
         */
        BROKER_BRIDGE,
        /**
         * It and the next broker (by node id, wrapping) still reach each other but lose every other broker both ways;
         * clients still reach every broker. With five brokers: a minority of two split from a majority of three.
         */
        BROKER_PARTITION_PAIR
    }

    /** Whom a fault strikes, in turn. */
    private enum Target {
        /** The broker whose quorum member leads (DescribeCluster's controller). */
        QUORUM_LEADER,
        /** The leader of a partition drawn at random. */
        PARTITION_LEADER,
        /** A follower (in the ISR, not the leader) of a partition drawn at random. */
        FOLLOWER
    }

    /** One fault as it happened. */
    record Injected(Fault fault, int node, String role, Duration held) {
        @Override
        public String toString() {
            return fault + " of broker " + node + " (" + role + ") for " + held.toMillis() + " ms";
        }
    }

    private final FaultCluster cluster;
    private final Admin admin;
    private final String topic;
    private final AckHistory history;
    private final Random random;
    private final int minInSyncReplicas;
    private final List<Injected> injected = new ArrayList<>();

    /**
     * @param minInSyncReplicas the topic's {@code min.insync.replicas}: a partition with fewer replicas outside the
     *     struck brokers cannot take acks=all writes while they are cut off
     */
    Nemesis(FaultCluster cluster, Admin admin, String topic, AckHistory history, Random random, int minInSyncReplicas) {
        this.cluster = cluster;
        this.admin = admin;
        this.topic = topic;
        this.history = history;
        this.random = random;
        this.minInSyncReplicas = minInSyncReplicas;
    }

    /** Strikes a broker with {@code fault} for {@code minHold} to {@code maxHold}, heals it and awaits recovery. */
    void strike(Fault fault, Duration minHold, Duration maxHold) throws IOException {
        Map<Integer, TopicPartitionInfo> described = describe();
        Map<Integer, Integer> leaders = new HashMap<>();
        described.forEach((p, info) -> {
            if (info.leader() != null) {
                leaders.put(p, info.leader().id());
            }
        });
        Target target = Target.values()[injected.size() % Target.values().length];
        Optional<Integer> quorumLeader = target == Target.QUORUM_LEADER ? quorumLeader() : Optional.empty();
        Optional<Integer> follower = target == Target.FOLLOWER ? randomFollower(described) : Optional.empty();
        int node = fault == Fault.POWER_LOSS ? cluster.powerLossNode().orElseThrow()
                : quorumLeader.or(() -> follower).orElseGet(() -> randomLeader(leaders));
        Set<Integer> struck = cluster.struck(fault, node);
        String role = describe(node, leaders, described, quorumLeader.filter(q -> q == node).isPresent())
                + (struck.size() > 1 ? ", cut off together with brokers " + new TreeSet<>(struck) : "");
        Duration hold = minHold.plusMillis(random.nextInt((int) (maxHold.minus(minHold).toMillis() + 1)));
        long[] before = ackedPerPartition();
        long start = System.nanoTime();
        begin(fault, node);
        try {
            // Partitions led outside the struck brokers, with enough replicas outside them to take acks=all writes.
            List<Integer> others = IntStream.range(0, history.partitions())
                    .filter(p -> leaders.containsKey(p) && !struck.contains(leaders.get(p))
                            && described.get(p).replicas().stream().filter(r -> !struck.contains(r.id())).count()
                            >= minInSyncReplicas)
                    .boxed().toList();
            awaitWrites(others, before, hold, fault + " of broker " + node + ": partitions " + others
                    + " led by other brokers took no write while it held");
        } finally {
            end(fault, node);
        }
        Duration held = Duration.ofNanos(System.nanoTime() - start);
        injected.add(new Injected(fault, node, role, held));
        long[] healed = ackedPerPartition();
        awaitWrites(IntStream.range(0, history.partitions()).boxed().toList(), healed, Duration.ZERO,
                fault + " of broker " + node + ": not every partition took writes again within " + RECOVERY_TIMEOUT
                        + " after it healed");
    }

    List<Injected> injected() {
        return List.copyOf(injected);
    }

    private void begin(Fault fault, int node) throws IOException {
        switch (fault) {
            case KILL -> cluster.processes().kill(node);
            case PAUSE -> cluster.processes().pause(node);
            default -> cluster.begin(fault, node);
        }
    }

    private void end(Fault fault, int node) throws IOException {
        switch (fault) {
            case KILL -> cluster.processes().restart(node);
            case PAUSE -> cluster.processes().resume(node);
            default -> cluster.end(fault, node);
        }
    }

    /** Waits at least {@code atLeast} and until each of {@code partitions} has more acknowledgements than {@code before}. */
    private void awaitWrites(List<Integer> partitions, long[] before, Duration atLeast, String failure) {
        try {
            await().pollDelay(atLeast).pollInterval(Duration.ofMillis(50)).atMost(atLeast.plus(RECOVERY_TIMEOUT))
                    .until(() -> partitions.stream().allMatch(p -> history.ackedOn(p) > before[p]));
        } catch (ConditionTimeoutException e) {
            throw new AssertionError(failure + "; acknowledged per partition before: " + render(before)
                    + ", now: " + render(ackedPerPartition()), e);
        }
    }

    private long[] ackedPerPartition() {
        return IntStream.range(0, history.partitions()).mapToLong(history::ackedOn).toArray();
    }

    private static String render(long[] counts) {
        return Arrays.toString(counts);
    }

    /** Each partition's leader, replicas and ISR now, as the cluster says; empty when it does not answer. */
    private Map<Integer, TopicPartitionInfo> describe() {
        Map<Integer, TopicPartitionInfo> partitions = new HashMap<>();
        try {
            TopicDescription description = admin.describeTopics(List.of(topic)).allTopicNames()
                    .get(10, TimeUnit.SECONDS).get(topic);
            description.partitions().forEach(info -> partitions.put(info.partition(), info));
        } catch (ExecutionException | TimeoutException e) {
            // no answer now: the target is drawn at random below
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return partitions;
    }

    private Optional<Integer> quorumLeader() {
        try {
            Node controller = admin.describeCluster().controller().get(10, TimeUnit.SECONDS);
            return controller == null ? Optional.empty() : Optional.of(controller.id());
        } catch (ExecutionException | TimeoutException e) {
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }

    private int randomLeader(Map<Integer, Integer> leaders) {
        if (leaders.isEmpty()) {
            return randomNode();
        }
        List<Integer> led = new ArrayList<>(leaders.values());
        return led.get(random.nextInt(led.size()));
    }

    /** An in-sync replica that does not lead, of a partition drawn at random; empty when none has one. */
    private Optional<Integer> randomFollower(Map<Integer, TopicPartitionInfo> described) {
        List<TopicPartitionInfo> infos = new ArrayList<>(described.values());
        infos.sort(Comparator.comparingInt(TopicPartitionInfo::partition));
        Collections.rotate(infos, random.nextInt(Math.max(1, infos.size())));
        for (TopicPartitionInfo info : infos) {
            List<Integer> followers = info.isr().stream().map(Node::id)
                    .filter(id -> info.leader() == null || id != info.leader().id()).toList();
            if (!followers.isEmpty()) {
                return Optional.of(followers.get(random.nextInt(followers.size())));
            }
        }
        return Optional.empty();
    }

    private int randomNode() {
        List<Integer> nodes = cluster.nodes();
        return nodes.get(random.nextInt(nodes.size()));
    }

    private static String describe(int node, Map<Integer, Integer> leaders, Map<Integer, TopicPartitionInfo> described,
                                   boolean quorumLeader) {
        List<Integer> led = leaders.entrySet().stream().filter(e -> e.getValue() == node).map(Map.Entry::getKey)
                .sorted().toList();
        List<Integer> followed = described.values().stream()
                .filter(info -> info.isr().stream().anyMatch(n -> n.id() == node) && !led.contains(info.partition()))
                .map(TopicPartitionInfo::partition).sorted().toList();
        return (quorumLeader ? "quorum leader, " : "") + "leader of partitions " + led + ", in-sync follower of "
                + followed;
    }
}
