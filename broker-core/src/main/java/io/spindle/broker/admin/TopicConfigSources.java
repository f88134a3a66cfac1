package io.spindle.broker.admin;

import io.spindle.config.BrokerConfig;
import io.spindle.config.TopicConfig;
import java.util.Map;
import org.apache.kafka.common.requests.DescribeConfigsResponse.ConfigSource;
import org.apache.kafka.common.requests.DescribeConfigsResponse.ConfigType;

/**
 * Where a topic's effective config value comes from, as Kafka reports it: the topic's own override
 * (DYNAMIC_TOPIC_CONFIG), else the broker-wide default set in the broker's config (STATIC_BROKER_CONFIG under
 * its broker name, e.g. log.retention.ms), else the built-in default (DEFAULT_CONFIG).
 */
final class TopicConfigSources {
    private static final String DEFAULT_SOURCE = "default";

    private final BrokerConfig brokerConfig;

    TopicConfigSources(BrokerConfig brokerConfig) {
        this.brokerConfig = brokerConfig;
    }

    ConfigSource sourceOf(String topicKey, Map<String, String> overrides) {
        if (overrides.containsKey(topicKey)) {
            return ConfigSource.TOPIC_CONFIG;
        }
        return brokerSetsDefault(topicKey) ? ConfigSource.STATIC_BROKER_CONFIG : ConfigSource.DEFAULT_CONFIG;
    }

    /** True when the broker's own config (file, environment or override) sets the broker-wide default of {@code topicKey}. */
    boolean brokerSetsDefault(String topicKey) {
        String brokerKey = BrokerConfig.brokerSynonym(topicKey);
        return brokerKey != null && !DEFAULT_SOURCE.equals(brokerConfig.source(brokerKey));
    }

    /** True when {@code brokerKey} was set in the broker's config rather than left at its default. */
    boolean brokerSets(String brokerKey) {
        return !DEFAULT_SOURCE.equals(brokerConfig.source(brokerKey));
    }

    /** The built-in default of {@code topicKey} as text. */
    static String builtInDefault(String topicKey) {
        return TopicConfig.defaults().asStringMap().get(topicKey);
    }

    /** The type Kafka gives each topic key (cleanup.policy is a list in Kafka). */
    static ConfigType typeOf(String topicKey) {
        switch (topicKey) {
            case TopicConfig.RETENTION_MS:
            case TopicConfig.RETENTION_BYTES:
            case TopicConfig.SEGMENT_MS:
            case TopicConfig.MIN_COMPACTION_LAG_MS:
            case TopicConfig.MAX_COMPACTION_LAG_MS:
            case TopicConfig.DELETE_RETENTION_MS:
                return ConfigType.LONG;
            case TopicConfig.MIN_CLEANABLE_DIRTY_RATIO:
                return ConfigType.DOUBLE;
            case TopicConfig.SEGMENT_BYTES:
            case TopicConfig.MAX_MESSAGE_BYTES:
            case TopicConfig.INDEX_INTERVAL_BYTES:
                return ConfigType.INT;
            case TopicConfig.CLEANUP_POLICY:
                return ConfigType.LIST;
            case TopicConfig.MESSAGE_TIMESTAMP_TYPE:
                return ConfigType.STRING;
            default:
                return ConfigType.UNKNOWN;
        }
    }
}
