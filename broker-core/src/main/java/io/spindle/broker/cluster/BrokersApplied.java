package io.spindle.broker.cluster;

import io.spindle.metadata.BrokerRegistration;
import io.spindle.metadata.MetadataQuorum;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Waits until every live (unfenced) broker of the cluster has applied the metadata up to an image offset to its own
 * registry and logs, so that an admin change is visible on every broker when the call returns. Each broker reports how
 * far its {@link ImageApplier} got through its quorum member ({@link MetadataQuorum#reportApplied}); this asks each
 * other live broker's member every {@value #POLL_MS} ms until it reports the offset. A broker fenced meanwhile is no
 * longer waited for, and one that does not get there within the bound is logged and left behind: the change is
 * committed, and that broker applies it when it can.
 */
final class BrokersApplied {
    private static final Logger log = LoggerFactory.getLogger(BrokersApplied.class);
    static final long POLL_MS = 5;
    /**
     * How long one question to a member may take before the wait looks again at whether that broker is still live and
     * at its own bound: the quorum client retries a read to a killed member until it is back, so an unbounded question
     * would hold the admin call (and its handler thread) for as long as the member is away.
     */
    static final long ASK_TIMEOUT_MS = 500;

    private final MetadataQuorum quorum;
    private final int nodeId;
    private final LongSupplier nanoClock;
    private final Executor retryLater = CompletableFuture.delayedExecutor(POLL_MS, TimeUnit.MILLISECONDS);

    BrokersApplied(MetadataQuorum quorum, int nodeId, LongSupplier nanoClock) {
        this.quorum = quorum;
        this.nodeId = nodeId;
        this.nanoClock = nanoClock;
    }

    /** Completes (never exceptionally) once every other live broker has applied {@code offset}, or after the bound. */
    CompletableFuture<Void> await(long offset, long timeoutMs) {
        long deadline = nanoClock.getAsLong() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        List<CompletableFuture<Void>> waits = new ArrayList<>();
        for (BrokerRegistration broker : quorum.image().liveBrokers()) {
            if (broker.id() != nodeId) {
                CompletableFuture<Void> done = new CompletableFuture<>();
                ask(broker.id(), offset, deadline, done);
                waits.add(done);
            }
        }
        return CompletableFuture.allOf(waits.toArray(CompletableFuture[]::new));
    }

    private void ask(int brokerId, long offset, long deadline, CompletableFuture<Void> done) {
        boolean live = quorum.image().broker(brokerId).map(broker -> !broker.fenced()).orElse(false);
        if (!live) {
            done.complete(null);
            return;
        }
        quorum.appliedOffset(brokerId).orTimeout(ASK_TIMEOUT_MS, TimeUnit.MILLISECONDS).whenComplete((applied, failure) -> {
            if (failure == null && applied >= offset) {
                done.complete(null);
            } else if (nanoClock.getAsLong() - deadline >= 0) {
                log.warn("Broker {} has not applied the metadata up to offset {} in time (it reports {}); returning "
                        + "without it", brokerId, offset, failure == null ? applied : failure.toString());
                done.complete(null);
            } else {
                retryLater.execute(() -> ask(brokerId, offset, deadline, done));
            }
        });
    }
}
