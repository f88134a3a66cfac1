package io.spindle.config;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The broker's cluster settings: the metadata quorum's keys ({@link ClusterSettings}, whose definitions they reuse)
 * and the broker's rack. A broker without {@code controller.quorum.voters} is a single broker, as before, and starts
 * no quorum member; with voters it joins the cluster they name. {@code node.id} is {@link BrokerConfig}'s own key,
 * since a single broker reports it too.
 */
final class ClusterBrokerKeys {
    static final ConfigKey<String> QUORUM_VOTERS_KEY = new ConfigKey<>(ClusterSettings.QUORUM_VOTERS,
            parsedLater("empty or id@host:port,..."), "",
            "The metadata quorum's voters as id@host:port,... (each voter's node.id and Raft port, not its Kafka "
                    + "listener), the same on every broker of the cluster. A broker whose node.id is not among them is an "
                    + "observer and needs controller.quorum.observer.address. Empty: a single broker with no quorum.");
    static final ConfigKey<String> OBSERVER_ADDRESS_KEY = new ConfigKey<>(ClusterSettings.OBSERVER_ADDRESS,
            parsedLater("empty or host:port"), "",
            "The Raft address (host:port) of a broker that is not one of controller.quorum.voters: such a broker is an "
                    + "observer, which receives the metadata log there and applies it without voting. Empty on a "
                    + "voter (its Raft address is its voter entry).");
    static final ConfigKey<String> BROKER_RACK_KEY = new ConfigKey<>(BrokerConfig.BROKER_RACK, ValueType.host(true),
            "", "The rack (or zone) of this broker; when every live broker has one, a topic's replicas are spread over "
                    + "racks. Empty: no rack. Used only with controller.quorum.voters.");

    static final ConfigKey<Integer> DEFAULT_REPLICATION_FACTOR_KEY = new ConfigKey<>("default.replication.factor",
            ValueType.intAtLeast(1), 1,
            "The replicas of each partition of a topic created without a replication factor (auto-created topics too); "
                    + "at most the number of live brokers. A single broker takes only 1.");
    static final ConfigKey<Long> REPLICA_LAG_TIME_MAX_MS_KEY = new ConfigKey<>("replica.lag.time.max.ms",
            ValueType.longAtLeast(1), 30_000L,
            "A follower that has not caught up with its leader's log end for this long, in milliseconds, is taken out "
                    + "of the partition's in-sync replicas (through the metadata quorum); it comes back once caught up.");


    static final ConfigKey<Integer> OFFSETS_TOPIC_REPLICATION_FACTOR_KEY = new ConfigKey<>(
            "offsets.topic.replication.factor", ValueType.intBetween(1, Short.MAX_VALUE), 3,
            "The replicas of __consumer_offsets when a cluster creates it: this many, or the live brokers at its "
                    + "creation when fewer (Kafka refuses to create it then). A single broker keeps 1.");
    static final ConfigKey<Integer> TRANSACTION_STATE_LOG_REPLICATION_FACTOR_KEY = new ConfigKey<>(
            "transaction.state.log.replication.factor", ValueType.intBetween(1, Short.MAX_VALUE), 3,
            "The replicas of __transaction_state when a cluster creates it: this many, or the live brokers at its "
                    + "creation when fewer. A single broker keeps 1.");
    static final ConfigKey<Integer> TRANSACTION_STATE_LOG_MIN_ISR_KEY = new ConfigKey<>(
            "transaction.state.log.min.isr", ValueType.intAtLeast(1), 2,
            "min.insync.replicas of __transaction_state, set at its creation (at most its replication factor).");
    static final ConfigKey<Integer> SHARE_STATE_TOPIC_REPLICATION_FACTOR_KEY = new ConfigKey<>(
            "share.coordinator.state.topic.replication.factor", ValueType.intBetween(1, Short.MAX_VALUE), 3,
            "The replicas of __share_group_state when a cluster creates it: this many, or the live brokers at its "
                    + "creation when fewer. A single broker keeps 1.");
    static final ConfigKey<Integer> SHARE_STATE_TOPIC_MIN_ISR_KEY = new ConfigKey<>(
            "share.coordinator.state.topic.min.isr", ValueType.intAtLeast(1), 2,
            "min.insync.replicas of __share_group_state, set at its creation (at most its replication factor).");

    static final List<ConfigKey<?>> ALL = List.of(QUORUM_VOTERS_KEY, OBSERVER_ADDRESS_KEY, ClusterSettings.SESSION_TIMEOUT_MS_KEY,
            ClusterSettings.HEARTBEAT_INTERVAL_MS_KEY, ClusterSettings.SNAPSHOT_INTERVAL_ENTRIES_KEY, BROKER_RACK_KEY,
            DEFAULT_REPLICATION_FACTOR_KEY, REPLICA_LAG_TIME_MAX_MS_KEY, OFFSETS_TOPIC_REPLICATION_FACTOR_KEY,
            TRANSACTION_STATE_LOG_REPLICATION_FACTOR_KEY, TRANSACTION_STATE_LOG_MIN_ISR_KEY,
            SHARE_STATE_TOPIC_REPLICATION_FACTOR_KEY, SHARE_STATE_TOPIC_MIN_ISR_KEY);

    private ClusterBrokerKeys() {
    }

    /** Any text: the voters and the observer address are parsed when the cluster section is built, whose errors name
     * the entry at fault. */
    private static ValueType<String> parsedLater(String expected) {
        return new ValueType<>() {
            @Override public Class<String> javaType() { return String.class; }
            @Override public String parse(String text) { return text; }
            @Override public String format(String value) { return value; }
            @Override public String expected() { return expected; }
        };
    }

    /** The cluster section of a broker configuration's checked values: empty for a single broker. */
    static Optional<ClusterSettings> settings(Map<String, Object> values, int nodeId) {
        String voters = QUORUM_VOTERS_KEY.valueIn(values);
        if (voters.isEmpty()) {
            return Optional.empty();
        }
        String observer = OBSERVER_ADDRESS_KEY.valueIn(values);
        return Optional.of(new ClusterSettings(nodeId, ClusterSettings.parseVoters(voters, null),
                ClusterSettings.SESSION_TIMEOUT_MS_KEY.valueIn(values),
                ClusterSettings.HEARTBEAT_INTERVAL_MS_KEY.valueIn(values),
                ClusterSettings.SNAPSHOT_INTERVAL_ENTRIES_KEY.valueIn(values),
                observer.isBlank() ? Optional.empty() : Optional.of(ClusterSettings.parseAddress(nodeId, observer, null))));
    }

    /** The replication of the three coordinator state topics, as the keys above set it. */
    static StateTopicReplication stateTopics(Map<String, Object> values, int minInsyncReplicas) {
        return new StateTopicReplication(
                new StateTopicReplication.Of(OFFSETS_TOPIC_REPLICATION_FACTOR_KEY.valueIn(values), minInsyncReplicas),
                new StateTopicReplication.Of(TRANSACTION_STATE_LOG_REPLICATION_FACTOR_KEY.valueIn(values),
                        TRANSACTION_STATE_LOG_MIN_ISR_KEY.valueIn(values)),
                new StateTopicReplication.Of(SHARE_STATE_TOPIC_REPLICATION_FACTOR_KEY.valueIn(values),
                        SHARE_STATE_TOPIC_MIN_ISR_KEY.valueIn(values)));
    }

    /** The broker's rack, empty when unset. */
    static Optional<String> rack(Map<String, Object> values) {
        String rack = BROKER_RACK_KEY.valueIn(values);
        return rack.isEmpty() ? Optional.empty() : Optional.of(rack);
    }
}
