package io.spindle.share;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ScheduledFuture;
import org.apache.kafka.common.Uuid;

/**
 * A share group's membership (KIP-932): members with their subscriptions, epochs and assignments. The group epoch
 * goes up whenever membership, a subscription or a subscribed topic's partition count changes; the target
 * assignment is then recomputed ({@link ShareAssignor}) and each member moves to it on its next heartbeat, where it
 * gets the new assignment and the group epoch as its member epoch. Partitions are never revoked first: in a share
 * group a partition may have many members, so a member may start and stop fetching a partition at once.
 *
 * <p>Not thread-safe: confined to the share coordinator's thread.
 */
final class ShareGroup {
    final String groupId;
    final Map<String, Member> members = new TreeMap<>();
    int groupEpoch;
    int assignmentEpoch;
    /** Topic name → id and partition count, as of the last assignment. */
    Map<String, ShareAssignor.Topic> topicsSeen = Map.of();
    Map<String, Map<Uuid, List<Integer>>> target = Map.of();
    /**
     * When the assignment was last computed, and whether a change since waits for the group's assignment interval
     * (share.assignment.interval.ms, KIP-1263) to pass: changes in a burst are then assigned together.
     */
    long lastAssignmentMs = Long.MIN_VALUE / 2;
    boolean reassignPending;

    static final class Member {
        final String memberId;
        int epoch;
        int previousEpoch = -1;
        String clientId;
        String clientHost;
        String rackId;
        List<String> subscribed = List.of();
        Map<Uuid, List<Integer>> assignment = Map.of();
        ScheduledFuture<?> sessionTimeout;

        Member(String memberId) {
            this.memberId = memberId;
        }
    }

    ShareGroup(String groupId) {
        this.groupId = groupId;
    }

    String stateName() {
        return members.isEmpty() ? "Empty" : "Stable";
    }

    /** Every topic any member subscribes to. */
    List<String> subscribedTopics() {
        List<String> topics = new ArrayList<>();
        for (Member m : members.values()) {
            for (String t : m.subscribed) {
                if (!topics.contains(t)) {
                    topics.add(t);
                }
            }
        }
        return topics;
    }

    /** Recomputes the target assignment for {@code topics} (the subscribed topics that exist) at a new group epoch. */
    void reassign(Map<String, ShareAssignor.Topic> topics) {
        groupEpoch++;
        Map<String, List<String>> subscriptions = new TreeMap<>();
        members.forEach((id, m) -> subscriptions.put(id, m.subscribed));
        target = ShareAssignor.assign(subscriptions, topics);
        topicsSeen = Map.copyOf(topics);
        assignmentEpoch = groupEpoch;
    }
}
