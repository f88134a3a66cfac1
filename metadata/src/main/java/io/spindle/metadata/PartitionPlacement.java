package io.spindle.metadata;

import io.spindle.metadata.MetadataException.Reason;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Where new partitions' replicas go: over the live (unfenced) brokers of an image, given how many leaders and
 * replicas each already has, so that leaders and replicas stay balanced over the cluster, and, when every live
 * broker has a rack, each partition's replicas are spread over as many racks as possible. A broker without a rack
 * counts as a rack of its own (so a cluster with racks on some brokers only is placed as if without racks).
 *
 * <p>Pure and deterministic (ties go to the lower broker id): every quorum member places the same way from the
 * same image, which is why placement runs when a command is applied, not when it is submitted.
 *
 * <p>Greedy, per partition: the leader is the live broker with the fewest leaders (then fewest replicas); each
 * further replica is the broker, not yet in the partition, on the rack least used by the partition (then with the
 * fewest replicas).
 */
public final class PartitionPlacement {
    private PartitionPlacement() {
    }

    /**
     * Replica lists for {@code count} new partitions of {@code replicationFactor} replicas each, preferred leader
     * first.
     *
     * @throws MetadataException INVALID_REPLICATION_FACTOR when fewer brokers are live than replicas are asked for
     */
    public static List<List<Integer>> place(MetadataImage image, int count, int replicationFactor) {
        List<BrokerRegistration> live = new ArrayList<>(image.liveBrokers());
        if (replicationFactor < 1) {
            throw new MetadataException(Reason.INVALID_REPLICATION_FACTOR,
                    "Replication factor must be at least 1, not " + replicationFactor);
        }
        if (live.size() < replicationFactor) {
            throw new MetadataException(Reason.INVALID_REPLICATION_FACTOR, "Replication factor " + replicationFactor
                    + " is larger than the " + live.size() + " live broker(s) " + ids(live));
        }
        boolean racksKnown = live.stream().allMatch(b -> b.rack().isPresent());
        Map<Integer, String> rackOf = new HashMap<>();
        for (BrokerRegistration broker : live) {
            rackOf.put(broker.id(), racksKnown ? broker.rack().orElseThrow() : "broker-" + broker.id());
        }
        Map<Integer, Integer> leaders = new HashMap<>();
        Map<Integer, Integer> replicas = new HashMap<>();
        for (BrokerRegistration broker : live) {
            leaders.put(broker.id(), 0);
            replicas.put(broker.id(), 0);
        }
        for (TopicImage topic : image.topics().values()) {
            for (PartitionImage partition : topic.partitions()) {
                leaders.computeIfPresent(partition.leader(), (id, n) -> n + 1);
                for (int replica : partition.replicas()) {
                    replicas.computeIfPresent(replica, (id, n) -> n + 1);
                }
            }
        }
        List<Integer> brokerIds = live.stream().map(BrokerRegistration::id).sorted().toList();
        List<List<Integer>> placed = new ArrayList<>(count);
        for (int p = 0; p < count; p++) {
            int leader = brokerIds.stream().min(Comparator.<Integer>comparingInt(leaders::get)
                    .thenComparingInt(replicas::get).thenComparingInt(id -> id)).orElseThrow();
            List<Integer> chosen = new ArrayList<>(List.of(leader));
            Map<String, Integer> racksUsed = new HashMap<>(Map.of(rackOf.get(leader), 1));
            while (chosen.size() < replicationFactor) {
                int next = brokerIds.stream().filter(id -> !chosen.contains(id))
                        .min(Comparator.<Integer>comparingInt(id -> racksUsed.getOrDefault(rackOf.get(id), 0))
                                .thenComparingInt(replicas::get).thenComparingInt(id -> id))
                        .orElseThrow();
                chosen.add(next);
                racksUsed.merge(rackOf.get(next), 1, Integer::sum);
            }
            leaders.merge(leader, 1, Integer::sum);
            chosen.forEach(id -> replicas.merge(id, 1, Integer::sum));
            placed.add(List.copyOf(chosen));
        }
        return List.copyOf(placed);
    }

    /**
     * Checks replica lists given by a user (CreateTopics or CreatePartitions with an assignment): each non-empty,
     * of the same size, without a broker twice, and naming registered brokers only.
     *
     * @throws MetadataException INVALID_REPLICA_ASSIGNMENT or UNKNOWN_BROKER, naming the partition and broker
     */
    static void checkAssignment(MetadataImage image, String topic, int firstPartition, List<List<Integer>> lists) {
        int size = lists.isEmpty() ? 0 : lists.get(0).size();
        for (int i = 0; i < lists.size(); i++) {
            List<Integer> replicas = lists.get(i);
            String where = "Partition " + (firstPartition + i) + " of topic " + topic;
            if (replicas.isEmpty() || replicas.size() != size) {
                throw new MetadataException(Reason.INVALID_REPLICA_ASSIGNMENT, where + " has " + replicas.size()
                        + " replica(s) where every partition needs the same number, at least 1 (" + size + ")");
            }
            Set<Integer> seen = new HashSet<>();
            for (int broker : replicas) {
                if (!seen.add(broker)) {
                    throw new MetadataException(Reason.INVALID_REPLICA_ASSIGNMENT,
                            where + " names broker " + broker + " twice in " + replicas);
                }
                if (image.broker(broker).isEmpty()) {
                    throw new MetadataException(Reason.UNKNOWN_BROKER,
                            where + " names broker " + broker + ", which is not registered; registered: "
                                    + image.brokers().keySet());
                }
            }
        }
    }

    private static List<Integer> ids(List<BrokerRegistration> brokers) {
        return brokers.stream().map(BrokerRegistration::id).toList();
    }
}
