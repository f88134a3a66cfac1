package io.spindle.broker.cluster;

/**
 * Told when this broker starts or stops leading a partition, as the applied metadata image says (after the partition's
 * log leads at the new leader epoch). What a coordinator keeps of an internal topic's partition is loaded on the first
 * and dropped on the second; replication can hang its leader and follower duties on the same two calls.
 *
 * <p>Calls come one at a time, in the order of the images, on the thread applying the metadata: return quickly (hand
 * long work, such as replaying a log, to another thread). The first image applied tells every partition held here
 * where it stands (led: {@link #becameLeader}; held but led elsewhere or by none: {@link #lostLeadership}). A leader
 * epoch that changes while this broker leads is a loss followed by a new leadership, since another broker may have
 * led in between. A single broker leads every partition it holds for good and calls neither.
 */
public interface LeadershipListener {

    /** This broker leads {@code topic}-{@code partition} from {@code leaderEpoch} on. */
    void becameLeader(String topic, int partition, int leaderEpoch);

    /** This broker no longer leads {@code topic}-{@code partition} (another broker does, none does, or it is gone). */
    void lostLeadership(String topic, int partition);
}
