package io.spindle.share;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.common.Uuid;

/**
 * The share groups' server-side assignor (Kafka calls its own "simple"). In a share group a partition may have any
 * number of members, so the rule is: every subscribed member gets partitions and every partition of a subscribed
 * topic gets members. Per topic, with its subscribers sorted by member id and its partitions by index: when there
 * are no more subscribers than partitions, partition {@code p} goes to subscriber {@code p mod subscribers}; when
 * there are more, subscriber {@code i} gets partition {@code i mod partitions}. Deterministic, stateless.
 */
final class ShareAssignor {
    /** A subscribed topic as the assignor sees it. */
    record Topic(Uuid id, int partitions) {
    }

    private ShareAssignor() {
    }

    /**
     * @param subscriptions member id → subscribed topic names
     * @param topics        topic name → id and partition count (topics that do not exist are absent)
     * @return member id → topic id → partitions (sorted); every member present, possibly with nothing
     */
    static Map<String, Map<Uuid, List<Integer>>> assign(Map<String, List<String>> subscriptions, Map<String, Topic> topics) {
        Map<String, Map<Uuid, List<Integer>>> result = new TreeMap<>();
        Map<String, List<String>> subscribersByTopic = new TreeMap<>();
        for (Map.Entry<String, List<String>> e : new TreeMap<>(subscriptions).entrySet()) {
            result.put(e.getKey(), new TreeMap<>());
            for (String topic : e.getValue()) {
                if (topics.containsKey(topic)) {
                    subscribersByTopic.computeIfAbsent(topic, t -> new ArrayList<>()).add(e.getKey());
                }
            }
        }
        for (Map.Entry<String, List<String>> e : subscribersByTopic.entrySet()) {
            Topic topic = topics.get(e.getKey());
            List<String> members = e.getValue();
            if (topic.partitions() <= 0) {
                continue;
            }
            if (members.size() <= topic.partitions()) {
                for (int p = 0; p < topic.partitions(); p++) {
                    add(result, members.get(p % members.size()), topic.id(), p);
                }
            } else {
                for (int i = 0; i < members.size(); i++) {
                    add(result, members.get(i), topic.id(), i % topic.partitions());
                }
            }
        }
        return result;
    }

    private static void add(Map<String, Map<Uuid, List<Integer>>> result, String member, Uuid topic, int partition) {
        result.get(member).computeIfAbsent(topic, t -> new ArrayList<>()).add(partition);
    }
}
