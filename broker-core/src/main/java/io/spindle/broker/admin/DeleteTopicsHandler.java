package io.spindle.broker.admin;

import io.spindle.broker.ApiResponse;
import io.spindle.broker.ClientConnection;
import io.spindle.broker.TopicInfo;
import io.spindle.broker.VersionedApiHandler;
import io.spindle.broker.cluster.MetadataAuthority;
import io.spindle.broker.meta.TopicRegistry;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.InvalidRequestException;
import org.apache.kafka.common.errors.UnknownTopicIdException;
import org.apache.kafka.common.message.DeleteTopicsRequestData.DeleteTopicState;
import org.apache.kafka.common.message.DeleteTopicsResponseData.DeletableTopicResult;
import org.apache.kafka.common.message.DeleteTopicsResponseData.DeletableTopicResultCollection;
import org.apache.kafka.common.message.DeleteTopicsResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.ApiError;
import org.apache.kafka.common.requests.DeleteTopicsRequest;
import org.apache.kafka.common.requests.DeleteTopicsResponse;
import org.apache.kafka.common.requests.RequestHeader;

/**
 * DeleteTopics, by name (all versions) or by topic id (v6+). Internal topics ("__...") belong to the broker
 * and are refused. Runs on the admin executor: deleting removes files.
 */
public final class DeleteTopicsHandler extends VersionedApiHandler {
    private final TopicRegistry topics;
    private final Executor adminExecutor;

    private final MetadataAuthority authority;

    public DeleteTopicsHandler(TopicRegistry topics, MetadataAuthority authority, Executor adminExecutor) {
        super(ApiKeys.DELETE_TOPICS);
        this.topics = topics;
        this.authority = authority;
        this.adminExecutor = adminExecutor;
    }

    @Override
    public CompletableFuture<ApiResponse> handle(RequestHeader header, AbstractRequest request, ClientConnection connection) {
        DeleteTopicsRequest delete = (DeleteTopicsRequest) request;
        return CompletableFuture.supplyAsync(() -> ApiResponse.of(deleteAll(delete)), adminExecutor);
    }

    private DeleteTopicsResponse deleteAll(DeleteTopicsRequest request) {
        DeletableTopicResultCollection results = new DeletableTopicResultCollection();
        if (request.version() >= 6) {
            for (DeleteTopicState state : request.data().topics()) {
                results.add(state.name() != null ? deleteByName(state.name()) : deleteById(state.topicId()));
            }
        } else {
            for (String name : request.data().topicNames()) {
                results.add(deleteByName(name));
            }
        }
        return new DeleteTopicsResponse(new DeleteTopicsResponseData().setResponses(results));
    }

    private DeletableTopicResult deleteByName(String name) {
        DeletableTopicResult result = new DeletableTopicResult().setName(name);
        try {
            if (TopicRegistry.isInternal(name)) {
                throw new InvalidRequestException("Topic '" + name + "' is internal to the broker and cannot be deleted.");
            }
            TopicInfo deleted = authority.deleteTopic(name);
            return result.setTopicId(deleted.id()).setErrorCode(Errors.NONE.code());
        } catch (RuntimeException e) {
            ApiError error = AdminErrors.of("Deleting topic", name, e);
            return result.setErrorCode(error.error().code()).setErrorMessage(error.message());
        }
    }

    private DeletableTopicResult deleteById(Uuid id) {
        Optional<TopicInfo> topic = topics.topic(id);
        if (topic.isEmpty()) {
            ApiError error = ApiError.fromThrowable(new UnknownTopicIdException("Topic id " + id + " does not exist."));
            return new DeletableTopicResult().setName(null).setTopicId(id)
                    .setErrorCode(error.error().code()).setErrorMessage(error.message());
        }
        return deleteByName(topic.get().name()).setTopicId(id);
    }
}
