package io.spindle.broker.partition;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;
import org.apache.kafka.common.errors.NotLeaderOrFollowerException;

/**
 * A replicated partition's high watermark, what its leader knows of each follower, and the acks=all produces waiting
 * for the high watermark to pass their batches.
 *
 * <p>On the leader, a follower's fetch at offset {@code f} says it holds every record below {@code f} — forced to its
 * disk in {@code flush.mode=fsync}, since a follower forces what it appended before it fetches again — so the high
 * watermark is the lowest fetch offset of the in-sync followers and of those being taken into the ISR (and at most the
 * leader's log end; the log end when there is no such follower). It only rises while one broker leads. A follower counts as caught up at a fetch that reached the leader's log end, or one that reached
 * where the log ended at its previous fetch (then it was caught up at that previous fetch): Kafka's rule for
 * {@code replica.lag.time.max.ms}.
 *
 * <p>On a follower, the high watermark is the leader's as its last fetch answer said, at most its own log end.
 *
 * <p>Thread-safe: fetches of several followers, appends and metadata changes call in from their own threads.
 */
final class ReplicaProgress {
    /** What the leader knows of one follower. */
    record Follower(long fetchOffset, long lastFetchMs, long logEndAtLastFetch, long lastCaughtUpMs) {
    }

    private final Map<Integer, Follower> followers = new ConcurrentHashMap<>();
    private final TreeMap<Long, List<CompletableFuture<Void>>> waiters = new TreeMap<>();
    private volatile long highWatermark;

    ReplicaProgress(long highWatermark) {
        this.highWatermark = highWatermark;
    }

    long highWatermark() {
        return highWatermark;
    }

    /**
     * This broker leads from now on (at a new epoch, or again): every other replica is a follower of unknown offset,
     * counted caught up now, so that the ISR the metadata gave is not shrunk before the followers had a chance to
     * fetch.
     */
    void lead(List<Integer> otherReplicas, long nowMs) {
        followers.keySet().retainAll(otherReplicas);
        for (int replica : otherReplicas) {
            followers.putIfAbsent(replica, new Follower(-1, nowMs, -1, nowMs));
        }
    }

    /** This broker no longer leads: waiting produces fail with NOT_LEADER_OR_FOLLOWER and followers are forgotten. */
    void stopLeading(String partition, long logEndOffset) {
        followers.clear();
        List<CompletableFuture<Void>> failed = new ArrayList<>();
        synchronized (waiters) {
            waiters.values().forEach(failed::addAll);
            waiters.clear();
        }
        NotLeaderOrFollowerException cause = new NotLeaderOrFollowerException("This broker no longer leads "
                + partition + ": the batch may or may not be kept by the new leader");
        failed.forEach(waiter -> waiter.completeExceptionally(cause));
        highWatermark = Math.min(highWatermark, logEndOffset);
    }

    /** A follower fetched at {@code fetchOffset} while this log ended at {@code logEndOffset}. */
    void followerFetched(int replica, long fetchOffset, long logEndOffset, long nowMs) {
        followers.compute(replica, (id, before) -> {
            long caughtUp = before == null ? -1 : before.lastCaughtUpMs();
            if (fetchOffset >= logEndOffset) {
                caughtUp = nowMs;
            } else if (before != null && before.logEndAtLastFetch() >= 0 && fetchOffset >= before.logEndAtLastFetch()) {
                caughtUp = Math.max(caughtUp, before.lastFetchMs());
            }
            return new Follower(fetchOffset, nowMs, logEndOffset, caughtUp);
        });
    }

    Follower follower(int replica) {
        return followers.get(replica);
    }

    /**
     * Moves the high watermark up to the lowest fetch offset of the followers among {@code isr} and {@code joining}
     * (every replica there but the {@code leader}; the log end when there is none), never past {@code logEndOffset},
     * never down, and returns it. Allocates nothing: a leader alone in its ISR calls it at every append.
     */
    long advance(List<Integer> isr, List<Integer> joining, int leader, long logEndOffset) {
        long candidate = Math.min(lowestFetchOffset(isr, leader, logEndOffset),
                lowestFetchOffset(joining, leader, logEndOffset));
        synchronized (this) {
            if (candidate > highWatermark) {
                highWatermark = candidate;
            }
            return highWatermark;
        }
    }

    private long lowestFetchOffset(List<Integer> replicas, int leader, long logEndOffset) {
        long lowest = logEndOffset;
        for (int i = 0; i < replicas.size(); i++) {
            int replica = replicas.get(i);
            if (replica != leader) {
                Follower follower = followers.get(replica);
                lowest = Math.min(lowest, follower == null ? -1 : follower.fetchOffset());
            }
        }
        return lowest;
    }

    /** The replica is a follower now: the leader's high watermark, at most this log's end. */
    void followLeader(long leaderHighWatermark, long logEndOffset) {
        highWatermark = Math.max(0, Math.min(leaderHighWatermark, logEndOffset));
    }

    /** The log was cut back: the high watermark comes down with it. */
    void truncated(long logEndOffset) {
        synchronized (this) {
            highWatermark = Math.min(highWatermark, logEndOffset);
        }
    }

    /** Completes once {@link #release} is called with a high watermark at or past {@code offset}. */
    CompletableFuture<Void> await(long offset, LongSupplier currentHighWatermark) {
        synchronized (waiters) {
            if (currentHighWatermark.getAsLong() >= offset) {
                return CompletableFuture.completedFuture(null);
            }
            CompletableFuture<Void> waiter = new CompletableFuture<>();
            waiters.computeIfAbsent(offset, o -> new ArrayList<>()).add(waiter);
            return waiter;
        }
    }

    /** Completes the waiters at or below {@code highWatermark}. */
    void release(long highWatermark) {
        List<CompletableFuture<Void>> done;
        synchronized (waiters) {
            if (waiters.isEmpty() || waiters.firstKey() > highWatermark) {
                return;     // the common case: called at every append of a leader alone in its ISR
            }
            done = new ArrayList<>();
            Map<Long, List<CompletableFuture<Void>>> reached = waiters.headMap(highWatermark, true);
            reached.values().forEach(done::addAll);
            reached.clear();
        }
        done.forEach(waiter -> waiter.complete(null));
    }
}
