package io.spindle.broker.admin;

import io.spindle.broker.ApiResponse;
import io.spindle.broker.ClientConnection;
import io.spindle.broker.TopicInfo;
import io.spindle.broker.VersionedApiHandler;
import io.spindle.broker.meta.TopicRegistry;
import io.spindle.config.BrokerConfig;
import io.spindle.config.TopicConfig;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.message.DescribeConfigsRequestData.DescribeConfigsResource;
import org.apache.kafka.common.message.DescribeConfigsRequestData;
import org.apache.kafka.common.message.DescribeConfigsResponseData.DescribeConfigsResourceResult;
import org.apache.kafka.common.message.DescribeConfigsResponseData.DescribeConfigsResult;
import org.apache.kafka.common.message.DescribeConfigsResponseData.DescribeConfigsSynonym;
import org.apache.kafka.common.message.DescribeConfigsResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.DescribeConfigsRequest;
import org.apache.kafka.common.requests.DescribeConfigsResponse.ConfigSource;
import org.apache.kafka.common.requests.DescribeConfigsResponse.ConfigType;
import org.apache.kafka.common.requests.DescribeConfigsResponse;
import org.apache.kafka.common.requests.RequestHeader;

/**
 * DescribeConfigs for TOPIC resources (every topic key, with its source: the topic's override, the broker's
 * configured default, or the built-in default; synonyms and documentation when asked) and for this BROKER
 * (its keys, read-only: broker config is static). Reads memory only, so it answers on the event loop.
 */
public final class DescribeConfigsHandler extends VersionedApiHandler {
    private final TopicRegistry topics;
    private final BrokerConfig config;
    private final TopicConfigSources sources;
    private final GroupConfigs groupConfigs;

    public DescribeConfigsHandler(TopicRegistry topics, BrokerConfig config) {
        this(topics, config, GroupConfigs.NONE);
    }

    /** @param groupConfigs the configs of GROUP resources (consumer.* and share.* group configs) */
    public DescribeConfigsHandler(TopicRegistry topics, BrokerConfig config, GroupConfigs groupConfigs) {
        super(ApiKeys.DESCRIBE_CONFIGS);
        this.topics = topics;
        this.config = config;
        this.sources = new TopicConfigSources(config);
        this.groupConfigs = groupConfigs;
    }

    @Override
    public CompletableFuture<ApiResponse> handle(RequestHeader header, AbstractRequest request, ClientConnection connection) {
        DescribeConfigsRequestData data = ((DescribeConfigsRequest) request).data();
        List<DescribeConfigsResult> results = new ArrayList<>();
        for (DescribeConfigsResource resource : data.resources()) {
            DescribeConfigsResult result = new DescribeConfigsResult()
                    .setResourceType(resource.resourceType())
                    .setResourceName(resource.resourceName())
                    .setErrorCode(Errors.NONE.code());
            ConfigResource.Type type = ConfigResource.Type.forId(resource.resourceType());
            if (type == ConfigResource.Type.TOPIC) {
                describeTopic(resource, data, result);
            } else if (type == ConfigResource.Type.BROKER) {
                describeBroker(resource, data, result);
            } else if (type == ConfigResource.Type.GROUP) {
                describeGroup(resource, data, result);
            } else {
                result.setErrorCode(Errors.INVALID_REQUEST.code())
                        .setErrorMessage("Spindle does not describe configs of resource type " + type + ".");
            }
            results.add(result);
        }
        return CompletableFuture.completedFuture(ApiResponse.of(
                new DescribeConfigsResponse(new DescribeConfigsResponseData().setResults(results))));
    }

    private void describeTopic(DescribeConfigsResource resource, DescribeConfigsRequestData data,
                               DescribeConfigsResult result) {
        Optional<TopicInfo> topic = topics.topic(resource.resourceName());
        if (topic.isEmpty()) {
            result.setErrorCode(Errors.UNKNOWN_TOPIC_OR_PARTITION.code())
                    .setErrorMessage("Topic '" + resource.resourceName() + "' does not exist.");
            return;
        }
        Map<String, String> overrides = topics.overrides(topic.get().name());
        Map<String, String> values = topic.get().config().asStringMap();
        List<DescribeConfigsResourceResult> configs = new ArrayList<>();
        for (String key : selected(TopicConfig.names(), resource.configurationKeys())) {
            DescribeConfigsResourceResult entry = new DescribeConfigsResourceResult()
                    .setName(key)
                    .setValue(values.get(key))
                    .setReadOnly(false)
                    .setIsSensitive(false)
                    .setConfigSource(sources.sourceOf(key, overrides).id())
                    .setConfigType(TopicConfigSources.typeOf(key).id());
            if (data.includeDocumentation()) {
                entry.setDocumentation(TopicConfig.documentation(key));
            }
            if (data.includeSynonyms()) {
                entry.setSynonyms(topicSynonyms(key, overrides));
            }
            configs.add(entry);
        }
        result.setConfigs(configs);
    }

    /** Kafka's order: the topic override, then the broker's configured default, then the built-in default. */
    private List<DescribeConfigsSynonym> topicSynonyms(String key, Map<String, String> overrides) {
        List<DescribeConfigsSynonym> synonyms = new ArrayList<>();
        if (overrides.containsKey(key)) {
            synonyms.add(new DescribeConfigsSynonym().setName(key).setValue(overrides.get(key))
                    .setSource(ConfigSource.TOPIC_CONFIG.id()));
        }
        String brokerKey = BrokerConfig.brokerSynonym(key);
        if (brokerKey != null) {
            if (sources.brokerSets(brokerKey)) {
                synonyms.add(new DescribeConfigsSynonym().setName(brokerKey)
                        .setValue(config.asStringMap().get(brokerKey)).setSource(ConfigSource.STATIC_BROKER_CONFIG.id()));
            }
            synonyms.add(new DescribeConfigsSynonym().setName(brokerKey)
                    .setValue(TopicConfigSources.builtInDefault(key)).setSource(ConfigSource.DEFAULT_CONFIG.id()));
        }
        return synonyms;
    }

    private void describeBroker(DescribeConfigsResource resource, DescribeConfigsRequestData data,
                                DescribeConfigsResult result) {
        String name = resource.resourceName();
        if (!name.isEmpty() && !name.equals(Integer.toString(config.nodeId()))) {
            result.setErrorCode(Errors.INVALID_REQUEST.code()).setErrorMessage("Unexpected broker id, expected "
                    + config.nodeId() + " or empty string, but received " + name + ".");
            return;
        }
        Map<String, String> values = config.asStringMap();
        List<DescribeConfigsResourceResult> configs = new ArrayList<>();
        for (String key : selected(BrokerConfig.names(), resource.configurationKeys())) {
            ConfigSource source = sources.brokerSets(key) ? ConfigSource.STATIC_BROKER_CONFIG : ConfigSource.DEFAULT_CONFIG;
            DescribeConfigsResourceResult entry = new DescribeConfigsResourceResult()
                    .setName(key)
                    .setValue(values.get(key))
                    .setReadOnly(true)
                    .setIsSensitive(false)
                    .setConfigSource(source.id())
                    .setConfigType(ConfigType.UNKNOWN.id());
            if (data.includeDocumentation()) {
                entry.setDocumentation(BrokerConfig.documentation(key));
            }
            if (data.includeSynonyms()) {
                entry.setSynonyms(List.of(new DescribeConfigsSynonym().setName(key).setValue(values.get(key))
                        .setSource(source.id())));
            }
            configs.add(entry);
        }
        result.setConfigs(configs);
    }

    /** A group's configs: its own (GROUP_CONFIG) or the broker's default (DEFAULT_CONFIG). */
    private void describeGroup(DescribeConfigsResource resource, DescribeConfigsRequestData data,
                               DescribeConfigsResult result) {
        String group = resource.resourceName();
        Map<String, String> overrides = groupConfigs.overrides(group);
        Map<String, String> values = groupConfigs.values(group);
        List<DescribeConfigsResourceResult> configs = new ArrayList<>();
        for (String key : selected(groupConfigs.names(), resource.configurationKeys())) {
            ConfigSource source = overrides.containsKey(key) ? ConfigSource.GROUP_CONFIG : ConfigSource.DEFAULT_CONFIG;
            DescribeConfigsResourceResult entry = new DescribeConfigsResourceResult().setName(key)
                    .setValue(values.get(key)).setReadOnly(false).setIsSensitive(false)
                    .setConfigSource(source.id()).setConfigType(ConfigType.UNKNOWN.id());
            if (data.includeDocumentation()) {
                entry.setDocumentation(groupConfigs.documentation(key));
            }
            if (data.includeSynonyms()) {
                entry.setSynonyms(List.of(new DescribeConfigsSynonym().setName(key).setValue(values.get(key))
                        .setSource(source.id())));
            }
            configs.add(entry);
        }
        result.setConfigs(configs);
    }

    /** The known keys asked for, in the known order; all of them when none is named (null). */
    private static List<String> selected(Collection<String> known, List<String> asked) {
        List<String> keys = new ArrayList<>();
        for (String key : known) {
            if (asked == null || asked.contains(key)) {
                keys.add(key);
            }
        }
        return keys;
    }
}
