package io.spindle.broker.admin;

import io.spindle.broker.ApiResponse;
import io.spindle.broker.ClientConnection;
import io.spindle.broker.TopicInfo;
import io.spindle.broker.VersionedApiHandler;
import io.spindle.broker.cluster.MetadataAuthority;
import io.spindle.broker.meta.TopicRegistry;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import org.apache.kafka.common.ElectionType;
import org.apache.kafka.common.errors.ElectionNotNeededException;
import org.apache.kafka.common.errors.InvalidRequestException;
import org.apache.kafka.common.message.ElectLeadersRequestData;
import org.apache.kafka.common.message.ElectLeadersRequestData.TopicPartitions;
import org.apache.kafka.common.message.ElectLeadersResponseData;
import org.apache.kafka.common.message.ElectLeadersResponseData.PartitionResult;
import org.apache.kafka.common.message.ElectLeadersResponseData.ReplicaElectionResult;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.ApiError;
import org.apache.kafka.common.requests.ElectLeadersRequest;
import org.apache.kafka.common.requests.ElectLeadersResponse;
import org.apache.kafka.common.requests.RequestHeader;

/**
 * ElectLeaders, preferred elections: each named partition (every partition of every topic when none is named) is led
 * by its preferred replica, its first, through {@link MetadataAuthority#electPreferredLeader}; per partition
 * ELECTION_NOT_NEEDED when it leads already, PREFERRED_LEADER_NOT_AVAILABLE when it is not a live in-sync replica.
 * Asked for every partition, the answer leaves out those that needed no election, as Kafka does. Unclean elections
 * are refused (INVALID_REQUEST per partition). Runs on the admin executor.
 */
public final class ElectLeadersHandler extends VersionedApiHandler {
    private final TopicRegistry topics;
    private final MetadataAuthority authority;
    private final Executor adminExecutor;

    public ElectLeadersHandler(TopicRegistry topics, MetadataAuthority authority, Executor adminExecutor) {
        super(ApiKeys.ELECT_LEADERS);
        this.topics = topics;
        this.authority = authority;
        this.adminExecutor = adminExecutor;
    }

    @Override
    public CompletableFuture<ApiResponse> handle(RequestHeader header, AbstractRequest request,
                                                 ClientConnection connection) {
        ElectLeadersRequestData data = ((ElectLeadersRequest) request).data();
        return CompletableFuture.supplyAsync(() -> ApiResponse.of(electAll(data)), adminExecutor);
    }

    private ElectLeadersResponse electAll(ElectLeadersRequestData data) {
        boolean all = data.topicPartitions() == null;
        ElectionType type = ElectionType.valueOf(data.electionType());
        List<ReplicaElectionResult> results = new ArrayList<>();
        for (Map.Entry<String, List<Integer>> topic : asked(data).entrySet()) {
            ReplicaElectionResult result = new ReplicaElectionResult().setTopic(topic.getKey());
            for (int partition : topic.getValue()) {
                PartitionResult outcome = elect(type, topic.getKey(), partition);
                if (!(all && outcome.errorCode() == Errors.ELECTION_NOT_NEEDED.code())) {
                    result.partitionResult().add(outcome);
                }
            }
            if (!result.partitionResult().isEmpty()) {
                results.add(result);
            }
        }
        return new ElectLeadersResponse(new ElectLeadersResponseData().setErrorCode(Errors.NONE.code())
                .setReplicaElectionResults(results));
    }

    /** The partitions asked for by topic: every partition of every topic but the internal ones when none is named. */
    private Map<String, List<Integer>> asked(ElectLeadersRequestData data) {
        Map<String, List<Integer>> asked = new LinkedHashMap<>();
        if (data.topicPartitions() != null) {
            for (TopicPartitions topic : data.topicPartitions()) {
                asked.computeIfAbsent(topic.topic(), name -> new ArrayList<>()).addAll(topic.partitions());
            }
            return asked;
        }
        for (TopicInfo topic : topics.all()) {
            if (!TopicRegistry.isInternal(topic.name())) {
                List<Integer> partitions = new ArrayList<>();
                for (int partition = 0; partition < topic.partitions(); partition++) {
                    partitions.add(partition);
                }
                asked.put(topic.name(), partitions);
            }
        }
        return asked;
    }

    private PartitionResult elect(ElectionType type, String topic, int partition) {
        PartitionResult result = new PartitionResult().setPartitionId(partition).setErrorCode(Errors.NONE.code());
        try {
            if (type != ElectionType.PREFERRED) {
                throw new InvalidRequestException("Spindle runs preferred leader elections only, not " + type + ".");
            }
            authority.electPreferredLeader(topic, partition);
        } catch (ElectionNotNeededException e) {
            result.setErrorCode(Errors.ELECTION_NOT_NEEDED.code()).setErrorMessage(e.getMessage());
        } catch (RuntimeException e) {
            ApiError error = AdminErrors.of("Electing the leader of partition " + partition + " of topic", topic, e);
            result.setErrorCode(error.error().code()).setErrorMessage(error.message());
        }
        return result;
    }
}
