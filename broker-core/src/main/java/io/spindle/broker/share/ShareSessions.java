package io.spindle.broker.share;

import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.common.TopicIdPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.protocol.Errors;

/**
 * Share sessions (KIP-932): per group and member, the partitions it fetches and the epoch its next request must
 * carry. Epoch 0 opens a session (replacing one the member had) with the request's partitions; each later request
 * carries the session's next epoch, adds the partitions it names and drops the ones it forgets; epoch -1 closes the
 * session. A ShareAcknowledge takes an epoch like a fetch. A session also ends when the connection that opened it
 * closes.
 *
 * <p>Thread-safe (one monitor; sessions are small and requests of one member come one at a time).
 */
final class ShareSessions {
    static final int INITIAL_EPOCH = 0;
    static final int FINAL_EPOCH = -1;

    record Key(String group, String member) {
    }

    /** A session's partitions after a request, or the error that refused the request. */
    record Update(Errors error, String message, List<TopicIdPartition> partitions) {
        static Update failed(Errors error, String message) {
            return new Update(error, message, List.of());
        }
    }

    private static final class Session {
        final long connectionId;
        final Set<TopicIdPartition> partitions = new LinkedHashSet<>();
        int nextEpoch = 1;

        Session(long connectionId) {
            this.connectionId = connectionId;
        }
    }

    private final Map<Key, Session> sessions = new HashMap<>();

    /**
     * Applies a request's epoch, added partitions and forgotten ones. For {@link #FINAL_EPOCH} the session is removed
     * and the update names no partitions.
     */
    synchronized Update update(Key key, int epoch, long connectionId, List<TopicIdPartition> added,
                               List<TopicIdPartition> forgotten) {
        if (epoch == INITIAL_EPOCH) {
            Session session = new Session(connectionId);
            session.partitions.addAll(added);
            sessions.put(key, session);
            return new Update(Errors.NONE, null, List.copyOf(session.partitions));
        }
        Session session = sessions.get(key);
        if (epoch == FINAL_EPOCH) {
            sessions.remove(key);
            return new Update(Errors.NONE, null, List.of());
        }
        if (session == null) {
            return Update.failed(Errors.SHARE_SESSION_NOT_FOUND, "member " + key.member() + " of share group '"
                    + key.group() + "' has no share session; open one with epoch 0");
        }
        if (epoch != session.nextEpoch) {
            return Update.failed(Errors.INVALID_SHARE_SESSION_EPOCH, "share session of member " + key.member()
                    + " expects epoch " + session.nextEpoch + ", not " + epoch);
        }
        session.nextEpoch = epoch == Integer.MAX_VALUE ? 1 : epoch + 1;
        session.partitions.addAll(added);
        forgotten.forEach(session.partitions::remove);
        return new Update(Errors.NONE, null, List.copyOf(session.partitions));
    }

    /** Drops the sessions opened on a connection that closed. */
    synchronized void connectionClosed(long connectionId) {
        sessions.values().removeIf(session -> session.connectionId == connectionId);
    }

    static TopicIdPartition partition(Uuid topicId, int partition) {
        return new TopicIdPartition(topicId, partition, null);
    }
}
