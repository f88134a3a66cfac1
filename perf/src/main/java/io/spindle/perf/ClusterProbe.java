package io.spindle.perf;

import io.spindle.fixtures.RawKafkaConnection;
import java.io.IOException;
import java.util.List;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.message.MetadataResponseData.MetadataResponsePartition;
import org.apache.kafka.common.message.MetadataResponseData.MetadataResponseTopic;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.MetadataRequest;
import org.apache.kafka.common.requests.MetadataResponse;

/**
 * A cluster as each of its brokers describes it: one Metadata request (v12, which Kafka 4.x and Spindle both serve) on
 * a fresh connection to one broker, so that "every broker" means every broker and not whichever one a client's
 * bootstrap happened to reach. One attempt per call: callers poll.
 */
final class ClusterProbe {
    private static final short VERSION = 12;

    private ClusterProbe() {
    }

    /** Whether the broker at {@code hostPort} answers Metadata listing {@code brokers} live brokers. */
    static boolean listsBrokers(String hostPort, int brokers) {
        MetadataResponse response = metadata(hostPort, List.of());
        return response != null && response.data().brokers().size() == brokers;
    }

    /**
     * Whether the broker at {@code hostPort} names a leader for each of the {@code partitions} partitions of
     * {@code topic}, with no error on the topic or any partition.
     */
    static boolean namesEveryLeader(String hostPort, String topic, int partitions) {
        MetadataResponseTopic described = topic(hostPort, topic);
        return described != null && described.partitions().size() == partitions
                && described.partitions().stream().allMatch(p -> p.errorCode() == Errors.NONE.code() && p.leaderId() >= 0);
    }

    /** How many distinct brokers lead a partition of {@code topic}, as the broker at {@code hostPort} says; 0 if none. */
    static long leadingBrokers(String hostPort, String topic) {
        MetadataResponseTopic described = topic(hostPort, topic);
        return described == null ? 0 : described.partitions().stream().mapToInt(MetadataResponsePartition::leaderId)
                .filter(id -> id >= 0).distinct().count();
    }

    private static MetadataResponseTopic topic(String hostPort, String topic) {
        MetadataResponse response = metadata(hostPort, List.of(topic));
        if (response == null) {
            return null;
        }
        MetadataResponseTopic described = response.data().topics().find(topic);
        return described == null || described.errorCode() != Errors.NONE.code() ? null : described;
    }

    /** The broker's answer, or null when it is not listening or does not answer (yet). */
    private static MetadataResponse metadata(String hostPort, List<String> topics) {
        MetadataRequestData data = new MetadataRequestData().setAllowAutoTopicCreation(false)
                .setTopics(topics.stream().map(t -> new MetadataRequestData.MetadataRequestTopic().setName(t)).toList());
        try (RawKafkaConnection connection = RawKafkaConnection.to(hostPort)) {
            return connection.roundTrip(new MetadataRequest.Builder(data).build(VERSION));
        } catch (IOException | RuntimeException e) {
            return null;        // not listening, or not answering yet: asked again
        }
    }
}
