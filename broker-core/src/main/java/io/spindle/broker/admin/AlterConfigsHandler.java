package io.spindle.broker.admin;

import io.spindle.broker.ApiResponse;
import io.spindle.broker.ClientConnection;
import io.spindle.broker.VersionedApiHandler;
import io.spindle.broker.cluster.MetadataAuthority;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import org.apache.kafka.common.errors.InvalidConfigurationException;
import org.apache.kafka.common.message.AlterConfigsRequestData.AlterConfigsResource;
import org.apache.kafka.common.message.AlterConfigsRequestData.AlterableConfig;
import org.apache.kafka.common.message.AlterConfigsRequestData;
import org.apache.kafka.common.message.AlterConfigsResponseData.AlterConfigsResourceResponse;
import org.apache.kafka.common.message.AlterConfigsResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.AlterConfigsRequest;
import org.apache.kafka.common.requests.AlterConfigsResponse;
import org.apache.kafka.common.requests.ApiError;
import org.apache.kafka.common.requests.RequestHeader;

/**
 * AlterConfigs (the legacy, non-incremental API): the configs given for a topic become its complete set of
 * overrides; keys not named return to their defaults. Validated through TopicConfig, persisted, and applied
 * to the live partition logs. Broker configs are static in Spindle and are refused. Runs on the admin executor.
 */
public final class AlterConfigsHandler extends VersionedApiHandler {
    private final MetadataAuthority authority;
    private final Executor adminExecutor;

    public AlterConfigsHandler(MetadataAuthority authority, Executor adminExecutor) {
        super(ApiKeys.ALTER_CONFIGS);
        this.authority = authority;
        this.adminExecutor = adminExecutor;
    }

    @Override
    public CompletableFuture<ApiResponse> handle(RequestHeader header, AbstractRequest request, ClientConnection connection) {
        AlterConfigsRequestData data = ((AlterConfigsRequest) request).data();
        return CompletableFuture.supplyAsync(() -> ApiResponse.of(alterAll(data)), adminExecutor);
    }

    private AlterConfigsResponse alterAll(AlterConfigsRequestData data) {
        List<AlterConfigsResourceResponse> responses = new ArrayList<>();
        for (AlterConfigsResource resource : data.resources()) {
            AlterConfigsResourceResponse response = new AlterConfigsResourceResponse()
                    .setResourceType(resource.resourceType())
                    .setResourceName(resource.resourceName())
                    .setErrorCode(Errors.NONE.code());
            try {
                alter(resource, data.validateOnly());
            } catch (RuntimeException e) {
                ApiError error = AdminErrors.of("Altering configs", resource.resourceName(), e);
                response.setErrorCode(error.error().code()).setErrorMessage(error.message());
            }
            responses.add(response);
        }
        return new AlterConfigsResponse(new AlterConfigsResponseData().setResponses(responses));
    }

    private void alter(AlterConfigsResource resource, boolean validateOnly) {
        AdminErrors.requireTopicResource(resource.resourceType());
        Map<String, String> overrides = new LinkedHashMap<>();
        for (AlterableConfig setting : resource.configs()) {
            if (setting.value() == null) {
                throw new InvalidConfigurationException("Null value not supported for topic config '"
                        + setting.name() + "' of topic '" + resource.resourceName() + "'.");
            }
            overrides.put(setting.name(), setting.value());
        }
        authority.replaceTopicConfigs(resource.resourceName(), overrides, validateOnly);
    }
}
