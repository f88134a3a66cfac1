package io.spindle.broker.share;

import io.spindle.broker.ClientConnection;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/** Ends the share sessions of a connection when it closes; registers one close action per connection, not per request. */
final class ConnectionWatch {
    private final ShareSessions sessions;
    private final Set<Long> watched = ConcurrentHashMap.newKeySet();

    ConnectionWatch(ShareSessions sessions) {
        this.sessions = sessions;
    }

    void watch(ClientConnection connection) {
        long id = connection.id();
        if (watched.add(id)) {
            connection.onClose(() -> {
                watched.remove(id);
                sessions.connectionClosed(id);
            });
        }
    }
}
