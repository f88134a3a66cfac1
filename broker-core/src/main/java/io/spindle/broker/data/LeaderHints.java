package io.spindle.broker.data;

import io.spindle.broker.cluster.ClusterBroker;
import io.spindle.broker.cluster.MetadataAuthority;
import io.spindle.broker.cluster.PartitionLeadership;
import java.util.Optional;
import org.apache.kafka.common.message.ProduceResponseData;
import org.apache.kafka.common.message.ProduceResponseData.LeaderIdAndEpoch;
import org.apache.kafka.common.message.ProduceResponseData.NodeEndpoint;
import org.apache.kafka.common.message.ProduceResponseData.PartitionProduceResponse;

/**
 * KIP-951: with NOT_LEADER_OR_FOLLOWER, Produce from version 10 names the partition's current leader and epoch and
 * the leader's endpoint, so the client goes there without a Metadata round trip.
 */
final class LeaderHints {
    private static final short FIRST_PRODUCE_VERSION_WITH_LEADER = 10;

    private LeaderHints() {
    }

    static void produce(MetadataAuthority authority, String topic, int partition, short version,
                        PartitionProduceResponse answer, ProduceResponseData response) {
        if (version < FIRST_PRODUCE_VERSION_WITH_LEADER) {
            return;
        }
        Optional<PartitionLeadership> leadership = authority.partition(topic, partition);
        if (leadership.isEmpty() || !leadership.get().hasLeader()) {
            return;
        }
        int leader = leadership.get().leader();
        Optional<ClusterBroker> endpoint = authority.broker(leader);
        if (endpoint.isEmpty()) {
            return;
        }
        answer.setCurrentLeader(new LeaderIdAndEpoch().setLeaderId(leader)
                .setLeaderEpoch(leadership.get().leaderEpoch()));
        if (response.nodeEndpoints().find(leader) == null) {
            ClusterBroker broker = endpoint.get();
            response.nodeEndpoints().add(new NodeEndpoint().setNodeId(broker.id()).setHost(broker.host())
                    .setPort(broker.port()).setRack(broker.rack().orElse(null)));
        }
    }
}
