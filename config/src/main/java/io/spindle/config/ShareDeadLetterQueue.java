package io.spindle.config;

import java.util.List;
import java.util.Map;

/**
 * A share group's dead-letter queue as Kafka 4.4 defines it (KIP-1191): the group configs
 * {@value #TOPIC_NAME} and {@value #COPY_RECORD_ENABLE}, and the broker settings {@value #TOPIC_NAME_PREFIX} and
 * {@value #AUTO_CREATE_TOPICS_ENABLE} that bound them. A part of {@link ShareSettings}.
 *
 * <p>Invariant (checked when built): {@code topicName} is empty or a literal topic name that does not start with
 * {@code __} and starts with {@code topicNamePrefix}. The topic config
 * {@value TopicConfig#ERRORS_DEADLETTERQUEUE_GROUP_ENABLE} is checked where the dead letter is written.
 *
 * @param topicName              errors.deadletterqueue.topic.name: where the group's dead letters go; empty: none
 * @param copyRecord             errors.deadletterqueue.copy.record.enable: whether a dead letter carries the record's
 *                               key, value and headers (false: only the {@code __dlq.errors.*} headers)
 * @param topicNamePrefix        errors.deadletterqueue.topic.name.prefix (broker): what every such name starts with
 * @param autoCreateTopicsEnable errors.deadletterqueue.auto.create.topics.enable (broker): whether a missing topic is
 *                               created (opted in) when the first dead letter goes to it
 */
public record ShareDeadLetterQueue(String topicName, boolean copyRecord, String topicNamePrefix,
                                   boolean autoCreateTopicsEnable) {
    /** Group config (Kafka's name). */
    public static final String TOPIC_NAME = "errors.deadletterqueue.topic.name";
    /** Group config (Kafka's name). */
    public static final String COPY_RECORD_ENABLE = "errors.deadletterqueue.copy.record.enable";
    /** Broker setting (Kafka's name). */
    public static final String TOPIC_NAME_PREFIX = "errors.deadletterqueue.topic.name.prefix";
    /** Broker setting (Kafka's name). */
    public static final String AUTO_CREATE_TOPICS_ENABLE = "errors.deadletterqueue.auto.create.topics.enable";

    static final ConfigKey<String> TOPIC_NAME_KEY = new ConfigKey<>(TOPIC_NAME, ValueType.deadLetterQueueTopic(), "",
            "Kafka's (KIP-1191): the topic this share group writes its dead letters to (a record it rejects or that "
                    + "reaches the delivery count limit), before archiving it; must start with "
                    + TOPIC_NAME_PREFIX + " and not with '__'. Empty: none. Wins over spindle.share.dead.letter.topic.");
    static final ConfigKey<Boolean> COPY_RECORD_ENABLE_KEY = new ConfigKey<>(COPY_RECORD_ENABLE, ValueType.bool(),
            false, "Kafka's (KIP-1191): whether a dead letter carries the record's key, value and headers; false: "
                    + "only the __dlq.errors.* headers naming the record.");
    static final ConfigKey<String> TOPIC_NAME_PREFIX_KEY = new ConfigKey<>(TOPIC_NAME_PREFIX,
            ValueType.deadLetterQueueTopic(), "dlq.",
            "Kafka's (KIP-1191): what every share group's errors.deadletterqueue.topic.name must start with; empty: "
                    + "any name.");
    static final ConfigKey<Boolean> AUTO_CREATE_TOPICS_ENABLE_KEY = new ConfigKey<>(AUTO_CREATE_TOPICS_ENABLE,
            ValueType.bool(), false, "Kafka's (KIP-1191): whether a share group's dead-letter queue topic that does "
                    + "not exist is created (with errors.deadletterqueue.group.enable=true) by its first dead letter.");

    /** The broker settings. */
    static final List<ConfigKey<?>> BROKER_KEYS = List.of(TOPIC_NAME_PREFIX_KEY, AUTO_CREATE_TOPICS_ENABLE_KEY);
    /** The group configs. */
    static final List<ConfigKey<?>> GROUP_KEYS = List.of(TOPIC_NAME_KEY, COPY_RECORD_ENABLE_KEY);
    /** No queue, Kafka's broker defaults. */
    public static final ShareDeadLetterQueue NONE = new ShareDeadLetterQueue("", false, "dlq.", false);

    /** @throws ConfigException naming the rule the topic name breaks */
    public ShareDeadLetterQueue {
        TOPIC_NAME_KEY.check(topicName);
        TOPIC_NAME_PREFIX_KEY.check(topicNamePrefix);
        if (!topicName.isEmpty() && !topicName.startsWith(topicNamePrefix)) {
            throw new ConfigException(TOPIC_NAME, "Invalid value " + ConfigException.quote(topicName)
                    + " for configuration " + ConfigException.quote(TOPIC_NAME) + ": a share group's dead-letter queue "
                    + "topic must start with " + ConfigException.quote(topicNamePrefix) + " (the broker's "
                    + TOPIC_NAME_PREFIX + ")");
        }
    }

    /** The broker's settings, without a topic. */
    static ShareDeadLetterQueue settings(Map<String, Object> values) {
        return new ShareDeadLetterQueue("", false, TOPIC_NAME_PREFIX_KEY.valueIn(values),
                AUTO_CREATE_TOPICS_ENABLE_KEY.valueIn(values));
    }

    /** Whether the group names a dead-letter queue topic. */
    public boolean enabled() {
        return !topicName.isEmpty();
    }

    ShareDeadLetterQueue withGroup(String name, boolean copy) {
        return new ShareDeadLetterQueue(name, copy, topicNamePrefix, autoCreateTopicsEnable);
    }
}
