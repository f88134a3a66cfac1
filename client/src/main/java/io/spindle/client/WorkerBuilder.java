package io.spindle.client;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What every worker's builder takes ({@link ConsumerWorker.Builder}, {@link QueueWorker.Builder}): the connection,
 * the serdes of keys and values, the group, the topics and kafka-clients settings by their Kafka names. {@code B} is
 * the concrete builder, so that its own settings chain after these.
 */
public abstract class WorkerBuilder<K, V, B extends WorkerBuilder<K, V, B>> {
    final Spindle spindle;
    final Serde<K> keys;
    final Serde<V> values;
    String group;
    List<String> topics = List.of();
    final Map<String, Object> config = new LinkedHashMap<>();

    WorkerBuilder(Spindle spindle, Serde<K> keys, Serde<V> values) {
        this.spindle = spindle;
        this.keys = Objects.requireNonNull(keys, "keys");
        this.values = Objects.requireNonNull(values, "values");
    }

    /** This builder as its concrete type. */
    abstract B self();

    public B group(String group) {
        this.group = Objects.requireNonNull(group, "group");
        return self();
    }

    public B topics(Collection<String> topics) {
        this.topics = List.copyOf(topics);
        return self();
    }

    public B topics(String... topics) {
        return topics(List.of(topics));
    }

    /**
     * Any kafka-clients setting by its Kafka name; wins over the worker's defaults, except the settings the worker
     * needs to keep its promise (each builder says which).
     */
    public B config(String key, Object value) {
        config.put(key, value);
        return self();
    }

    /** Refuses a worker without a group or topics; {@code kind} names it in the error ("A queue worker"). */
    final void requireGroupAndTopics(String kind, String groupWord) {
        if (group == null || group.isBlank()) {
            throw new IllegalArgumentException(kind + " needs a " + groupWord);
        }
        if (topics.isEmpty()) {
            throw new IllegalArgumentException(kind + " of " + groupWord + " '" + group + "' needs topics");
        }
    }
}
