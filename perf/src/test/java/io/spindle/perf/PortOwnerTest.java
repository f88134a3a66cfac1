package io.spindle.perf;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.List;
import java.util.OptionalLong;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Finding the broker's process from its --bootstrap address, with real sockets of this JVM. */
class PortOwnerTest {
    @Test
    void theProcessListeningOnALocalPortIsFound() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            assertEquals(OptionalLong.of(ProcessHandle.current().pid()), PortOwner.of("127.0.0.1:" + socket.getLocalPort()));
        }
    }

    @Test
    void aPortNobodyListensOnHasNoOwner() throws IOException {
        int port;
        try (ServerSocket socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            port = socket.getLocalPort();
        }

        assertEquals(OptionalLong.empty(), PortOwner.of("127.0.0.1:" + port));
    }

    @Test
    void aHostOfAnotherMachineIsNotLookedFor() {
        assertEquals(OptionalLong.empty(), PortOwner.of("192.0.2.1:9092"));
    }

    @Test
    void onlyTheListeningSocketsOfThePortAreTaken() {
        List<String> table = List.of(
                "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode",
                "   0: 0100007F:2384 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1111 1 0",
                "   1: 0100007F:2384 0100007F:D431 01 00000000:00000000 00:00000000 00000000     0        0 2222 1 0",
                "   2: 0100007F:2385 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 3333 1 0");

        assertEquals(Set.of("1111"), PortOwner.listeningInodes(table, 9092));
    }
}
