package io.spindle.test.faults;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The fault test's proxy against an echo server on 127.0.0.1: it forwards, blackholes, cuts and heals. */
class FaultProxyTest {
    private ServerSocket echo;
    private FaultProxy proxy;

    @BeforeEach
    void startEchoBehindProxy() throws IOException {
        echo = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"));
        Thread acceptor = new Thread(() -> {
            try {
                while (true) {
                    Socket s = echo.accept();
                    Thread pump = new Thread(() -> {
                        try (s) {
                            s.getInputStream().transferTo(s.getOutputStream());
                        } catch (IOException closed) {
                            // the proxy closed it
                        }
                    });
                    pump.setDaemon(true);
                    pump.start();
                }
            } catch (IOException closed) {
                // the test ended
            }
        });
        acceptor.setDaemon(true);
        acceptor.start();
        proxy = FaultProxy.open("test");
        proxy.forwardTo(echo.getLocalPort());
    }

    @AfterEach
    void stop() throws IOException {
        proxy.close();
        echo.close();
    }

    private Socket connect() throws IOException {
        Socket socket = new Socket("127.0.0.1", proxy.port());
        socket.setSoTimeout(500);
        return socket;
    }

    private static void assertEchoes(Socket socket, String text) throws IOException {
        byte[] sent = text.getBytes(StandardCharsets.UTF_8);
        socket.getOutputStream().write(sent);
        assertArrayEquals(sent, socket.getInputStream().readNBytes(sent.length));
    }

    /** End of stream or a reset: either way the peer closed the connection. */
    private static boolean closedByPeer(Socket socket) {
        try {
            socket.getOutputStream().write(1);
            return socket.getInputStream().read() < 0;
        } catch (SocketTimeoutException stillOpen) {
            return false;
        } catch (IOException reset) {
            return true;
        }
    }

    @Test
    void forwardsBytesBothWays() throws IOException {
        try (Socket socket = connect()) {
            assertEchoes(socket, "hello through the proxy");
        }
    }

    @Test
    void aBlackholeDropsBytesOnOpenAndNewConnectionsAndHealingClosesThem() throws IOException {
        try (Socket open = connect()) {
            assertEchoes(open, "before");
            proxy.blackhole();
            try (Socket fresh = connect()) {
                open.getOutputStream().write(1);
                assertThrows(SocketTimeoutException.class, () -> open.getInputStream().read());
                fresh.getOutputStream().write(1);
                assertThrows(SocketTimeoutException.class, () -> fresh.getInputStream().read());
                proxy.heal();
                assertTrue(closedByPeer(open), "a blackholed connection outlived the heal");
                assertTrue(closedByPeer(fresh), "a connection opened during the blackhole outlived the heal");
            }
        }
        try (Socket after = connect()) {
            assertEchoes(after, "after the heal");
        }
    }

    @Test
    void aCutClosesOpenConnectionsAndRefusesNewOnesUntilHealed() throws IOException {
        try (Socket open = connect()) {
            assertEchoes(open, "before");
            proxy.cut();
            assertTrue(closedByPeer(open), "an open connection survived the cut");
            try (Socket during = connect()) {
                assertTrue(closedByPeer(during), "a new connection got through the cut");
            }
        }
        proxy.heal();
        try (Socket after = connect()) {
            assertEchoes(after, "after the heal");
        }
    }

    /** A proxy whose broker is down closes each client connection, so the client reconnects when it is back. */
    @Test
    void aConnectionToADownBrokerIsClosed() throws IOException {
        echo.close();
        try (Socket socket = connect()) {
            assertTrue(closedByPeer(socket));
        }
    }
}
