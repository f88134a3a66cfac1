package io.spindle.broker.cluster;

import io.spindle.groups.GroupCoordinator;
import io.spindle.txn.TransactionCoordinator;
import java.util.Optional;

/**
 * Which broker coordinates groups and transactional ids: the leader of partition 0 of the internal topic holding their
 * state ({@value GroupCoordinator#OFFSETS_TOPIC}, {@value TransactionCoordinator#STATE_TOPIC}), each of which has one
 * partition. A single broker coordinates everything itself. FindCoordinator asks this.
 */
public final class CoordinatorLocator {
    private final MetadataAuthority authority;

    public CoordinatorLocator(MetadataAuthority authority) {
        this.authority = authority;
    }

    /** This broker's node id. */
    public int nodeId() {
        return authority.nodeId();
    }

    /** The coordinator of consumer groups, empty while none is known (the topic not placed, its leader fenced). */
    public Optional<ClusterBroker> groupCoordinator() {
        return authority.coordinatorFor(GroupCoordinator.OFFSETS_TOPIC);
    }

    /** The coordinator of transactional ids. */
    public Optional<ClusterBroker> transactionCoordinator() {
        return authority.coordinatorFor(TransactionCoordinator.STATE_TOPIC);
    }
}
