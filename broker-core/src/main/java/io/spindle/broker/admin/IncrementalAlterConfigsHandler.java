package io.spindle.broker.admin;

import io.spindle.broker.ApiResponse;
import io.spindle.broker.ClientConnection;
import io.spindle.broker.TopicInfo;
import io.spindle.broker.VersionedApiHandler;
import io.spindle.broker.cluster.MetadataAuthority;
import io.spindle.broker.meta.TopicRegistry;
import io.spindle.config.ConfigException;
import io.spindle.config.TopicConfig;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.InvalidConfigurationException;
import org.apache.kafka.common.errors.InvalidRequestException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.message.IncrementalAlterConfigsRequestData.AlterConfigsResource;
import org.apache.kafka.common.message.IncrementalAlterConfigsRequestData.AlterableConfig;
import org.apache.kafka.common.message.IncrementalAlterConfigsRequestData;
import org.apache.kafka.common.message.IncrementalAlterConfigsResponseData.AlterConfigsResourceResponse;
import org.apache.kafka.common.message.IncrementalAlterConfigsResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.ApiError;
import org.apache.kafka.common.requests.IncrementalAlterConfigsRequest;
import org.apache.kafka.common.requests.IncrementalAlterConfigsResponse;
import org.apache.kafka.common.requests.RequestHeader;

/**
 * IncrementalAlterConfigs on topics: SET and DELETE any topic key; APPEND and SUBTRACT only list-valued keys
 * (cleanup.policy), as Kafka allows. The resulting overrides are validated through TopicConfig as a whole,
 * persisted, and applied to the live partition logs. On groups (GROUP resources): SET and DELETE of the group
 * configs ({@link GroupConfigs}), applied to the group at once. Broker configs are static
 * and refused. Runs on the admin executor.
 */
public final class IncrementalAlterConfigsHandler extends VersionedApiHandler {
    private static final Set<String> LIST_KEYS = Set.of(TopicConfig.CLEANUP_POLICY);

    private final TopicRegistry topics;
    private final MetadataAuthority authority;
    private final Executor adminExecutor;
    private final GroupConfigs groupConfigs;

    /** @param groupConfigs the configs of GROUP resources (consumer.* and share.* group configs) */
    public IncrementalAlterConfigsHandler(TopicRegistry topics, MetadataAuthority authority, Executor adminExecutor,
                                          GroupConfigs groupConfigs) {
        super(ApiKeys.INCREMENTAL_ALTER_CONFIGS);
        this.topics = topics;
        this.authority = authority;
        this.adminExecutor = adminExecutor;
        this.groupConfigs = groupConfigs;
    }

    @Override
    public CompletableFuture<ApiResponse> handle(RequestHeader header, AbstractRequest request, ClientConnection connection) {
        IncrementalAlterConfigsRequestData data = ((IncrementalAlterConfigsRequest) request).data();
        return CompletableFuture.supplyAsync(() -> ApiResponse.of(alterAll(data)), adminExecutor);
    }

    private IncrementalAlterConfigsResponse alterAll(IncrementalAlterConfigsRequestData data) {
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
        return new IncrementalAlterConfigsResponse(new IncrementalAlterConfigsResponseData().setResponses(responses));
    }

    private void alter(AlterConfigsResource resource, boolean validateOnly) {
        if (ConfigResource.Type.forId(resource.resourceType()) == ConfigResource.Type.GROUP) {
            alterGroup(resource, validateOnly);
            return;
        }
        AdminErrors.requireTopicResource(resource.resourceType());
        String name = resource.resourceName();
        TopicInfo topic = topics.topic(name)
                .orElseThrow(() -> new UnknownTopicOrPartitionException("Topic '" + name + "' does not exist."));
        Map<String, String> overrides = new TreeMap<>(topics.overrides(name));
        Set<String> seen = new HashSet<>();
        for (AlterableConfig change : resource.configs()) {
            String key = change.name();
            if (!seen.add(key)) {
                throw new InvalidRequestException("Config '" + key + "' appears more than once for topic '" + name + "'.");
            }
            requireKnown(key, name);
            AlterConfigOp.OpType op = AlterConfigOp.OpType.forId(change.configOperation());
            if (op == null) {
                throw new InvalidRequestException("Unknown config operation " + change.configOperation()
                        + " for config '" + key + "' of topic '" + name + "'.");
            }
            switch (op) {
                case SET:
                    if (change.value() == null) {
                        throw new InvalidConfigurationException("Null value not supported for topic config '" + key
                                + "' of topic '" + name + "'.");
                    }
                    overrides.put(key, change.value());
                    break;
                case DELETE:
                    overrides.remove(key);
                    break;
                case APPEND:
                case SUBTRACT:
                    if (!LIST_KEYS.contains(key)) {
                        throw new InvalidConfigurationException("Config value " + op.name().toLowerCase(java.util.Locale.ROOT)
                                + " is not allowed for config '" + key + "' of topic '" + name + "': it is not a list.");
                    }
                    String current = overrides.getOrDefault(key, topic.config().asStringMap().get(key));
                    overrides.put(key, applyListOp(op, current, change.value()));
                    break;
                default:
                    throw new InvalidRequestException("Unsupported config operation " + op + ".");
            }
        }
        authority.replaceTopicConfigs(name, overrides, validateOnly);
    }

    /** A group's configs: SET and DELETE (none is a list); validated as a whole, stored, applied at once. */
    private void alterGroup(AlterConfigsResource resource, boolean validateOnly) {
        String group = resource.resourceName();
        if (group == null || group.isEmpty()) {
            throw new InvalidRequestException("A GROUP config resource needs a group id.");
        }
        Map<String, String> overrides = new TreeMap<>(groupConfigs.overrides(group));
        Set<String> seen = new HashSet<>();
        for (AlterableConfig change : resource.configs()) {
            String key = change.name();
            if (!seen.add(key)) {
                throw new InvalidRequestException("Config '" + key + "' appears more than once for group '" + group + "'.");
            }
            AlterConfigOp.OpType op = AlterConfigOp.OpType.forId(change.configOperation());
            if (op == AlterConfigOp.OpType.SET && change.value() != null) {
                overrides.put(key, change.value());
            } else if (op == AlterConfigOp.OpType.DELETE) {
                overrides.remove(key);
            } else {
                throw new InvalidConfigurationException("Config operation " + op + (change.value() == null ? " without a value" : "")
                        + " is not allowed for config '" + key + "' of group '" + group + "': groups take SET and DELETE.");
            }
        }
        try {
            groupConfigs.replace(group, overrides, validateOnly);
        } catch (ConfigException e) {
            throw new InvalidConfigurationException(e.getMessage() + " (group '" + group + "')");
        }
    }

    private static void requireKnown(String key, String topic) {
        try {
            TopicConfig.documentation(key);
        } catch (ConfigException e) {
            throw new InvalidConfigurationException(e.getMessage() + " (topic '" + topic + "')");
        }
    }

    private static String applyListOp(AlterConfigOp.OpType op, String current, String value) {
        Set<String> items = new LinkedHashSet<>(split(current));
        List<String> operands = value == null ? List.of() : split(value);
        if (op == AlterConfigOp.OpType.APPEND) {
            items.addAll(operands);
        } else {
            operands.forEach(items::remove);
        }
        return String.join(",", items);
    }

    private static List<String> split(String list) {
        List<String> items = new ArrayList<>();
        for (String item : Arrays.asList(list.split(","))) {
            if (!item.isBlank()) {
                items.add(item.trim());
            }
        }
        return items;
    }
}
