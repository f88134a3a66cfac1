package io.spindle.config;

/**
 * The Kafka protocol listener (broker-core's network layer) as one value: where it binds, how many event loops
 * serve its connections, and the limits that keep its memory bounded; {@link BrokerConfig#listener()} builds it
 * once when the configuration is loaded. The address and the frame cap come from keys and are checked by them;
 * the thread count and the in-flight limits are derived (no keys), see {@link #forAddress}.
 *
 * <p>Past {@code maxInFlightBytesPerConnection} of requests not yet answered a connection stops reading until
 * responses leave; past {@code maxInFlightBytesTotal} over all connections every connection stops reading. Units:
 * bytes.
 *
 * @param host                          listener.host: the address to bind; 0.0.0.0 for every interface
 * @param port                          listener.port: 0 picks a free port
 * @param ioThreads                     event loop threads for connections, at least 1
 * @param maxRequestBytes               socket.request.max.bytes: a larger request frame closes the connection
 * @param maxInFlightBytesPerConnection request bytes one connection may have unanswered, at least 1
 * @param maxInFlightBytesTotal         request bytes all connections together may have unanswered, at least 1
 */
public record ListenerSettings(String host, int port, int ioThreads, int maxRequestBytes,
                               long maxInFlightBytesPerConnection, long maxInFlightBytesTotal) {
    /** Requests of one connection not yet answered, in bytes, past which it stops reading until responses leave. */
    public static final long DEFAULT_MAX_IN_FLIGHT_BYTES_PER_CONNECTION = 64L * 1024 * 1024;

    /**
     * @throws ConfigException naming the first setting whose value is not allowed
     * @throws IllegalArgumentException for a derived value (threads, in-flight limits) below 1
     */
    public ListenerSettings {
        BrokerConfig.LISTENER_HOST_KEY.check(host);
        BrokerConfig.LISTENER_PORT_KEY.check(port);
        BrokerConfig.SOCKET_REQUEST_MAX_BYTES_KEY.check(maxRequestBytes);
        if (ioThreads < 1 || maxInFlightBytesPerConnection < 1 || maxInFlightBytesTotal < 1) {
            throw new IllegalArgumentException("listener needs at least one thread and one byte in flight: "
                    + ioThreads + " threads, " + maxInFlightBytesPerConnection + " bytes per connection, "
                    + maxInFlightBytesTotal + " bytes in total");
        }
    }

    /**
     * A listener on {@code host:port} with the derived values a broker uses: one event loop per available
     * processor, {@link #DEFAULT_MAX_IN_FLIGHT_BYTES_PER_CONNECTION} per connection and, in total, a quarter of the
     * heap but at least one connection's worth (without it 200 connections could hold 200 times the cap of one).
     */
    public static ListenerSettings forAddress(String host, int port, int maxRequestBytes) {
        Runtime runtime = Runtime.getRuntime();
        return new ListenerSettings(host, port, Math.max(1, runtime.availableProcessors()), maxRequestBytes,
                DEFAULT_MAX_IN_FLIGHT_BYTES_PER_CONNECTION,
                Math.max(DEFAULT_MAX_IN_FLIGHT_BYTES_PER_CONNECTION, runtime.maxMemory() / 4));
    }
}
