package io.spindle.broker.cluster;

import io.spindle.groups.GroupCoordinator;
import io.spindle.share.ShareCoordinator;
import io.spindle.txn.TransactionCoordinator;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * Which broker coordinates groups, transactional ids and share-partition state: the leader of partition 0 of the
 * internal topic holding their state ({@value GroupCoordinator#OFFSETS_TOPIC}, {@value TransactionCoordinator#STATE_TOPIC},
 * {@value ShareCoordinator#STATE_TOPIC}), each of which has one partition. A single broker coordinates everything
 * itself. FindCoordinator asks this; each coordinator's {@link #home} makes it follow its partition's leadership.
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

    /** The coordinator of share-partition state (FindCoordinator's share keys). */
    public Optional<ClusterBroker> shareCoordinator() {
        return authority.coordinatorFor(ShareCoordinator.STATE_TOPIC);
    }

    /**
     * The home of the coordinator whose state is partition 0 of {@code internalTopic}, following its leadership from
     * now on (call while the broker starts). See {@link CoordinatorHome} for the parameters.
     */
    public CoordinatorHome home(String internalTopic, String coordinates, Supplier<CompletableFuture<Void>> load,
                                Supplier<CompletableFuture<Void>> unload, BooleanSupplier loaded) {
        CoordinatorHome home = new CoordinatorHome(internalTopic, coordinates, authority, load, unload, loaded);
        authority.addLeadershipListener(home);
        return home;
    }
}
