package io.spindle.broker.network;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The request bytes of all connections that have been read but not yet answered, held against one limit. Past it
 * every connection stops reading until responses leave and the total drops below the limit again: the per-connection
 * cap alone lets N connections hold N times it. The limit is soft by at most what one socket read per connection
 * brings in: a frame already read when the limit is crossed is still handled.
 *
 * <p>Thread-safe. Connections add and remove bytes from their event loops; the one whose change crosses the limit,
 * either way, asks every registered connection to look at its reading state again on its own event loop.
 */
final class InFlightBudget {
    private final long limit;
    private final AtomicLong used = new AtomicLong();
    private final Set<KafkaConnection> connections = ConcurrentHashMap.newKeySet();

    InFlightBudget(long limit) {
        if (limit < 1) {
            throw new IllegalArgumentException("the total in-flight request limit must be positive, not " + limit);
        }
        this.limit = limit;
    }

    long limit() {
        return limit;
    }

    long used() {
        return used.get();
    }

    boolean exhausted() {
        return used.get() >= limit;
    }

    void register(KafkaConnection connection) {
        connections.add(connection);
    }

    void unregister(KafkaConnection connection) {
        connections.remove(connection);
    }

    void add(long bytes) {
        long after = used.addAndGet(bytes);
        if (after >= limit && after - bytes < limit) {
            connections.forEach(KafkaConnection::recheckReading);
        }
    }

    void remove(long bytes) {
        long after = used.addAndGet(-bytes);
        if (after < limit && after + bytes >= limit) {
            connections.forEach(KafkaConnection::recheckReading);
        }
    }
}
