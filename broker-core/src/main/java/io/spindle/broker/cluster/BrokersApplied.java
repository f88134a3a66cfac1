package io.spindle.broker.cluster;

import io.spindle.metadata.BrokerRegistration;
import io.spindle.metadata.MetadataQuorum;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Waits until every live (unfenced) broker of the cluster has applied the metadata up to an image offset, as far as one
 * stage of its {@link ImageApplier} goes: to the metadata it serves ({@link #visible}: an admin change is visible on
 * every broker when the call returns) or to its logs as well ({@link #applied}: a leadership handed over is taken up).
 * Each broker reports both through its quorum member ({@link MetadataQuorum#reportVisible},
 * {@link MetadataQuorum#reportApplied}); this asks each other live broker's member every {@value #POLL_MS} ms until it
 * reports the offset. A broker fenced meanwhile is no longer waited for, and one that does not get there within the
 * bound is logged and left behind: the change is committed, and that broker applies it when it can.
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
    private final IntFunction<CompletableFuture<Long>> reported;
    private final String stage;
    private final LongSupplier nanoClock;
    private final Executor retryLater = CompletableFuture.delayedExecutor(POLL_MS, TimeUnit.MILLISECONDS);

    private BrokersApplied(MetadataQuorum quorum, int nodeId, IntFunction<CompletableFuture<Long>> reported,
                           String stage, LongSupplier nanoClock) {
        this.quorum = quorum;
        this.nodeId = nodeId;
        this.reported = reported;
        this.stage = stage;
        this.nanoClock = nanoClock;
    }

    /** Waits for the brokers to serve the metadata of an image (their registries follow it). */
    static BrokersApplied visible(MetadataQuorum quorum, int nodeId, LongSupplier nanoClock) {
        return new BrokersApplied(quorum, nodeId, quorum::visibleOffset, "served the metadata", nanoClock);
    }

    /** Waits for the brokers to have applied an image to their registries and logs (leaderships begun). */
    static BrokersApplied applied(MetadataQuorum quorum, int nodeId, LongSupplier nanoClock) {
        return new BrokersApplied(quorum, nodeId, quorum::appliedOffset, "applied the metadata", nanoClock);
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
        reported.apply(brokerId).orTimeout(ASK_TIMEOUT_MS, TimeUnit.MILLISECONDS).whenComplete((applied, failure) -> {
            if (failure == null && applied >= offset) {
                done.complete(null);
            } else if (nanoClock.getAsLong() - deadline >= 0) {
                log.warn("Broker {} has not {} up to offset {} in time (it reports {}); returning without it",
                        brokerId, stage, offset, failure == null ? applied : failure.toString());
                done.complete(null);
            } else {
                retryLater.execute(() -> ask(brokerId, offset, deadline, done));
            }
        });
    }
}
