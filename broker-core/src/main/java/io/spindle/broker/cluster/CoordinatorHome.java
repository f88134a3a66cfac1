package io.spindle.broker.cluster;

import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.apache.kafka.common.errors.ApiException;
import org.apache.kafka.common.errors.CoordinatorLoadInProgressException;
import org.apache.kafka.common.errors.NotCoordinatorException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where one coordinator (groups, transactions, share groups) lives: on the leader of partition 0 of the internal topic
 * holding its state. It follows that leadership ({@link LeadershipListener}): when this broker becomes the leader it
 * loads the coordinator's state from the partition's log, when it stops being the leader it drops it, so the broker
 * that leads next loads it from the log. {@link #refusal} says why a request for this coordinator may not be served
 * here; {@link CoordinatorGate} answers with it.
 *
 * <p>A single broker leads every partition from its start: its coordinators are loaded when they start and stay.
 */
public final class CoordinatorHome implements LeadershipListener {
    private static final Logger log = LoggerFactory.getLogger(CoordinatorHome.class);

    private final String internalTopic;
    private final String coordinates;
    private final MetadataAuthority authority;
    private final Supplier<CompletableFuture<Void>> load;
    private final Supplier<CompletableFuture<Void>> unload;
    private final BooleanSupplier loaded;

    /**
     * @param coordinates what the coordinator coordinates ("groups", "transactional ids"), for error messages
     * @param load        loads the state from the partition's log unless it is loaded; completes when it is
     * @param unload      drops the state at once (requests arriving meanwhile are refused as not loaded)
     * @param loaded      whether the state is loaded and served here
     */
    CoordinatorHome(String internalTopic, String coordinates, MetadataAuthority authority,
                    Supplier<CompletableFuture<Void>> load, Supplier<CompletableFuture<Void>> unload,
                    BooleanSupplier loaded) {
        this.internalTopic = internalTopic;
        this.coordinates = coordinates;
        this.authority = authority;
        this.load = load;
        this.unload = unload;
        this.loaded = loaded;
    }

    /** The broker coordinating, empty while none can (the partition not placed yet, its leader fenced). */
    public Optional<ClusterBroker> coordinator() {
        return authority.coordinatorFor(internalTopic);
    }

    /** Whether the coordinator is served here now: {@link #refusal} is empty (cheaper: it makes no exception). */
    public boolean servesHere() {
        Optional<ClusterBroker> current = coordinator();
        return current.isPresent() && current.get().id() == authority.nodeId() && loaded.getAsBoolean();
    }

    /**
     * Why a request for this coordinator may not be served by this broker: NOT_COORDINATOR when another broker (or
     * none) coordinates, so the client finds the coordinator again; COORDINATOR_LOAD_IN_PROGRESS while this broker
     * leads the partition but has not loaded it yet. Empty when it may be served.
     */
    public Optional<ApiException> refusal() {
        Optional<ClusterBroker> current = coordinator();
        int self = authority.nodeId();
        if (current.isPresent() && current.get().id() == self) {
            return loaded.getAsBoolean() ? Optional.empty() : Optional.of(new CoordinatorLoadInProgressException(
                    "Broker " + self + " is loading the " + coordinates + " of " + internalTopic + "-0"));
        }
        String where = current.map(broker -> "broker " + broker.id() + " does").orElse("no broker does yet");
        return Optional.of(new NotCoordinatorException("Broker " + self + " does not coordinate " + coordinates + "; "
                + where));
    }

    @Override
    public void becameLeader(String topic, int partition, int leaderEpoch) {
        if (topic.equals(internalTopic) && partition == 0) {
            log.info("Broker {} leads {}-0 at leader epoch {}: loading the {} from it", authority.nodeId(), topic,
                    leaderEpoch, coordinates);
            load.get().whenComplete((done, failure) -> {
                if (failure != null) {
                    log.error("Could not load the {} from {}-0", coordinates, topic, failure);
                }
            });
        }
    }

    /**
     * Unloads whether or not the state is loaded yet: a load still running when the leadership is lost would otherwise
     * finish afterwards and leave a stale state loaded, served again without a reload if this broker led once more.
     * The unload runs after that load on the coordinator's loop, so the load's end is what it undoes
     * (CoordinatorHomeTest#aLeadershipLostWhileLoadingUnloadsWhenTheLoadEndsAndTheNextLeadershipReloads).
     */
    @Override
    public void lostLeadership(String topic, int partition) {
        if (topic.equals(internalTopic) && partition == 0) {
            log.info("Broker {} no longer leads {}-0: unloading the {} (loaded: {})", authority.nodeId(), topic,
                    coordinates, loaded.getAsBoolean());
            unload.get();
        }
    }
}
