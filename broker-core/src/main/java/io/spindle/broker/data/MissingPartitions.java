package io.spindle.broker.data;

import io.spindle.broker.cluster.MetadataAuthority;
import org.apache.kafka.common.protocol.Errors;

/**
 * What the data path asks of the cluster. The error for a partition this broker holds no log of:
 * NOT_LEADER_OR_FOLLOWER when the partition exists elsewhere in the cluster (the client refreshes its metadata and goes
 * to the leader), UNKNOWN_TOPIC_OR_PARTITION when no broker has it — as a single broker always answers. And whether
 * this broker may lead at all now ({@link MetadataAuthority#mayLead}).
 */
final class MissingPartitions {
    /** A broker that knows of no other broker (tests of the data path alone). */
    static final MissingPartitions ALONE = new MissingPartitions(null);

    private final MetadataAuthority authority;

    MissingPartitions(MetadataAuthority authority) {
        this.authority = authority;
    }

    Errors errorFor(String topic, int partition) {
        return authority != null && authority.partition(topic, partition).isPresent()
                ? Errors.NOT_LEADER_OR_FOLLOWER : Errors.UNKNOWN_TOPIC_OR_PARTITION;
    }

    boolean mayLead() {
        return authority == null || authority.mayLead();
    }

    MetadataAuthority authority() {
        return authority;
    }
}
