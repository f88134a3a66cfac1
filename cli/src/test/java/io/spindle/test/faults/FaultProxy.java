package io.spindle.test.faults;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A TCP proxy on 127.0.0.1 in front of one broker's Kafka listener, which the fault test controls: clients reach the
 * broker only through it (the broker advertises the proxy's port), so the test can cut them off from that broker
 * without touching the broker itself.
 *
 * <ul>
 *   <li>{@link #blackhole()}: every connection, open or new, stays open but its bytes vanish in both directions, as
 *       when the network drops packets silently: clients find out only by their request timeouts.</li>
 *   <li>{@link #cut()}: every open connection is closed and new ones are reset at once, as when a route is refused.</li>
 *   <li>{@link #heal()}: new connections reach the broker again; the blackholed ones are closed, since bytes of their
 *       streams were dropped and the peers could no longer frame what follows.</li>
 * </ul>
 *
 * Each connection is pumped by two threads (one per direction): a few dozen clients at most. Thread-safe.
 */
final class FaultProxy implements AutoCloseable {
    private enum Mode { FORWARD, BLACKHOLE, CUT }

    private final String name;
    private final ServerSocket server;
    private final Set<Link> links = ConcurrentHashMap.newKeySet();
    private volatile int upstreamPort = -1;
    private volatile Mode mode = Mode.FORWARD;
    private volatile boolean closed;

    private FaultProxy(String name, ServerSocket server) {
        this.name = name;
        this.server = server;
        Thread acceptor = new Thread(this::acceptLoop, name + "-accept");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    /** A proxy listening on a free port of 127.0.0.1, forwarding nowhere until {@link #forwardTo}. */
    static FaultProxy open(String name) {
        try {
            ServerSocket server = new ServerSocket();
            server.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0), 200);
            return new FaultProxy(name, server);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open proxy " + name + " on 127.0.0.1", e);
        }
    }

    int port() {
        return server.getLocalPort();
    }

    /** New connections go to 127.0.0.1:{@code port} (the broker's own listener). */
    void forwardTo(int port) {
        upstreamPort = port;
    }

    void blackhole() {
        mode = Mode.BLACKHOLE;
        links.forEach(link -> link.poisoned = true);
    }

    void cut() {
        mode = Mode.CUT;
        links.forEach(Link::close);
    }

    void heal() {
        mode = Mode.FORWARD;
        links.stream().filter(link -> link.poisoned).forEach(Link::close);
    }

    private void acceptLoop() {
        while (!closed) {
            Socket client;
            try {
                client = server.accept();
            } catch (IOException e) {
                return;     // closed
            }
            Mode now = mode;
            try {
                if (now == Mode.CUT || upstreamPort < 0) {
                    client.setSoLinger(true, 0);      // a reset, as a refused route gives
                    client.close();
                } else if (now == Mode.BLACKHOLE) {
                    start(new Link(client, null, true));
                } else {
                    start(new Link(client, connectUpstream(), false));
                }
            } catch (IOException brokerDown) {
                closeQuietly(client);                 // the broker is not listening: the client sees the close
            }
        }
    }

    private Socket connectUpstream() throws IOException {
        Socket upstream = new Socket();
        upstream.setTcpNoDelay(true);
        upstream.connect(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), upstreamPort), 2000);
        return upstream;
    }

    private void start(Link link) throws IOException {
        link.client.setTcpNoDelay(true);
        links.add(link);
        if (mode == Mode.BLACKHOLE) {
            link.poisoned = true;             // blackhole() ran between accept and here
        }
        pump(link, link.client, link.upstream, "up");
        if (link.upstream != null) {
            pump(link, link.upstream, link.client, "down");
        }
        if (closed || mode == Mode.CUT) {
            link.close();
        }
    }

    /** Copies {@code from} to {@code to} (null: nowhere) until either closes; drops the bytes once the link is poisoned. */
    private void pump(Link link, Socket from, Socket to, String direction) throws IOException {
        InputStream in = from.getInputStream();
        OutputStream out = to == null ? null : to.getOutputStream();
        Thread thread = new Thread(() -> {
            byte[] buffer = new byte[64 * 1024];
            try {
                for (int n; (n = in.read(buffer)) >= 0; ) {
                    if (!link.poisoned && out != null) {
                        out.write(buffer, 0, n);
                    }
                }
            } catch (IOException closedMeanwhile) {
                // the other pump, cut() or close() closed the link
            } finally {
                link.close();
            }
        }, name + "-" + direction);
        thread.setDaemon(true);
        thread.start();
    }

    @Override
    public void close() {
        closed = true;
        closeQuietly(server);
        links.forEach(Link::close);
    }

    private static void closeQuietly(AutoCloseable closeable) {
        try {
            closeable.close();
        } catch (Exception alreadyGone) {
            // closing is all that was wanted
        }
    }

    /** One client connection and its connection to the broker (none while blackholed from the start). */
    private final class Link {
        final Socket client;
        final Socket upstream;
        volatile boolean poisoned;

        Link(Socket client, Socket upstream, boolean poisoned) {
            this.client = client;
            this.upstream = upstream;
            this.poisoned = poisoned;
        }

        void close() {
            links.remove(this);
            try {
                client.setSoLinger(true, 0);
            } catch (SocketException alreadyClosed) {
                // nothing to reset
            }
            closeQuietly(client);
            if (upstream != null) {
                closeQuietly(upstream);
            }
        }
    }
}
