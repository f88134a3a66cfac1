package io.spindle.broker.admin;

import io.spindle.broker.ApiResponse;
import io.spindle.broker.ClientConnection;
import io.spindle.broker.TopicInfo;
import io.spindle.broker.VersionedApiHandler;
import io.spindle.broker.cluster.ClusterBroker;
import io.spindle.broker.cluster.MetadataAuthority;
import io.spindle.broker.cluster.PartitionLeadership;
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
 * Metadata: the live brokers, the controller and each partition's leader, leader epoch, replicas and in-sync replicas
 * as the {@link MetadataAuthority} knows them (this broker alone, or the cluster's metadata image). A partition with
 * no leader now (its storage failed, its logs are not created yet, its broker is fenced) is LEADER_NOT_AVAILABLE with
 * leader -1, which clients retry. Topics are named by name or, from v10, by id. A missing topic is
 * created with the broker's defaults when the request allows it (v4+) and auto.create.topics.enable is on;
 * that creation touches disk, so such a request is answered from the admin executor, every other one on
 * the event loop. Topics whose name starts with "__" are flagged internal.
 */
public final class MetadataHandler extends VersionedApiHandler {
    private final TopicRegistry topics;
    private final MetadataAuthority authority;
    private final BrokerConfig config;
    private final BrokerNode node;
    private final Executor adminExecutor;

    public MetadataHandler(TopicRegistry topics, MetadataAuthority authority, BrokerConfig config, BrokerNode node,
                           Executor adminExecutor) {
        super(ApiKeys.METADATA);
        this.topics = topics;
        this.authority = authority;
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
            Optional<TopicInfo> topic = autoCreate ? authority.getOrAutoCreate(name) : topics.topic(name);
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

    private MetadataResponsePartition describe(String topic, int index) {
        MetadataResponsePartition described = new MetadataResponsePartition().setPartitionIndex(index);
        Optional<PartitionLeadership> known = authority.partition(topic, index);
        if (known.isEmpty()) {
            // Between a topic's registration and its logs' creation: clients retry on this error.
            return described.setErrorCode(Errors.LEADER_NOT_AVAILABLE.code()).setLeaderId(-1).setLeaderEpoch(-1)
                    .setReplicaNodes(List.of()).setIsrNodes(List.of()).setOfflineReplicas(List.of());
        }
        PartitionLeadership leadership = known.get();
        described.setLeaderEpoch(leadership.leaderEpoch())
                .setReplicaNodes(leadership.replicas())
                .setIsrNodes(leadership.isr())
                .setOfflineReplicas(leadership.offlineReplicas())
                .setLeaderId(leadership.leader());
        Errors error = leadership.hasLeader() ? Errors.NONE : Errors.LEADER_NOT_AVAILABLE;
        return described.setErrorCode(error.code());
    }

    private ApiResponse respond(MetadataRequest request, Collection<TopicInfo> found, List<MetadataResponseTopic> errors) {
        MetadataResponseTopicCollection topicCollection = new MetadataResponseTopicCollection();
        for (TopicInfo topic : found) {
            List<MetadataResponsePartition> described = new ArrayList<>(topic.partitions());
            for (int index = 0; index < topic.partitions(); index++) {
                described.add(describe(topic.name(), index));
            }
            topicCollection.add(new MetadataResponseTopic()
                    .setName(topic.name())
                    .setTopicId(topic.id())
                    .setErrorCode(Errors.NONE.code())
                    .setIsInternal(TopicRegistry.isInternal(topic.name()))
                    .setPartitions(described));
        }
        errors.forEach(topicCollection::add);
        MetadataResponseBrokerCollection brokers = new MetadataResponseBrokerCollection();
        for (ClusterBroker broker : authority.liveBrokers()) {
            brokers.add(new MetadataResponseBroker().setNodeId(broker.id()).setHost(broker.host())
                    .setPort(broker.port()).setRack(broker.rack().orElse(null)));
        }
        MetadataResponseData data = new MetadataResponseData()
                .setBrokers(brokers)
                .setClusterId(node.clusterId())
                .setControllerId(authority.controllerId())
                .setTopics(topicCollection);
        return ApiResponse.of(new MetadataResponse(data, request.version()));
    }
}
