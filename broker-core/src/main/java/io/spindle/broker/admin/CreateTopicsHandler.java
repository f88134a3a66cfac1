package io.spindle.broker.admin;

import io.spindle.broker.ApiResponse;
import io.spindle.broker.ClientConnection;
import io.spindle.broker.TopicInfo;
import io.spindle.broker.VersionedApiHandler;
import io.spindle.broker.cluster.MetadataAuthority;
import io.spindle.broker.cluster.NewTopic;
import io.spindle.config.BrokerConfig;
import io.spindle.config.TopicConfig;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import org.apache.kafka.common.errors.InvalidConfigurationException;
import org.apache.kafka.common.errors.InvalidPartitionsException;
import org.apache.kafka.common.errors.InvalidReplicaAssignmentException;
import org.apache.kafka.common.errors.InvalidReplicationFactorException;
import org.apache.kafka.common.errors.InvalidRequestException;
import org.apache.kafka.common.message.CreateTopicsRequestData.CreatableReplicaAssignment;
import org.apache.kafka.common.message.CreateTopicsRequestData.CreatableTopic;
import org.apache.kafka.common.message.CreateTopicsRequestData.CreatableTopicConfig;
import org.apache.kafka.common.message.CreateTopicsRequestData;
import org.apache.kafka.common.message.CreateTopicsResponseData.CreatableTopicConfigs;
import org.apache.kafka.common.message.CreateTopicsResponseData.CreatableTopicResult;
import org.apache.kafka.common.message.CreateTopicsResponseData.CreatableTopicResultCollection;
import org.apache.kafka.common.message.CreateTopicsResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.ApiError;
import org.apache.kafka.common.requests.CreateTopicsRequest;
import org.apache.kafka.common.requests.CreateTopicsResponse;
import org.apache.kafka.common.requests.RequestHeader;

/**
 * CreateTopics: validates each topic as Kafka does (name, partition count, replication factor, configs through
 * {@link TopicConfig#with}) and creates it through the {@link MetadataAuthority} (this broker's registry, or the
 * cluster's quorum), or only validates it when the request says validateOnly. Runs on the admin executor: creating a
 * topic writes files and may wait for the quorum.
 * From v5 each result carries the topic's effective configs with their sources.
 */
public final class CreateTopicsHandler extends VersionedApiHandler {
    private final MetadataAuthority authority;
    private final BrokerConfig config;
    private final Executor adminExecutor;
    private final TopicConfigSources sources;

    public CreateTopicsHandler(MetadataAuthority authority, BrokerConfig config, Executor adminExecutor) {
        super(ApiKeys.CREATE_TOPICS);
        this.authority = authority;
        this.config = config;
        this.adminExecutor = adminExecutor;
        this.sources = new TopicConfigSources(config);
    }

    @Override
    public CompletableFuture<ApiResponse> handle(RequestHeader header, AbstractRequest request, ClientConnection connection) {
        CreateTopicsRequestData data = ((CreateTopicsRequest) request).data();
        return CompletableFuture.supplyAsync(() -> ApiResponse.of(createAll(data)), adminExecutor);
    }

    private CreateTopicsResponse createAll(CreateTopicsRequestData data) {
        Set<String> seen = new HashSet<>();
        Set<String> duplicates = new HashSet<>();
        for (CreatableTopic topic : data.topics()) {
            if (!seen.add(topic.name())) {
                duplicates.add(topic.name());
            }
        }
        CreatableTopicResultCollection results = new CreatableTopicResultCollection();
        for (CreatableTopic topic : data.topics()) {
            CreatableTopicResult result = new CreatableTopicResult().setName(topic.name());
            if (duplicates.contains(topic.name())) {
                if (results.find(topic.name()) == null) {
                    results.add(error(result, new ApiError(Errors.INVALID_REQUEST,
                            "Create topics request contains more than one entry for topic '" + topic.name() + "'.")));
                }
                continue;
            }
            try {
                results.add(create(topic, data.validateOnly(), result));
            } catch (RuntimeException e) {
                results.add(error(result, AdminErrors.of("Creating topic", topic.name(), e)));
            }
        }
        return new CreateTopicsResponse(new CreateTopicsResponseData().setTopics(results));
    }

    private CreatableTopicResult create(CreatableTopic topic, boolean validateOnly, CreatableTopicResult result) {
        int partitions;
        List<List<Integer>> assignments = new ArrayList<>();
        if (!topic.assignments().isEmpty()) {
            if (topic.numPartitions() != -1 || topic.replicationFactor() != -1) {
                throw new InvalidRequestException("Topic '" + topic.name() + "': numPartitions and replicationFactor "
                        + "must be -1 when replica assignments are given.");
            }
            partitions = topic.assignments().size();
            sortedAssignments(topic).forEach(assignment -> assignments.add(assignment.brokerIds()));
        } else {
            partitions = topic.numPartitions() == -1 ? config.numPartitions() : topic.numPartitions();
            if (partitions <= 0) {
                throw new InvalidPartitionsException("Number of partitions was set to an invalid non-positive value ("
                        + topic.numPartitions() + ") for topic '" + topic.name() + "'.");
            }
            short replication = topic.replicationFactor();
            if (replication == 0 || replication < -1) {
                throw new InvalidReplicationFactorException("Replication factor must be larger than 0, or -1 to use "
                        + "the default value; was " + replication + " for topic '" + topic.name() + "'.");
            }
        }
        Map<String, String> overrides = new LinkedHashMap<>();
        for (CreatableTopicConfig setting : topic.configs()) {
            if (setting.value() == null) {
                throw new InvalidConfigurationException("Null value not supported for topic config '" + setting.name()
                        + "' of topic '" + topic.name() + "'.");
            }
            overrides.put(setting.name(), setting.value());
        }
        NewTopic wanted = new NewTopic(topic.name(), assignments.isEmpty() ? partitions : -1,
                topic.replicationFactor(), assignments, overrides);
        TopicInfo info = authority.createTopic(wanted, validateOnly);
        if (!validateOnly) {
            result.setTopicId(info.id());
        }
        return result.setErrorCode(Errors.NONE.code())
                .setNumPartitions(info.partitions())
                .setReplicationFactor((short) 1)
                .setConfigs(configsOf(info, overrides));
    }

    /**
     * The assignments in partition order. They may come in any order (kafka-clients sends a map's), but must number
     * the partitions 0 to n-1, each once.
     */
    private static List<CreatableReplicaAssignment> sortedAssignments(CreatableTopic topic) {
        List<CreatableReplicaAssignment> sorted = new ArrayList<>(topic.assignments());
        sorted.sort(Comparator.comparingInt(CreatableReplicaAssignment::partitionIndex));
        int expectedIndex = 0;
        for (CreatableReplicaAssignment assignment : sorted) {
            if (assignment.partitionIndex() != expectedIndex) {
                throw new InvalidReplicaAssignmentException("Topic '" + topic.name() + "': partition "
                        + assignment.partitionIndex() + " is assigned to brokers " + assignment.brokerIds()
                        + "; partitions must be numbered from 0, each once.");
            }
            expectedIndex++;
        }
        return sorted;
    }

    private List<CreatableTopicConfigs> configsOf(TopicInfo info, Map<String, String> overrides) {
        List<CreatableTopicConfigs> configs = new ArrayList<>();
        info.config().asStringMap().forEach((key, value) -> configs.add(new CreatableTopicConfigs()
                .setName(key)
                .setValue(value)
                .setReadOnly(false)
                .setIsSensitive(false)
                .setConfigSource(sources.sourceOf(key, overrides).id())));
        return configs;
    }

    private static CreatableTopicResult error(CreatableTopicResult result, ApiError error) {
        return result.setErrorCode(error.error().code()).setErrorMessage(error.message());
    }
}
