package io.spindle.broker.data;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.common.protocol.ApiKeys;

/**
 * A TCP proxy in front of a broker that loses responses: the first {@code drops} responses to requests of one API
 * never reach the client; instead the connection is cut, as when a network fails after the broker has acted.
 * Frames are Kafka's (4-byte length, then the message), so the proxy pairs responses with requests by correlation
 * id. Blocking sockets, two threads per connection: test code.
 */
final class ResponseDroppingProxy implements AutoCloseable {
    private final ServerSocket server;
    private final ApiKeys dropped;
    private final AtomicInteger dropsLeft;
    private final AtomicInteger dropCount = new AtomicInteger();
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private volatile int targetPort;

    ResponseDroppingProxy(ApiKeys dropped, int drops) throws IOException {
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        this.dropped = dropped;
        this.dropsLeft = new AtomicInteger(drops);
    }

    int port() {
        return server.getLocalPort();
    }

    /** Starts forwarding connections to the broker on {@code port}. */
    void forwardTo(int port) {
        targetPort = port;
        Thread acceptor = new Thread(this::accept, "proxy-accept");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    /** How many responses were lost so far. */
    int dropped() {
        return dropCount.get();
    }

    private void accept() {
        while (!server.isClosed()) {
            try {
                Socket client = server.accept();
                Socket broker = new Socket(InetAddress.getLoopbackAddress(), targetPort);
                sockets.add(client);
                sockets.add(broker);
                Map<Integer, Short> apiByCorrelation = new ConcurrentHashMap<>();
                start(() -> pumpRequests(client, broker, apiByCorrelation));
                start(() -> pumpResponses(broker, client, apiByCorrelation));
            } catch (IOException closed) {
                return;
            }
        }
    }

    private void pumpRequests(Socket client, Socket broker, Map<Integer, Short> apiByCorrelation) {
        try {
            DataInputStream in = new DataInputStream(client.getInputStream());
            DataOutputStream out = new DataOutputStream(broker.getOutputStream());
            while (true) {
                byte[] frame = readFrame(in);
                ByteBuffer header = ByteBuffer.wrap(frame);
                apiByCorrelation.put(header.getInt(4), header.getShort(0));
                writeFrame(out, frame);
            }
        } catch (IOException closed) {
            closeQuietly(client, broker);
        }
    }

    private void pumpResponses(Socket broker, Socket client, Map<Integer, Short> apiByCorrelation) {
        try {
            DataInputStream in = new DataInputStream(broker.getInputStream());
            DataOutputStream out = new DataOutputStream(client.getOutputStream());
            while (true) {
                byte[] frame = readFrame(in);
                Short api = apiByCorrelation.remove(ByteBuffer.wrap(frame).getInt(0));
                if (api != null && api == dropped.id && dropsLeft.getAndDecrement() > 0) {
                    dropCount.incrementAndGet();
                    closeQuietly(client, broker);
                    return;
                }
                writeFrame(out, frame);
            }
        } catch (IOException closed) {
            closeQuietly(client, broker);
        }
    }

    private static byte[] readFrame(DataInputStream in) throws IOException {
        byte[] frame = new byte[in.readInt()];
        in.readFully(frame);
        return frame;
    }

    private static void writeFrame(DataOutputStream out, byte[] frame) throws IOException {
        out.writeInt(frame.length);
        out.write(frame);
        out.flush();
    }

    private static void start(Runnable pump) {
        Thread thread = new Thread(pump, "proxy-pump");
        thread.setDaemon(true);
        thread.start();
    }

    private static void closeQuietly(Socket... sockets) {
        for (Socket socket : sockets) {
            try {
                socket.close();
            } catch (IOException alreadyBroken) {
                // The connection is being cut on purpose; a failure to close it changes nothing.
            }
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
        for (Socket socket : sockets) {
            closeQuietly(socket);
        }
    }
}
