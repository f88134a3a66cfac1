package io.spindle.groups;

import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Set operations on partitions grouped by topic (topic name to partition numbers), as a KIP-848 group's
 * reconciliation uses them. Results are new sorted maps without empty topics; arguments are not changed.
 */
final class PartitionSets {
    private PartitionSets() {
    }

    static boolean contains(Map<String, Set<Integer>> all, Map<String, Set<Integer>> some) {
        for (Map.Entry<String, Set<Integer>> e : some.entrySet()) {
            if (!all.getOrDefault(e.getKey(), Set.of()).containsAll(e.getValue())) {
                return false;
            }
        }
        return true;
    }

    static boolean intersects(Map<String, Set<Integer>> a, Map<String, Set<Integer>> b) {
        for (Map.Entry<String, Set<Integer>> e : a.entrySet()) {
            for (int p : e.getValue()) {
                if (b.getOrDefault(e.getKey(), Set.of()).contains(p)) {
                    return true;
                }
            }
        }
        return false;
    }

    static Map<String, Set<Integer>> minus(Map<String, Set<Integer>> a, Map<String, Set<Integer>> b) {
        Map<String, Set<Integer>> result = new TreeMap<>();
        for (Map.Entry<String, Set<Integer>> e : a.entrySet()) {
            Set<Integer> left = new TreeSet<>(e.getValue());
            left.removeAll(b.getOrDefault(e.getKey(), Set.of()));
            if (!left.isEmpty()) {
                result.put(e.getKey(), left);
            }
        }
        return result;
    }

    static Map<String, Set<Integer>> intersection(Map<String, Set<Integer>> a, Map<String, Set<Integer>> b) {
        Map<String, Set<Integer>> result = new TreeMap<>();
        for (Map.Entry<String, Set<Integer>> e : a.entrySet()) {
            Set<Integer> both = new TreeSet<>(e.getValue());
            both.retainAll(b.getOrDefault(e.getKey(), Set.of()));
            if (!both.isEmpty()) {
                result.put(e.getKey(), both);
            }
        }
        return result;
    }

    static Map<String, Set<Integer>> deepCopy(Map<String, Set<Integer>> partitions) {
        Map<String, Set<Integer>> copy = new TreeMap<>();
        partitions.forEach((topic, set) -> {
            if (!set.isEmpty()) {
                copy.put(topic, new TreeSet<>(set));
            }
        });
        return copy;
    }
}
