package io.spindle.config;

/**
 * How a cluster creates the internal topics its coordinators keep their state in (Kafka's keys): each gets
 * {@link Of#replicationFactor} replicas, or as many as there are live brokers when the topic is created if that is
 * fewer, and {@code min.insync.replicas} = {@link Of#minInsyncReplicas}, at most its replica count. A single broker
 * keeps one replica of each and does not look at these.
 *
 * @param offsets      {@code __consumer_offsets}: offsets.topic.replication.factor; the broker's min.insync.replicas
 *                     (Kafka has no min.isr key of its own for it)
 * @param transactions {@code __transaction_state}: transaction.state.log.replication.factor and .min.isr
 * @param shares       {@code __share_group_state}: share.coordinator.state.topic.replication.factor and .min.isr
 */
public record StateTopicReplication(Of offsets, Of transactions, Of shares) {
    /** One topic's wanted replication factor and min.insync.replicas, both at least 1. */
    public record Of(int replicationFactor, int minInsyncReplicas) {
        /** The replicas the topic gets with {@code liveBrokers} live: the wanted count, at most the live brokers. */
        public int replicasWith(int liveBrokers) {
            return Math.max(1, Math.min(replicationFactor, liveBrokers));
        }

        /** Its min.insync.replicas with {@code replicas} replicas: never more than it has. */
        public int minInsyncWith(int replicas) {
            return Math.min(minInsyncReplicas, replicas);
        }
    }
}
