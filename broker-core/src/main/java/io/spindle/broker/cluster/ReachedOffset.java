package io.spindle.broker.cluster;

import java.util.ArrayList;
import java.util.List;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;

/**
 * How far one stage of the {@link ImageApplier} has got through the metadata images (an image offset, -1 before the
 * first), and the waits for it to reach an offset. Advanced by one thread; read and awaited from any.
 */
final class ReachedOffset {
    private final SortedMap<Long, List<CompletableFuture<Void>>> waiters = new TreeMap<>();
    private volatile long offset = -1;

    long offset() {
        return offset;
    }

    /** Completes once the stage has reached {@code target} or passed it. */
    CompletableFuture<Void> await(long target) {
        synchronized (waiters) {
            if (offset >= target) {
                return CompletableFuture.completedFuture(null);
            }
            CompletableFuture<Void> waiter = new CompletableFuture<>();
            waiters.computeIfAbsent(target, o -> new ArrayList<>()).add(waiter);
            return waiter;
        }
    }

    /** The stage has reached {@code reached}: completes the waits at or below it (outside the lock). */
    void reach(long reached) {
        List<CompletableFuture<Void>> done = new ArrayList<>();
        synchronized (waiters) {
            offset = reached;
            SortedMap<Long, List<CompletableFuture<Void>>> passed = waiters.headMap(reached + 1);
            passed.values().forEach(done::addAll);
            passed.clear();
        }
        done.forEach(waiter -> waiter.complete(null));
    }
}
