package io.spindle.groups;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The server-side assignors of KIP-848 consumer groups. Both are deterministic functions of the members'
 * subscriptions, the partition counts and (for "uniform") the previous target.
 *
 * <ul>
 *   <li>{@code uniform} (the default): every partition of a subscribed topic goes to one subscribed member;
 *       counts differ by at most one between members that could take the same partitions; a partition stays
 *       with its previous owner where that keeps the balance (sticky).</li>
 *   <li>{@code range}: per topic, its members sorted by id get consecutive ranges, the first ones one
 *       partition more when the count does not divide.</li>
 * </ul>
 */
enum ServerAssignor {
    UNIFORM("uniform"), RANGE("range");

    final String assignorName;

    ServerAssignor(String assignorName) {
        this.assignorName = assignorName;
    }

    /** The assignor of that name, null if there is none. */
    static ServerAssignor named(String name) {
        for (ServerAssignor a : values()) {
            if (a.assignorName.equals(name)) {
                return a;
            }
        }
        return null;
    }

    /**
     * @param subscriptions member id to the topics it subscribes to (existing topics only)
     * @param partitions    topic to partition count
     * @param previous      the previous target: member id to topic to partitions
     * @return member id to topic to partitions; every member present, possibly with nothing
     */
    Map<String, Map<String, Set<Integer>>> assign(Map<String, Set<String>> subscriptions, Map<String, Integer> partitions,
                                                  Map<String, Map<String, Set<Integer>>> previous) {
        Map<String, Map<String, Set<Integer>>> result = new TreeMap<>();
        for (String member : subscriptions.keySet()) {
            result.put(member, new TreeMap<>());
        }
        if (this == RANGE) {
            assignRange(subscriptions, partitions, result);
        } else {
            assignUniform(subscriptions, partitions, previous, result);
        }
        return result;
    }

    private static Map<String, List<String>> membersByTopic(Map<String, Set<String>> subscriptions, Map<String, Integer> partitions) {
        Map<String, List<String>> byTopic = new TreeMap<>();
        for (Map.Entry<String, Set<String>> e : new TreeMap<>(subscriptions).entrySet()) {
            for (String topic : e.getValue()) {
                if (partitions.containsKey(topic)) {
                    byTopic.computeIfAbsent(topic, t -> new ArrayList<>()).add(e.getKey());
                }
            }
        }
        return byTopic;
    }

    private static void assignRange(Map<String, Set<String>> subscriptions, Map<String, Integer> partitions,
                                    Map<String, Map<String, Set<Integer>>> result) {
        for (Map.Entry<String, List<String>> e : membersByTopic(subscriptions, partitions).entrySet()) {
            String topic = e.getKey();
            List<String> members = e.getValue();
            int count = partitions.get(topic);
            int each = count / members.size();
            int extra = count % members.size();
            int next = 0;
            for (int i = 0; i < members.size(); i++) {
                int take = each + (i < extra ? 1 : 0);
                for (int j = 0; j < take; j++) {
                    result.get(members.get(i)).computeIfAbsent(topic, t -> new TreeSet<>()).add(next++);
                }
            }
        }
    }

    private static void assignUniform(Map<String, Set<String>> subscriptions, Map<String, Integer> partitions,
                                      Map<String, Map<String, Set<Integer>>> previous,
                                      Map<String, Map<String, Set<Integer>>> result) {
        Map<String, List<String>> byTopic = membersByTopic(subscriptions, partitions);
        Map<String, Integer> counts = new HashMap<>();
        subscriptions.keySet().forEach(m -> counts.put(m, 0));
        // Owner of every partition: the previous one where still subscribed, else none yet.
        Map<String, String[]> owner = new TreeMap<>();
        for (Map.Entry<String, List<String>> e : byTopic.entrySet()) {
            String topic = e.getKey();
            String[] owners = new String[partitions.get(topic)];
            for (String member : e.getValue()) {
                Set<Integer> had = previous.getOrDefault(member, Map.of()).getOrDefault(topic, Set.of());
                for (int p : had) {
                    if (p < owners.length && owners[p] == null) {
                        owners[p] = member;
                        counts.merge(member, 1, Integer::sum);
                    }
                }
            }
            owner.put(topic, owners);
        }
        Comparator<String> fewest = Comparator.<String>comparingInt(counts::get).thenComparing(Comparator.naturalOrder());
        // Unowned partitions go to the subscribed member holding the fewest.
        for (Map.Entry<String, String[]> e : owner.entrySet()) {
            String[] owners = e.getValue();
            List<String> candidates = byTopic.get(e.getKey());
            for (int p = 0; p < owners.length; p++) {
                if (owners[p] == null) {
                    String best = candidates.stream().min(fewest).orElseThrow();
                    owners[p] = best;
                    counts.merge(best, 1, Integer::sum);
                }
            }
        }
        // Balance: move a partition from a member holding two or more above a candidate, until none can move.
        boolean moved = true;
        int guard = 0;
        while (moved && guard++ < 100_000) {
            moved = false;
            for (Map.Entry<String, String[]> e : owner.entrySet()) {
                String[] owners = e.getValue();
                List<String> candidates = byTopic.get(e.getKey());
                for (int p = owners.length - 1; p >= 0; p--) {
                    String from = owners[p];
                    String to = candidates.stream().min(fewest).orElseThrow();
                    if (counts.get(from) - counts.get(to) > 1) {
                        owners[p] = to;
                        counts.merge(from, -1, Integer::sum);
                        counts.merge(to, 1, Integer::sum);
                        moved = true;
                    }
                }
            }
        }
        for (Map.Entry<String, String[]> e : owner.entrySet()) {
            String[] owners = e.getValue();
            for (int p = 0; p < owners.length; p++) {
                result.get(owners[p]).computeIfAbsent(e.getKey(), t -> new TreeSet<>()).add(p);
            }
        }
    }
}
