package io.spindle.broker.cluster;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.util.Optional;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.RequestHeader;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One blocking connection from this broker to another broker's Kafka listener, for requests this broker makes of its
 * peers (a follower's fetches from a leader, a share-partition leader's state writes to the share coordinator):
 * Kafka's framing (a 4-byte size, then the request header and body as kafka-clients serializes them), one request out
 * at a time, each response matched to its request by correlation id.
 *
 * <ul>
 *   <li>The broker reached is looked up at each connect ({@code target}), so a role that moves (a partition's leader,
 *       the share coordinator) is followed by {@link #disconnect} and the next {@link #send}.</li>
 *   <li>A failure (no broker known, refused, timed out, cut, a response too large or for another request) closes the
 *       connection and is thrown as an {@link IOException} naming the broker's id and address and the role. The next
 *       connect waits out a backoff first: {@code backoffMs}, doubling at each failure in a row up to
 *       {@code maxBackoffMs}, back to {@code backoffMs} after a response.</li>
 *   <li>{@link #close} wakes a caller blocked in {@link #send}, whether reading a response or waiting out a backoff;
 *       that call and every later one fail with "closed".</li>
 * </ul>
 *
 * <p>Threading: {@link #send} and {@link #disconnect} from one thread at a time (each caller owns its connection and
 * its thread); {@link #close} from any.
 */
public final class BrokerConnection implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(BrokerConnection.class);

    /** Timeouts, bounds and backoff of a connection. All in milliseconds, except the size in bytes. */
    public record Settings(int connectTimeoutMs, int readTimeoutMs, int maxResponseBytes, long backoffMs,
                           long maxBackoffMs) {
        public Settings {
            if (connectTimeoutMs <= 0 || readTimeoutMs <= 0 || maxResponseBytes <= 0 || backoffMs < 0
                    || maxBackoffMs < backoffMs) {
                throw new IllegalArgumentException("connection settings out of range: " + this);
            }
        }
    }

    private final String role;
    private final String clientId;
    private final Supplier<Optional<ClusterBroker>> target;
    private final Settings settings;
    private final LongSupplier clockMs;
    private final Object lock = new Object();
    private volatile boolean closed;
    private volatile Socket socket;
    private ClusterBroker connectedTo;
    private DataInputStream in;
    private DataOutputStream out;
    private int correlationId;
    private long nextConnectAtMs;
    private long backoffMs;

    /**
     * @param role     what the broker reached is to this one, for messages ("share coordinator", "leader")
     * @param clientId the client id of the requests' headers
     * @param target   the broker to reach now (empty while none is known), asked at each connect
     */
    public BrokerConnection(String role, String clientId, Supplier<Optional<ClusterBroker>> target, Settings settings) {
        this(role, clientId, target, settings, System::currentTimeMillis);
    }

    BrokerConnection(String role, String clientId, Supplier<Optional<ClusterBroker>> target, Settings settings,
                     LongSupplier clockMs) {
        this.role = role;
        this.clientId = clientId;
        this.target = target;
        this.settings = settings;
        this.clockMs = clockMs;
        this.backoffMs = settings.backoffMs();
    }

    /**
     * Sends {@code request} at its version and waits for its response, connecting first when not connected.
     *
     * @throws IOException the broker could not be reached or the exchange failed (the connection is closed then);
     *                     its message names the broker's id and address
     */
    @SuppressWarnings("unchecked")
    public <R extends AbstractResponse> R send(AbstractRequest request) throws IOException {
        connect();
        ClusterBroker to = connectedTo;
        try {
            RequestHeader header = new RequestHeader(request.apiKey(), request.version(), clientId, ++correlationId);
            ByteBuffer bytes = request.serializeWithHeader(header);
            out.writeInt(bytes.remaining());
            out.write(bytes.array(), bytes.arrayOffset() + bytes.position(), bytes.remaining());
            out.flush();
            int size = in.readInt();
            if (size < 0 || size > settings.maxResponseBytes()) {
                throw new IOException("sent a response of " + size + " bytes (at most " + settings.maxResponseBytes()
                        + " expected)");
            }
            byte[] answer = new byte[size];
            in.readFully(answer);
            R response = (R) AbstractResponse.parseResponse(ByteBuffer.wrap(answer), header);
            backoffMs = settings.backoffMs();
            return response;
        } catch (IOException | RuntimeException e) {
            // A runtime failure here is a response that does not parse or answers another request (kafka-clients'
            // CorrelationIdMismatchException): the stream is out of step, so it is dropped like a cut one.
            failed();
            if (closed) {
                throw new IOException(this + " is closed", e);
            }
            throw new IOException(request.apiKey() + " to " + describe(to) + " failed: " + e, e);
        }
    }

    /** Closes the connection, if open, without backing off: the next {@link #send} looks the target up again. */
    public void disconnect() {
        closeSocket();
    }

    /** The broker connected to now, if any. */
    public Optional<ClusterBroker> connectedTo() {
        return socket == null ? Optional.empty() : Optional.ofNullable(connectedTo);
    }

    private void connect() throws IOException {
        if (closed) {
            throw new IOException(this + " is closed");
        }
        if (socket != null) {
            return;
        }
        awaitBackoff();
        Optional<ClusterBroker> found = target.get();
        if (found.isEmpty()) {
            failed();
            throw new IOException("no broker is known as the " + role + " now");
        }
        ClusterBroker to = found.get();
        Socket connecting = new Socket();
        try {
            connecting.setTcpNoDelay(true);
            connecting.connect(new InetSocketAddress(to.host(), to.port()), settings.connectTimeoutMs());
            connecting.setSoTimeout(settings.readTimeoutMs());
        } catch (IOException e) {
            connecting.close();
            failed();
            throw new IOException("cannot connect to " + describe(to) + " within " + settings.connectTimeoutMs()
                    + " ms: " + e, e);
        }
        connectedTo = to;
        in = new DataInputStream(new BufferedInputStream(connecting.getInputStream()));
        out = new DataOutputStream(new BufferedOutputStream(connecting.getOutputStream()));
        socket = connecting;
        if (closed) {
            closeSocket();  // close() ran between the check above and here: it could not see this socket
            throw new IOException(this + " is closed");
        }
        LOG.debug("{} connected to {}", clientId, describe(to));
    }

    private void awaitBackoff() throws IOException {
        synchronized (lock) {
            long waitMs;
            while (!closed && (waitMs = nextConnectAtMs - clockMs.getAsLong()) > 0) {
                try {
                    lock.wait(waitMs);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException("interrupted while waiting to connect to the " + role, e);
                }
            }
        }
        if (closed) {
            throw new IOException(this + " is closed");
        }
    }

    private void failed() {
        closeSocket();
        nextConnectAtMs = clockMs.getAsLong() + backoffMs;
        backoffMs = Math.min(settings.maxBackoffMs(), Math.max(1, backoffMs * 2));
    }

    private void closeSocket() {
        Socket open = socket;
        socket = null;
        in = null;
        out = null;
        if (open != null) {
            try {
                open.close();
            } catch (IOException e) {
                LOG.debug("Closing the connection to {}: {}", describe(connectedTo), e.toString());
            }
        }
    }

    private String describe(ClusterBroker broker) {
        return broker == null ? "the " + role
                : "the " + role + " (broker " + broker.id() + " at " + broker.host() + ":" + broker.port() + ")";
    }

    /** Closes the connection for good, waking a caller blocked in {@link #send}. */
    @Override
    public void close() {
        closed = true;
        synchronized (lock) {
            lock.notifyAll();
        }
        Socket open = socket;
        if (open != null) {
            try {
                open.close();   // unblocks a read in flight
            } catch (IOException e) {
                LOG.debug("Closing the connection to {}: {}", describe(connectedTo), e.toString());
            }
        }
    }

    @Override
    public String toString() {
        return "the connection of " + clientId + " to the " + role;
    }
}
