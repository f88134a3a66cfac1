package io.spindle.groups;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** The KIP-848 server-side assignors. */
class ServerAssignorTest {
    private static int count(Map<String, Set<Integer>> assignment) {
        return assignment.values().stream().mapToInt(Set::size).sum();
    }

    @Test
    void uniformGivesEveryPartitionToOneMemberAndBalancesWithinOne() {
        Map<String, Map<String, Set<Integer>>> result = ServerAssignor.UNIFORM.assign(
                Map.of("a", Set.of("t", "u"), "b", Set.of("t", "u"), "c", Set.of("t", "u")),
                Map.of("t", 6, "u", 2), Map.of());
        Set<String> seen = new HashSet<>();
        for (Map<String, Set<Integer>> member : result.values()) {
            member.forEach((topic, partitions) -> partitions.forEach(p -> assertTrue(seen.add(topic + "-" + p))));
            assertTrue(count(member) == 2 || count(member) == 3, "balanced: " + result);
        }
        assertEquals(8, seen.size());
    }

    @Test
    void uniformKeepsPartitionsWithTheirPreviousOwnersWhenAMemberJoins() {
        Map<String, Map<String, Set<Integer>>> two = ServerAssignor.UNIFORM.assign(
                Map.of("a", Set.of("t"), "b", Set.of("t")), Map.of("t", 6), Map.of());
        Map<String, Map<String, Set<Integer>>> three = ServerAssignor.UNIFORM.assign(
                Map.of("a", Set.of("t"), "b", Set.of("t"), "c", Set.of("t")), Map.of("t", 6), two);
        assertEquals(2, count(three.get("c")));
        assertTrue(two.get("a").get("t").containsAll(three.get("a").get("t")), "a only lost partitions");
        assertTrue(two.get("b").get("t").containsAll(three.get("b").get("t")), "b only lost partitions");
    }

    @Test
    void uniformOnlyAssignsTopicsAMemberSubscribesTo() {
        Map<String, Map<String, Set<Integer>>> result = ServerAssignor.UNIFORM.assign(
                new TreeMap<>(Map.of("a", Set.of("t"), "b", Set.of("u"))), Map.of("t", 3, "u", 1), Map.of());
        assertEquals(Map.of("t", Set.of(0, 1, 2)), result.get("a"));
        assertEquals(Map.of("u", Set.of(0)), result.get("b"));
    }

    @Test
    void rangeGivesConsecutiveRangesTheFirstMembersOneMore() {
        Map<String, Map<String, Set<Integer>>> result = ServerAssignor.RANGE.assign(
                Map.of("a", Set.of("t"), "b", Set.of("t")), Map.of("t", 5), Map.of());
        assertEquals(Map.of("t", Set.of(0, 1, 2)), result.get("a"));
        assertEquals(Map.of("t", Set.of(3, 4)), result.get("b"));
    }
}
