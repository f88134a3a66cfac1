package io.spindle.broker.data;

import io.spindle.broker.cluster.ClusterBroker;
import io.spindle.broker.cluster.MetadataAuthority;
import io.spindle.broker.cluster.PartitionLeadership;
import java.util.Optional;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.message.FetchResponseData.PartitionData;
import org.apache.kafka.common.message.ProduceResponseData;
import org.apache.kafka.common.message.ProduceResponseData.PartitionProduceResponse;
import org.apache.kafka.common.protocol.Errors;

/**
 * KIP-951: a partition refused because this broker is not its leader (or, for Fetch, because the client's leader
 * epoch is stale) names the partition's current leader and epoch, and the response names that leader's endpoint once,
 * so the client goes there without a Metadata round trip. Produce does so from version 10 for NOT_LEADER_OR_FOLLOWER;
 * Fetch from version 16 for NOT_LEADER_OR_FOLLOWER and FENCED_LEADER_EPOCH. Nothing is named when the cluster knows no
 * leader for the partition or no endpoint for it (the client then refreshes its metadata as before), nor on a broker
 * that knows of no other ({@code authority} null).
 *
 * <p>The lookup is shared ({@link #leaderOf}, which ShareFetch and ShareAcknowledge use too); the two setters differ only
 * because Produce and Fetch are different generated types.
 */
public final class LeaderHints {
    private static final short FIRST_PRODUCE_VERSION_WITH_LEADER = 10;
    private static final short FIRST_FETCH_VERSION_WITH_LEADER = 16;

    /** A partition's leader, its epoch and where clients reach it. */
    public record Leader(int epoch, ClusterBroker broker) {
    }

    private LeaderHints() {
    }

    static void produce(MetadataAuthority authority, String topic, int partition, short version,
                        PartitionProduceResponse answer, ProduceResponseData response) {
        if (version < FIRST_PRODUCE_VERSION_WITH_LEADER) {
            return;
        }
        leaderOf(authority, topic, partition).ifPresent(leader -> {
            ClusterBroker broker = leader.broker();
            answer.currentLeader().setLeaderId(broker.id()).setLeaderEpoch(leader.epoch());
            if (response.nodeEndpoints().find(broker.id()) == null) {
                response.nodeEndpoints().add(new ProduceResponseData.NodeEndpoint().setNodeId(broker.id())
                        .setHost(broker.host()).setPort(broker.port()).setRack(broker.rack().orElse(null)));
            }
        });
    }

    static void fetch(MetadataAuthority authority, String topic, int partition, short version, Errors error,
                      PartitionData answer, FetchResponseData response) {
        if (version < FIRST_FETCH_VERSION_WITH_LEADER
                || (error != Errors.NOT_LEADER_OR_FOLLOWER && error != Errors.FENCED_LEADER_EPOCH)) {
            return;
        }
        leaderOf(authority, topic, partition).ifPresent(leader -> {
            ClusterBroker broker = leader.broker();
            answer.currentLeader().setLeaderId(broker.id()).setLeaderEpoch(leader.epoch());
            if (response.nodeEndpoints().find(broker.id()) == null) {
                response.nodeEndpoints().add(new FetchResponseData.NodeEndpoint().setNodeId(broker.id())
                        .setHost(broker.host()).setPort(broker.port()).setRack(broker.rack().orElse(null)));
            }
        });
    }

    /** The partition's leader as the cluster knows it; empty when it knows none or no endpoint ({@code authority} null too). */
    public static Optional<Leader> leaderOf(MetadataAuthority authority, String topic, int partition) {
        if (authority == null) {
            return Optional.empty();
        }
        Optional<PartitionLeadership> leadership = authority.partition(topic, partition);
        if (leadership.isEmpty() || !leadership.get().hasLeader()) {
            return Optional.empty();
        }
        return authority.broker(leadership.get().leader()).map(broker -> new Leader(leadership.get().leaderEpoch(), broker));
    }
}
