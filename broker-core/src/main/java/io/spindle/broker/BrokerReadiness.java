package io.spindle.broker;

import io.spindle.broker.cluster.MetadataAuthority;
import io.spindle.broker.metrics.Readiness;
import io.spindle.broker.partition.Partition;
import io.spindle.broker.partition.Partitions;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The broker's answer to {@code /health/ready}: not ready while it starts (logs recovering) or stops, while a broker
 * of a cluster has not registered and caught up with the metadata, nor while any partition is offline because its
 * storage failed — those partitions are named, with the failure.
 *
 * <p>Thread-safe: written by the starting and closing thread, read by the metrics HTTP thread.
 */
final class BrokerReadiness implements Readiness {
    private volatile Partitions partitions;
    private volatile boolean serving;
    private volatile MetadataAuthority authority;

    /** The broker serves requests for {@code held} from now on. */
    void serving(Partitions held) {
        this.partitions = held;
        this.serving = true;
    }

    /** Not ready either while {@code metadata} says the broker is not (a cluster member catching up). */
    void consult(MetadataAuthority metadata) {
        this.authority = metadata;
    }

    void stopping() {
        serving = false;
    }

    @Override
    public String problem() {
        Partitions held = partitions;
        if (!serving || held == null) {
            return "the broker is starting or stopping";
        }
        MetadataAuthority metadata = authority;
        String notCaughtUp = metadata == null ? null : metadata.notReadyReason();
        if (notCaughtUp != null) {
            return notCaughtUp;
        }
        List<Partition> offline = held.offline();
        if (offline.isEmpty()) {
            return null;
        }
        return offline.size() + " partition(s) offline after a storage failure (restart the broker to recover them):\n"
                + offline.stream()
                        .map(partition -> partition.topicPartition() + ": " + partition.offlineCause().getMessage())
                        .collect(Collectors.joining("\n"));
    }
}
