package io.spindle.broker.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.awaitility.Awaitility.await;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.apache.kafka.common.message.ApiVersionsRequestData;
import org.apache.kafka.common.message.ApiVersionsResponseData;
import org.apache.kafka.common.message.ResponseHeaderData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.requests.ApiVersionsRequest;
import org.apache.kafka.common.requests.ApiVersionsResponse;
import org.apache.kafka.common.requests.RequestHeader;
import org.apache.kafka.common.requests.RequestUtils;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@link BrokerConnection} against a peer on 127.0.0.1 that reads Kafka request frames and answers ApiVersions with
 * real Kafka response frames, or misbehaves as each test tells it.
 */
class BrokerConnectionTest {
    private static final short VERSION = 3;
    private static final BrokerConnection.Settings FAST = new BrokerConnection.Settings(2_000, 30_000, 1024 * 1024, 100,
            400);

    /** What the peer does with a request it read: answer it (with a correlation id), or not. */
    private enum Answer { RIGHT, WRONG_CORRELATION_ID, HANG, CUT, OVERSIZED }

    private final List<AutoCloseable> open = new CopyOnWriteArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (AutoCloseable each : open) {
            each.close();
        }
    }

    @Test
    void eachResponseIsReadForItsRequestWithTheNextCorrelationId() throws Exception {
        Peer peer = peer(Answer.RIGHT);
        BrokerConnection connection = connection(broker(7, peer.port()), FAST);

        for (int i = 1; i <= 3; i++) {
            ApiVersionsResponse response = connection.send(apiVersions());
            assertEquals(i, response.throttleTimeMs(), "the peer echoes the correlation id as throttle time");
        }
        assertEquals(List.of(1, 2, 3), peer.correlationIds);
        assertEquals(List.of("test-client", "test-client", "test-client"), peer.clientIds);
        assertEquals(1, peer.accepted.get(), "one connection for all three");
        assertEquals(Optional.of(7), connection.connectedTo().map(ClusterBroker::id));
    }

    @Test
    void aResponseForAnotherRequestFailsTheCallNamingTheBrokerAndDropsTheConnection() throws Exception {
        Peer peer = peer(Answer.WRONG_CORRELATION_ID, Answer.RIGHT);
        BrokerConnection connection = connection(broker(7, peer.port()), FAST);

        IOException failure = assertThrows(IOException.class, () -> connection.send(apiVersions()));
        assertContains(failure, "API_VERSIONS to the test peer (broker 7 at 127.0.0.1:" + peer.port() + ") failed");
        assertEquals(Optional.empty(), connection.connectedTo());

        ApiVersionsResponse response = connection.send(apiVersions());
        assertEquals(2, response.throttleTimeMs());
        assertEquals(2, peer.accepted.get(), "connected again");
    }

    @Test
    void aResponseLargerThanTheBoundFailsTheCall() throws Exception {
        Peer peer = peer(Answer.OVERSIZED);
        BrokerConnection connection = connection(broker(4, peer.port()), FAST);

        IOException failure = assertThrows(IOException.class, () -> connection.send(apiVersions()));
        assertContains(failure, "broker 4 at 127.0.0.1:" + peer.port());
        assertContains(failure, "response of " + (FAST.maxResponseBytes() + 1) + " bytes");
    }

    @Test
    void aRefusedConnectionNamesTheBrokerAndItsAddress() throws Exception {
        int closedPort = closedPort();
        BrokerConnection connection = connection(broker(3, closedPort), FAST);

        IOException failure = assertThrows(IOException.class, () -> connection.send(apiVersions()));
        assertContains(failure, "cannot connect to the test peer (broker 3 at 127.0.0.1:" + closedPort + ")");
    }

    @Test
    void noBrokerKnownFailsNamingTheRole() {
        BrokerConnection connection = connection(Optional::empty, FAST);

        IOException failure = assertThrows(IOException.class, () -> connection.send(apiVersions()));
        assertEquals("no broker is known as the test peer now", failure.getMessage());
    }

    @Test
    void afterACutConnectionTheNextCallConnectsAgainOnceTheBackoffIsOver() throws Exception {
        Peer peer = peer(Answer.CUT, Answer.RIGHT);
        BrokerConnection.Settings slow = new BrokerConnection.Settings(2_000, 30_000, 1024 * 1024, 300, 300);
        BrokerConnection connection = connection(broker(5, peer.port()), slow);

        IOException failure = assertThrows(IOException.class, () -> connection.send(apiVersions()));
        assertContains(failure, "broker 5 at 127.0.0.1:" + peer.port());
        long failedAt = System.nanoTime();
        ApiVersionsResponse response = connection.send(apiVersions());
        long waitedMs = (System.nanoTime() - failedAt) / 1_000_000;

        assertEquals(2, response.throttleTimeMs());
        assertTrue(waitedMs >= 300, "waited out the 300 ms backoff before connecting again, not " + waitedMs + " ms");
        assertEquals(2, peer.accepted.get());
    }

    @Test
    void theBackoffDoublesWhileConnectingKeepsFailingUpToItsBound() throws Exception {
        int closedPort = closedPort();
        // A first refusal on another connection loads the classes a failure takes, which the upper bound leaves no
        // time for.
        assertThrows(IOException.class, () -> connection(broker(3, closedPort), FAST).send(apiVersions()));
        BrokerConnection connection = connection(broker(3, closedPort), FAST);

        // Measured from before the first attempt, so each bound holds however late a failure is noticed.
        long start = System.nanoTime();
        assertThrows(IOException.class, () -> connection.send(apiVersions()));
        long[] sinceStartMs = new long[4];
        for (int i = 0; i < sinceStartMs.length; i++) {
            assertThrows(IOException.class, () -> connection.send(apiVersions()));
            sinceStartMs[i] = (System.nanoTime() - start) / 1_000_000;
        }
        String times = Arrays.toString(sinceStartMs);
        assertTrue(sinceStartMs[0] >= 100, "waited 100 ms: " + times);
        assertTrue(sinceStartMs[1] >= 100 + 200, "then 200 ms: " + times);
        assertTrue(sinceStartMs[2] >= 100 + 200 + 400, "then 400 ms: " + times);
        assertTrue(sinceStartMs[3] >= 100 + 200 + 400 + 400, "then 400 ms again: " + times);
        assertTrue(sinceStartMs[3] < 100 + 200 + 400 + 800, "bounded by the 400 ms maximum, not doubled: " + times);
    }

    @Test
    void closeWakesACallerWaitingForAResponse() throws Exception {
        Peer peer = peer(Answer.HANG);
        BrokerConnection connection = connection(broker(6, peer.port()), FAST);
        CompletableFuture<String> call = CompletableFuture.supplyAsync(() -> failureOf(connection));
        await().atMost(Duration.ofSeconds(10)).until(() -> peer.correlationIds.size() == 1);

        connection.close();

        // Well before the 30 s read timeout.
        assertTrue(call.get(5, TimeUnit.SECONDS).contains("is closed"), call.join());
        assertContains(assertThrows(IOException.class, () -> connection.send(apiVersions())), "is closed");
    }

    @Test
    void closeWakesACallerWaitingOutTheBackoff() throws Exception {
        BrokerConnection.Settings longBackoff = new BrokerConnection.Settings(2_000, 30_000, 1024, 60_000, 60_000);
        BrokerConnection connection = connection(broker(2, closedPort()), longBackoff);
        assertThrows(IOException.class, () -> connection.send(apiVersions()));
        CompletableFuture<String> call = CompletableFuture.supplyAsync(() -> failureOf(connection));

        connection.close();

        // Well before the 60 s backoff.
        assertTrue(call.get(5, TimeUnit.SECONDS).contains("is closed"), call.join());
    }

    private static void assertContains(Throwable failure, String expected) {
        assertTrue(String.valueOf(failure.getMessage()).contains(expected),
                "expected '" + expected + "' in: " + failure.getMessage());
    }

    private static int closedPort() throws IOException {
        try (ServerSocket gone = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return gone.getLocalPort();
        }
    }

    /** The message of the failure of a call on {@code connection} (the call must fail). */
    private static String failureOf(BrokerConnection connection) {
        try {
            connection.send(apiVersions());
            return "the call was answered";
        } catch (IOException e) {
            return e.getMessage();
        }
    }

    private static ApiVersionsRequest apiVersions() {
        return new ApiVersionsRequest(new ApiVersionsRequestData().setClientSoftwareName("spindle-test")
                .setClientSoftwareVersion("1"), VERSION);
    }

    private static Supplier<Optional<ClusterBroker>> broker(int id, int port) {
        ClusterBroker broker = new ClusterBroker(id, "127.0.0.1", port, Optional.empty());
        return () -> Optional.of(broker);
    }

    private BrokerConnection connection(Supplier<Optional<ClusterBroker>> target,
                                        BrokerConnection.Settings settings) {
        BrokerConnection connection = new BrokerConnection("test peer", "test-client", target, settings);
        open.add(connection);
        return connection;
    }

    private Peer peer(Answer... answers) throws IOException {
        Peer peer = new Peer(answers);
        open.add(peer);
        return peer;
    }

    /**
     * Answers the requests it reads, in order, as {@code answers} says (the last one repeats), one connection at a
     * time; a RIGHT answer is an ApiVersions response whose throttle time is the request's correlation id.
     */
    private static final class Peer implements AutoCloseable {
        private final ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        private final Answer[] answers;
        private final AtomicInteger accepted = new AtomicInteger();
        private final List<Integer> correlationIds = new CopyOnWriteArrayList<>();
        private final List<String> clientIds = new CopyOnWriteArrayList<>();
        private final List<Socket> sockets = new CopyOnWriteArrayList<>();

        Peer(Answer... answers) throws IOException {
            this.answers = answers;
            Thread thread = new Thread(this::serve, "test-peer");
            thread.setDaemon(true);
            thread.start();
        }

        int port() {
            return server.getLocalPort();
        }

        private void serve() {
            int request = 0;
            while (!server.isClosed()) {
                try (Socket socket = server.accept()) {
                    sockets.add(socket);
                    accepted.incrementAndGet();
                    DataInputStream in = new DataInputStream(socket.getInputStream());
                    DataOutputStream out = new DataOutputStream(socket.getOutputStream());
                    while (true) {
                        byte[] frame = new byte[in.readInt()];
                        in.readFully(frame);
                        RequestHeader header = RequestHeader.parse(ByteBuffer.wrap(frame));
                        correlationIds.add(header.correlationId());
                        clientIds.add(header.clientId());
                        Answer answer = answers[Math.min(request++, answers.length - 1)];
                        if (answer == Answer.CUT) {
                            break;
                        }
                        if (answer == Answer.HANG) {
                            in.read();  // until the client closes
                            break;
                        }
                        if (answer == Answer.OVERSIZED) {
                            out.writeInt(FAST.maxResponseBytes() + 1);
                            out.flush();
                            in.read();
                            break;
                        }
                        int correlationId = header.correlationId() + (answer == Answer.WRONG_CORRELATION_ID ? 1 : 0);
                        ByteBuffer bytes = RequestUtils.serialize(
                                new ResponseHeaderData().setCorrelationId(correlationId),
                                ApiKeys.API_VERSIONS.responseHeaderVersion(VERSION),
                                new ApiVersionsResponseData().setThrottleTimeMs(header.correlationId()), VERSION);
                        out.writeInt(bytes.remaining());
                        out.write(bytes.array(), bytes.arrayOffset() + bytes.position(), bytes.remaining());
                        out.flush();
                    }
                } catch (IOException e) {
                    // the client went away, or the test closed the peer: take the next connection
                }
            }
        }

        @Override
        public void close() throws IOException {
            server.close();
            for (Socket socket : sockets) {
                socket.close();
            }
        }
    }
}
