package io.spindle.broker.admin;

import io.spindle.broker.ApiResponse;
import io.spindle.broker.ClientConnection;
import io.spindle.broker.VersionedApiHandler;
import io.spindle.metadata.MetadataQuorum;
import io.spindle.metadata.QuorumDescription;
import io.spindle.metadata.QuorumDescription.Member;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.DescribeQuorumRequestData;
import org.apache.kafka.common.message.DescribeQuorumResponseData;
import org.apache.kafka.common.message.DescribeQuorumResponseData.Listener;
import org.apache.kafka.common.message.DescribeQuorumResponseData.ListenerCollection;
import org.apache.kafka.common.message.DescribeQuorumResponseData.Node;
import org.apache.kafka.common.message.DescribeQuorumResponseData.NodeCollection;
import org.apache.kafka.common.message.DescribeQuorumResponseData.PartitionData;
import org.apache.kafka.common.message.DescribeQuorumResponseData.ReplicaState;
import org.apache.kafka.common.message.DescribeQuorumResponseData.TopicData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.DescribeQuorumRequest;
import org.apache.kafka.common.requests.DescribeQuorumResponse;
import org.apache.kafka.common.requests.RequestHeader;

/**
 * DescribeQuorum (key 55; {@code Admin.describeMetadataQuorum}, {@code kafka-metadata-quorum describe}): the metadata
 * quorum as its leader describes it ({@link MetadataQuorum#describeQuorum}), answered by every broker of a cluster: a
 * broker whose member does not lead asks the leader it knows. Registered only on a cluster broker: a single broker
 * has no quorum and does not advertise the API.
 *
 * <p>Kafka's names, Spindle's quorum: the one partition is {@code __cluster_metadata}-0, the leader epoch is the Raft
 * term, the high watermark the commit index + 1, a replica's log end offset its Raft log's last index + 1 (as the
 * leader knows it), voters and observers (Ratis listeners) as the Raft configuration has them. Ratis has no directory
 * ids: every replica's is {@link Uuid#ZERO_UUID} (Kafka's "unknown"). Version 2's nodes list every member with its
 * Raft address as the one listener {@value #RAFT_LISTENER}.
 *
 * <p>A request for another partition gets UNKNOWN_TOPIC_OR_PARTITION; no leader known, or one that cannot be reached
 * or no longer leads, NOT_LEADER_OR_FOLLOWER with the reason (retriable: kafka-clients asks again).
 */
public final class DescribeQuorumHandler extends VersionedApiHandler {
    /** The name of the one partition, as Kafka names its metadata log's. */
    public static final String METADATA_TOPIC = "__cluster_metadata";
    /** The listener name under which v2's nodes carry each member's Raft address. */
    public static final String RAFT_LISTENER = "RAFT";

    private final MetadataQuorum quorum;

    public DescribeQuorumHandler(MetadataQuorum quorum) {
        super(ApiKeys.DESCRIBE_QUORUM);
        this.quorum = quorum;
    }

    @Override
    public CompletableFuture<ApiResponse> handle(RequestHeader header, AbstractRequest request, ClientConnection connection) {
        DescribeQuorumRequestData asked = ((DescribeQuorumRequest) request).data();
        if (!asksForTheMetadataPartition(asked)) {
            return CompletableFuture.completedFuture(answer(partitionError(Errors.UNKNOWN_TOPIC_OR_PARTITION,
                    "Only " + METADATA_TOPIC + "-0, the metadata quorum's one partition, can be described")));
        }
        return quorum.describeQuorum().handle((description, failure) -> failure == null
                ? answer(describe(description))
                : answer(partitionError(Errors.NOT_LEADER_OR_FOLLOWER, message(failure))));
    }

    private static boolean asksForTheMetadataPartition(DescribeQuorumRequestData asked) {
        return asked.topics().size() == 1 && METADATA_TOPIC.equals(asked.topics().get(0).topicName())
                && asked.topics().get(0).partitions().size() == 1
                && asked.topics().get(0).partitions().get(0).partitionIndex() == 0;
    }

    private static DescribeQuorumResponseData describe(QuorumDescription description) {
        PartitionData partition = new PartitionData().setPartitionIndex(0).setErrorCode(Errors.NONE.code())
                .setLeaderId(description.leaderId())
                .setLeaderEpoch((int) Math.min(Integer.MAX_VALUE, description.leaderEpoch()))
                .setHighWatermark(description.highWatermark())
                .setCurrentVoters(replicas(description.voters()))
                .setObservers(replicas(description.observers()));
        NodeCollection nodes = new NodeCollection();
        for (List<Member> members : List.of(description.voters(), description.observers())) {
            for (Member member : members) {
                ListenerCollection listeners = new ListenerCollection();
                listeners.add(new Listener().setName(RAFT_LISTENER).setHost(member.host()).setPort(member.port()));
                nodes.add(new Node().setNodeId(member.nodeId()).setListeners(listeners));
            }
        }
        return new DescribeQuorumResponseData().setErrorCode(Errors.NONE.code())
                .setTopics(List.of(new TopicData().setTopicName(METADATA_TOPIC).setPartitions(List.of(partition))))
                .setNodes(nodes);
    }

    private static List<ReplicaState> replicas(List<Member> members) {
        return members.stream().map(member -> new ReplicaState().setReplicaId(member.nodeId())
                .setReplicaDirectoryId(Uuid.ZERO_UUID)
                .setLogEndOffset(member.logEndOffset())
                .setLastFetchTimestamp(member.lastFetchMillis())
                .setLastCaughtUpTimestamp(member.lastCaughtUpMillis())).toList();
    }

    private static DescribeQuorumResponseData partitionError(Errors error, String message) {
        return new DescribeQuorumResponseData().setErrorCode(Errors.NONE.code())
                .setTopics(List.of(new TopicData().setTopicName(METADATA_TOPIC).setPartitions(List.of(
                        new PartitionData().setPartitionIndex(0).setErrorCode(error.code()).setErrorMessage(message)
                                .setLeaderId(-1).setLeaderEpoch(-1).setHighWatermark(-1)))));
    }

    private static ApiResponse answer(DescribeQuorumResponseData data) {
        return ApiResponse.of(new DescribeQuorumResponse(data));
    }

    private static String message(Throwable failure) {
        Throwable cause = failure;
        while ((cause instanceof CompletionException || cause instanceof ExecutionException) && cause.getCause() != null) {
            cause = cause.getCause();
        }
        return cause.getMessage() == null ? cause.toString() : cause.getMessage();
    }
}
