package io.spindle.broker.cluster;

import io.spindle.broker.admin.BrokerNode;
import io.spindle.broker.data.ProducerIdAllocator;
import io.spindle.broker.meta.TopicRegistry;
import io.spindle.broker.partition.Partitions;
import io.spindle.config.BrokerConfig;
import io.spindle.config.ClusterSettings;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Collectors;
import org.apache.kafka.common.Uuid;

/** Picks the broker's {@link MetadataAuthority} from its settings: the one place that knows both kinds. */
public final class MetadataAuthorities {
    private MetadataAuthorities() {
    }

    /**
     * The cluster id clients see: a single broker's own (kept in its data directory), or, in a cluster, one derived from
     * the voters, so that every broker reports the same id without any file to copy between them (clients refuse a
     * broker whose cluster id differs from the others'). Derived from the voters as configured
     * ({@code controller.quorum.voters}, what a member starts from), so a change of the voters through the quorum
     * (AddRaftVoter, RemoveRaftVoter) leaves it as it is, as long as every broker keeps the same setting.
     */
    public static String clusterId(BrokerConfig config, String localClusterId) {
        Optional<ClusterSettings> cluster = config.cluster();
        if (cluster.isEmpty()) {
            return localClusterId;
        }
        String voters = cluster.get().voters().stream().sorted(Comparator.comparingInt(ClusterSettings.Voter::id))
                .map(ClusterSettings.Voter::toString).collect(Collectors.joining(","));
        UUID id = UUID.nameUUIDFromBytes(("spindle-cluster:" + voters).getBytes(StandardCharsets.UTF_8));
        return new Uuid(id.getMostSignificantBits(), id.getLeastSignificantBits()).toString();
    }

    /**
     * A single broker's authority, or (with {@code controller.quorum.voters}) a started quorum member. Call after the
     * log manager is open and before the registry is attached to it.
     *
     * @param logsIntact whether the logs hold all they held at the last stop (the log manager's
     *                   {@code logsIntactSinceLastStop}); a quorum member registers with it, so that otherwise it is
     *                   elected nowhere until it has caught up
     */
    public static MetadataAuthority open(BrokerConfig config, Path dataDir, TopicRegistry topics, Partitions partitions,
                                         BrokerNode node, boolean logsIntact) {
        Optional<ClusterSettings> cluster = config.cluster();
        if (cluster.isEmpty()) {
            return new LocalAuthority(topics, partitions, node, ProducerIdAllocator.open(dataDir));
        }
        return QuorumAuthority.start(config, cluster.get(), dataDir, topics, partitions, node, logsIntact);
    }
}
