package io.spindle.broker.group;

import io.spindle.broker.LocalBroker;
import io.spindle.fixtures.RawKafkaConnection;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerPartitionAssignor;
import org.apache.kafka.clients.consumer.internals.ConsumerProtocol;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.ConsumerGroupHeartbeatRequestData;
import org.apache.kafka.common.message.ConsumerGroupHeartbeatResponseData;
import org.apache.kafka.common.message.HeartbeatRequestData;
import org.apache.kafka.common.message.JoinGroupRequestData;
import org.apache.kafka.common.message.JoinGroupRequestData.JoinGroupRequestProtocol;
import org.apache.kafka.common.message.JoinGroupRequestData.JoinGroupRequestProtocolCollection;
import org.apache.kafka.common.message.JoinGroupResponseData;
import org.apache.kafka.common.message.OffsetCommitRequestData;
import org.apache.kafka.common.message.OffsetCommitRequestData.OffsetCommitRequestPartition;
import org.apache.kafka.common.message.OffsetCommitRequestData.OffsetCommitRequestTopic;
import org.apache.kafka.common.message.SyncGroupRequestData;
import org.apache.kafka.common.message.SyncGroupRequestData.SyncGroupRequestAssignment;
import org.apache.kafka.common.message.SyncGroupResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.ConsumerGroupHeartbeatRequest;
import org.apache.kafka.common.requests.ConsumerGroupHeartbeatResponse;
import org.apache.kafka.common.requests.HeartbeatRequest;
import org.apache.kafka.common.requests.HeartbeatResponse;
import org.apache.kafka.common.requests.JoinGroupRequest;
import org.apache.kafka.common.requests.JoinGroupResponse;
import org.apache.kafka.common.requests.OffsetCommitRequest;
import org.apache.kafka.common.requests.OffsetCommitResponse;
import org.apache.kafka.common.requests.SyncGroupRequest;
import org.apache.kafka.common.requests.SyncGroupResponse;

/**
 * A group member spoken by hand over a raw connection: it does exactly the requests a test asks for and
 * nothing else (no background heartbeats), so a test can make it fall silent or send stale ids.
 */
final class RawGroupClient implements AutoCloseable {
    private final RawKafkaConnection connection;
    private int correlationId;

    RawGroupClient(LocalBroker broker) throws IOException {
        this.connection = RawKafkaConnection.to(broker.bootstrapServers());
    }

    private <R extends AbstractResponse> R roundTrip(org.apache.kafka.common.requests.AbstractRequest request) throws IOException {
        return connection.roundTrip(request, ++correlationId);
    }

    /** The classic JoinGroup of a consumer subscribed to {@code topic} with the range assignor. */
    JoinGroupResponseData join(String group, String memberId, String topic, int sessionTimeoutMs, int rebalanceTimeoutMs)
            throws IOException {
        ByteBuffer subscription = ConsumerProtocol.serializeSubscription(new ConsumerPartitionAssignor.Subscription(List.of(topic)));
        byte[] metadata = new byte[subscription.remaining()];
        subscription.get(metadata);
        JoinGroupRequestProtocolCollection protocols = new JoinGroupRequestProtocolCollection();
        protocols.add(new JoinGroupRequestProtocol().setName("range").setMetadata(metadata));
        JoinGroupRequestData data = new JoinGroupRequestData().setGroupId(group).setMemberId(memberId)
                .setProtocolType(ConsumerProtocol.PROTOCOL_TYPE).setProtocols(protocols)
                .setSessionTimeoutMs(sessionTimeoutMs).setRebalanceTimeoutMs(rebalanceTimeoutMs);
        JoinGroupResponse response = roundTrip(new JoinGroupRequest.Builder(data).build());
        return response.data();
    }

    /**
     * The classic JoinGroup of a static member ({@code instanceId}) subscribed to {@code topic}, offering
     * {@code protocols} in order of preference, each with {@code userData} in its subscription.
     */
    JoinGroupResponseData joinStatic(String group, String memberId, String instanceId, String topic, List<String> names,
                                     byte[] userData) throws IOException {
        ByteBuffer subscription = ConsumerProtocol.serializeSubscription(
                new ConsumerPartitionAssignor.Subscription(List.of(topic), ByteBuffer.wrap(userData)));
        byte[] metadata = new byte[subscription.remaining()];
        subscription.get(metadata);
        JoinGroupRequestProtocolCollection protocols = new JoinGroupRequestProtocolCollection();
        for (String name : names) {
            protocols.add(new JoinGroupRequestProtocol().setName(name).setMetadata(metadata));
        }
        JoinGroupRequestData data = new JoinGroupRequestData().setGroupId(group).setMemberId(memberId)
                .setGroupInstanceId(instanceId).setProtocolType(ConsumerProtocol.PROTOCOL_TYPE).setProtocols(protocols)
                .setSessionTimeoutMs(10_000).setRebalanceTimeoutMs(10_000);
        JoinGroupResponse response = roundTrip(new JoinGroupRequest.Builder(data).build());
        return response.data();
    }

    /** JoinGroup twice, as current clients do: first for an id (MEMBER_ID_REQUIRED), then with it. */
    JoinGroupResponseData joinWithId(String group, String topic, int sessionTimeoutMs, int rebalanceTimeoutMs) throws IOException {
        JoinGroupResponseData first = join(group, "", topic, sessionTimeoutMs, rebalanceTimeoutMs);
        if (first.errorCode() != Errors.MEMBER_ID_REQUIRED.code()) {
            throw new AssertionError("expected MEMBER_ID_REQUIRED, got " + Errors.forCode(first.errorCode()));
        }
        return join(group, first.memberId(), topic, sessionTimeoutMs, rebalanceTimeoutMs);
    }

    /** SyncGroup; as leader it hands out {@code assignments} (member id to partitions). Returns the response. */
    SyncGroupResponseData sync(String group, String memberId, int generation, Map<String, List<TopicPartition>> assignments)
            throws IOException {
        List<SyncGroupRequestAssignment> list = new ArrayList<>();
        assignments.forEach((member, partitions) -> {
            ByteBuffer bytes = ConsumerProtocol.serializeAssignment(new ConsumerPartitionAssignor.Assignment(partitions));
            byte[] array = new byte[bytes.remaining()];
            bytes.get(array);
            list.add(new SyncGroupRequestAssignment().setMemberId(member).setAssignment(array));
        });
        SyncGroupRequestData data = new SyncGroupRequestData().setGroupId(group).setMemberId(memberId)
                .setGenerationId(generation).setProtocolType(ConsumerProtocol.PROTOCOL_TYPE).setProtocolName("range")
                .setAssignments(list);
        SyncGroupResponse response = roundTrip(new SyncGroupRequest.Builder(data).build());
        return response.data();
    }

    static List<TopicPartition> partitionsOf(SyncGroupResponseData sync) {
        return ConsumerProtocol.deserializeAssignment(ByteBuffer.wrap(sync.assignment())).partitions();
    }

    Errors heartbeat(String group, String memberId, int generation) throws IOException {
        HeartbeatResponse response = roundTrip(new HeartbeatRequest.Builder(new HeartbeatRequestData().setGroupId(group)
                .setMemberId(memberId).setGenerationId(generation)).build());
        return Errors.forCode(response.data().errorCode());
    }

    /** OffsetCommit of one partition at v9 (topics by name); returns that partition's error. */
    Errors commit(String group, String memberId, int generationOrEpoch, TopicPartition partition, long offset) throws IOException {
        OffsetCommitRequestData data = new OffsetCommitRequestData().setGroupId(group).setMemberId(memberId)
                .setGenerationIdOrMemberEpoch(generationOrEpoch)
                .setTopics(List.of(new OffsetCommitRequestTopic().setName(partition.topic()).setPartitions(List.of(
                        new OffsetCommitRequestPartition().setPartitionIndex(partition.partition()).setCommittedOffset(offset)))));
        OffsetCommitResponse response = roundTrip(OffsetCommitRequest.Builder.forTopicNames(data).build((short) 9));
        return Errors.forCode(response.data().topics().get(0).partitions().get(0).errorCode());
    }

    /** A ConsumerGroupHeartbeat (KIP-848). {@code owned} null: unchanged. */
    ConsumerGroupHeartbeatResponseData consumerHeartbeat(String group, String memberId, int epoch, List<String> topics,
                                                         List<ConsumerGroupHeartbeatRequestData.TopicPartitions> owned)
            throws IOException {
        ConsumerGroupHeartbeatRequestData data = new ConsumerGroupHeartbeatRequestData().setGroupId(group)
                .setMemberId(memberId).setMemberEpoch(epoch).setRebalanceTimeoutMs(epoch == 0 ? 10_000 : -1)
                .setSubscribedTopicNames(topics).setTopicPartitions(owned);
        ConsumerGroupHeartbeatResponse response = roundTrip(new ConsumerGroupHeartbeatRequest.Builder(data).build());
        return response.data();
    }

    static Set<Integer> partitionsOf(ConsumerGroupHeartbeatResponseData.Assignment assignment, Uuid topicId) {
        Set<Integer> partitions = new java.util.TreeSet<>();
        for (ConsumerGroupHeartbeatResponseData.TopicPartitions tp : assignment.topicPartitions()) {
            if (tp.topicId().equals(topicId)) {
                partitions.addAll(tp.partitions());
            }
        }
        return partitions;
    }

    @Override
    public void close() throws IOException {
        connection.close();
    }
}
