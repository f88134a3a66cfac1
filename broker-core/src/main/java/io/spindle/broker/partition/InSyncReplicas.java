package io.spindle.broker.partition;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.IntSupplier;
import java.util.function.LongSupplier;

/**
 * Who holds one partition as this broker acts on it, and the high watermark that allows: the {@link Replicas} the
 * metadata gave, what each follower holds ({@link ReplicaProgress}) and, on the leader, the followers it asked the
 * quorum to take into the ISR and has not yet seen taken in. Those count as in sync from the moment they are asked
 * for (Kafka's "maximal ISR"): the quorum may elect one of them as soon as it commits the change, before this broker
 * applies it (a reassignment completes, and moves the leadership, in the change that takes its last target in).
 *
 * <p>Invariant: on the leader the high watermark is at most the lowest fetch offset of the in-sync and joining
 * followers, the log end when there is none, and it never comes down while this broker leads. It does not move at all
 * while the ISR the metadata gave is smaller than the partition's {@code min.insync.replicas}, capped at its
 * replication factor (KIP-966, {@link #belowMinInsync}): records appended then are answered to acks=0 and acks=1
 * producers but stay invisible until enough replicas hold them again. The replicas, the
 * joiners and each raise change under one lock, so that no raise counts a follower set older than joiners already
 * announced: once {@link #expanding} returns, every later raise waits for the joiners and every earlier one shows in
 * {@link #highWatermark} (which {@code Replication}'s ISR check compares their fetch offsets with). Nothing else is
 * called under that lock. {@code PartitionTest.aLeaderAloneInItsIsr...} drive it.
 *
 * <p>Thread-safe: fetches of several followers, appends and metadata changes call in from their own threads.
 */
final class InSyncReplicas {
    /** What {@link #advance} answers on a broker that does not lead the partition. */
    static final long NOT_LEADING = -1;

    private final int localId;
    private final LongSupplier logEndOffset;
    /** The partition's {@code min.insync.replicas} (topic setting, else its broker's default), read at each raise. */
    private final IntSupplier minInsync;
    private final ReplicaProgress progress;
    private final Object lock = new Object();
    private volatile Replicas replicas;
    /** Followers this leader asked the quorum to take into the ISR, not yet in {@link #replicas}' ISR. */
    private volatile List<Integer> joining = List.of();

    /** Held by {@code localId} as {@code replicas} says, the high watermark at the log end to begin with. */
    InSyncReplicas(int localId, Replicas replicas, LongSupplier logEndOffset, IntSupplier minInsync) {
        this.localId = localId;
        this.logEndOffset = logEndOffset;
        this.minInsync = minInsync;
        this.replicas = replicas;
        this.progress = new ReplicaProgress(logEndOffset.getAsLong());
    }

    Replicas current() {
        return replicas;
    }

    boolean leads() {
        return replicas.leader() == localId;
    }

    /**
     * Follows with {@code following}: when this broker led, the acks=all produces waiting fail with
     * NOT_LEADER_OR_FOLLOWER and the followers are forgotten.
     */
    void follow(Replicas following, String partition) {
        boolean wasLeader = leads();
        synchronized (lock) {
            replicas = following;
            joining = List.of();
        }
        if (wasLeader) {
            progress.stopLeading(partition, logEndOffset.getAsLong());
        }
    }

    /**
     * Leads with {@code leading} (its leader epoch already begun in the log): followers new to it count as caught up
     * now. Call {@link #advance} next: an ISR that shrank may let the high watermark move on.
     */
    void lead(Replicas leading, long nowMs) {
        synchronized (lock) {
            replicas = leading;
            // Every change of a partition raises its partition epoch, so an ISR change this leader has in flight
            // names an older one now and the quorum refuses it, unless it is the change this image records (then the
            // joiners are in the ISR). Either way they no longer hold the high watermark back.
            joining = List.of();
        }
        progress.lead(leading.replicas().stream().filter(r -> r != localId).toList(), nowMs);
    }

    /**
     * This leader asked the quorum to take {@code joiners} into the ISR (none: the change was refused, or not asked
     * for): from now on the high watermark waits for them too. Call {@link #advance} next.
     */
    void expanding(List<Integer> joiners) {
        List<Integer> copy = List.copyOf(joiners);
        synchronized (lock) {
            joining = copy;
        }
    }

    /**
     * On the leader: raises the high watermark to what every in-sync and joining follower holds (the log end when
     * there is none) and completes the acks=all waits it passed; leaves it where it is while the ISR is below
     * {@code min.insync.replicas} ({@link #belowMinInsync}).
     *
     * @return the high watermark, or {@link #NOT_LEADING} when this broker does not lead
     */
    long advance() {
        long highWatermark;
        synchronized (lock) {
            Replicas current = replicas;
            if (current.leader() != localId) {
                return NOT_LEADING;
            }
            if (belowMinInsync(current)) {
                return progress.highWatermark();
            }
            highWatermark = progress.advance(current.isr(), joining, localId, logEndOffset.getAsLong());
        }
        progress.release(highWatermark);
        return highWatermark;
    }

    /**
     * Whether {@code current}'s ISR is smaller than {@code min.insync.replicas}, capped at the replication factor (a
     * topic cannot have more replicas in sync than it has: one of replication factor 1, and every partition of a
     * broker without a cluster, always has enough). Then the high watermark stays where it is (Kafka's rule since
     * KIP-966): the replicas that left the ISR stay eligible to lead (the quorum's ELR) because no acks=all write was
     * acknowledged without them, and if the high watermark moved on, acks=1 records they lack would become visible to
     * consumers, then vanish when one of them is elected. Joining followers do not count: the quorum may still refuse
     * to take them in, and the ISR the next image gives raises the high watermark at once ({@link #lead}).
     */
    private boolean belowMinInsync(Replicas current) {
        int isr = current.isr().size();
        return isr < current.replicas().size() && isr < minInsync.getAsInt();
    }

    /** Consumers read below it (on a follower: its leader's, as the last fetch answer said, at most this log's end). */
    long highWatermark() {
        return progress.highWatermark();
    }

    /** On the leader: {@code replica} fetched at {@code fetchOffset} (holding what lies below it). */
    void followerFetched(int replica, long fetchOffset, long nowMs) {
        progress.followerFetched(replica, fetchOffset, logEndOffset.getAsLong(), nowMs);
    }

    /** What this leader knows of {@code replica}, null when nothing. */
    ReplicaProgress.Follower follower(int replica) {
        return progress.follower(replica);
    }

    /** On a follower: the high watermark its leader's last fetch answer gave. */
    void followLeader(long leaderHighWatermark) {
        progress.followLeader(leaderHighWatermark, logEndOffset.getAsLong());
    }

    /** The log was cut back to {@code logEndOffset}: the high watermark comes down with it. */
    void truncated(long logEndOffset) {
        progress.truncated(logEndOffset);
    }

    /** Completes once the high watermark reaches {@code offset} (at once when it has). */
    CompletableFuture<Void> await(long offset) {
        return progress.await(offset, progress::highWatermark);
    }
}
