package io.spindle.broker.admin;

import io.spindle.broker.ApiResponse;
import io.spindle.broker.ClientConnection;
import io.spindle.broker.TopicInfo;
import io.spindle.broker.VersionedApiHandler;
import io.spindle.broker.meta.TopicRegistry;
import io.spindle.config.BrokerConfig;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.internals.Topic;
import org.apache.kafka.common.message.MetadataRequestData.MetadataRequestTopic;
import org.apache.kafka.common.message.MetadataResponseData.MetadataResponseBroker;
import org.apache.kafka.common.message.MetadataResponseData.MetadataResponseBrokerCollection;
import org.apache.kafka.common.message.MetadataResponseData.MetadataResponsePartition;
import org.apache.kafka.common.message.MetadataResponseData.MetadataResponseTopic;
import org.apache.kafka.common.message.MetadataResponseData.MetadataResponseTopicCollection;
import org.apache.kafka.common.message.MetadataResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.MetadataRequest;
import org.apache.kafka.common.requests.MetadataResponse;
import org.apache.kafka.common.requests.RequestHeader;

/**
 * Metadata: this broker is the only broker, the controller and the leader of every partition (leader epoch
 * 0, replicas and ISR just this node). Topics are named by name or, from v10, by id. A missing topic is
 * created with the broker's defaults when the request allows it (v4+) and auto.create.topics.enable is on;
 * that creation touches disk, so such a request is answered from the admin executor, every other one on
 * the event loop. Topics whose name starts with "__" are flagged internal.
 */
public final class MetadataHandler extends VersionedApiHandler {
    private final TopicRegistry topics;
    private final BrokerConfig config;
    private final BrokerNode node;
    private final Executor adminExecutor;

    public MetadataHandler(TopicRegistry topics, BrokerConfig config, BrokerNode node, Executor adminExecutor) {
        super(ApiKeys.METADATA);
        this.topics = topics;
        this.config = config;
        this.node = node;
        this.adminExecutor = adminExecutor;
    }

    @Override
    public CompletableFuture<ApiResponse> handle(RequestHeader header, AbstractRequest request, ClientConnection connection) {
        MetadataRequest metadata = (MetadataRequest) request;
        if (metadata.isAllTopics()) {
            return CompletableFuture.completedFuture(respond(metadata, topics.all(), List.of()));
        }
        Set<String> names = new LinkedHashSet<>();
        Set<Uuid> ids = new LinkedHashSet<>();
        for (MetadataRequestTopic requested : metadata.data().topics()) {
            if (requested.topicId() != null && !Uuid.ZERO_UUID.equals(requested.topicId())) {
                ids.add(requested.topicId());
            } else if (requested.name() != null) {
                names.add(requested.name());
            }
        }
        boolean autoCreate = metadata.data().allowAutoTopicCreation() && config.autoCreateTopicsEnable();
        boolean creates = autoCreate && names.stream()
                .anyMatch(name -> topics.topic(name).isEmpty() && Topic.isValid(name));
        if (creates) {
            return CompletableFuture.supplyAsync(() -> byName(metadata, names, ids, true), adminExecutor);
        }
        return CompletableFuture.completedFuture(byName(metadata, names, ids, false));
    }

    private ApiResponse byName(MetadataRequest request, Set<String> names, Set<Uuid> ids, boolean autoCreate) {
        List<TopicInfo> found = new ArrayList<>();
        List<MetadataResponseTopic> errors = new ArrayList<>();
        for (String name : names) {
            Optional<TopicInfo> topic = autoCreate ? topics.getOrAutoCreate(name) : topics.topic(name);
            if (topic.isPresent()) {
                found.add(topic.get());
            } else {
                Errors error = Topic.isValid(name) ? Errors.UNKNOWN_TOPIC_OR_PARTITION : Errors.INVALID_TOPIC_EXCEPTION;
                errors.add(new MetadataResponseTopic().setName(name).setErrorCode(error.code())
                        .setIsInternal(TopicRegistry.isInternal(name)));
            }
        }
        for (Uuid id : ids) {
            Optional<TopicInfo> topic = topics.topic(id);
            if (topic.isPresent()) {
                found.add(topic.get());
            } else {
                errors.add(new MetadataResponseTopic().setName(null).setTopicId(id)
                        .setErrorCode(Errors.UNKNOWN_TOPIC_ID.code()));
            }
        }
        return respond(request, found, errors);
    }

    private ApiResponse respond(MetadataRequest request, Collection<TopicInfo> found, List<MetadataResponseTopic> errors) {
        MetadataResponseTopicCollection topicCollection = new MetadataResponseTopicCollection();
        for (TopicInfo topic : found) {
            List<MetadataResponsePartition> partitions = new ArrayList<>(topic.partitions());
            for (int partition = 0; partition < topic.partitions(); partition++) {
                partitions.add(new MetadataResponsePartition()
                        .setPartitionIndex(partition)
                        .setErrorCode(Errors.NONE.code())
                        .setLeaderId(node.nodeId())
                        .setLeaderEpoch(0)
                        .setReplicaNodes(List.of(node.nodeId()))
                        .setIsrNodes(List.of(node.nodeId()))
                        .setOfflineReplicas(List.of()));
            }
            topicCollection.add(new MetadataResponseTopic()
                    .setName(topic.name())
                    .setTopicId(topic.id())
                    .setErrorCode(Errors.NONE.code())
                    .setIsInternal(TopicRegistry.isInternal(topic.name()))
                    .setPartitions(partitions));
        }
        errors.forEach(topicCollection::add);
        MetadataResponseBrokerCollection brokers = new MetadataResponseBrokerCollection();
        brokers.add(new MetadataResponseBroker().setNodeId(node.nodeId()).setHost(node.host()).setPort(node.port()));
        MetadataResponseData data = new MetadataResponseData()
                .setBrokers(brokers)
                .setClusterId(node.clusterId())
                .setControllerId(node.nodeId())
                .setTopics(topicCollection);
        return ApiResponse.of(new MetadataResponse(data, request.version()));
    }
}
