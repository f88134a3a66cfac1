package io.spindle.test.faults;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The cuts the network-partition fault runs rely on, shown with real TCP connects from inside the brokers'
 * namespaces (bash's {@code /dev/tcp}) to a port where nothing listens: a path that works both ways is refused at once
 * by the far kernel; a cut on the connecting side fails locally; a cut on the far side loses the refusal, so the
 * connect times out. Skipped where namespaces cannot be made (not root, no {@code ip netns}).
 */
class BrokerNetworkTest {
    /** How a connect to a port where nothing listens ended. */
    private enum Outcome { REFUSED, FAILED_HERE, TIMED_OUT }

    @Test
    void aCutDropsOneBrokersPacketsToAnotherUntilHealed() {
        try (BrokerNetwork network = BrokerNetwork.create(2)) {
            assertEquals(Outcome.REFUSED, connect(network, 1, network.address(2)));
            network.drop(1, 2);
            assertEquals(Outcome.FAILED_HERE, connect(network, 1, network.address(2)));
            assertEquals(Outcome.TIMED_OUT, connect(network, 2, network.address(1)),
                    "broker 2's SYN reaches broker 1, whose refusal must vanish");
            network.healAll();
            assertEquals(Outcome.REFUSED, connect(network, 1, network.address(2)));
            assertEquals(Outcome.REFUSED, connect(network, 2, network.address(1)));
        }
    }

    @Test
    void aBrokerCutFromTheClientsStillReachesTheOtherBrokers() {
        try (BrokerNetwork network = BrokerNetwork.create(2)) {
            assertEquals(Outcome.REFUSED, connect(network, 1, network.clientAddress()));
            network.dropToClients(1);
            assertEquals(Outcome.FAILED_HERE, connect(network, 1, network.clientAddress()));
            assertEquals(Outcome.REFUSED, connect(network, 1, network.address(2)));
            network.healAll();
            assertEquals(Outcome.REFUSED, connect(network, 1, network.clientAddress()));
        }
    }

    @Test
    void closeDeletesTheNamespacesAndLinks() {
        BrokerNetwork network = BrokerNetwork.create(2);
        String namespace = network.namespace(1);
        assertTrue(namespaces().contains(namespace));
        network.close();
        assertFalse(namespaces().contains(namespace), namespaces());
        String tag = namespace.substring("spindle-".length(), namespace.length() - "-1".length());
        assertFalse(links().contains("-" + tag), links());
    }

    @Test
    void createDeletesWhatARunOfADeadJvmLeft() throws Exception {
        BrokerNetwork.create(1).close();        // skips here where namespaces cannot be made
        Process gone = new ProcessBuilder("true").start();
        gone.waitFor();
        String tag = Long.toString(gone.pid(), 36) + "-1";
        ip("netns", "add", "spindle-" + tag + "-1");
        ip("link", "add", "spb-" + tag, "type", "bridge");
        try {
            assertTrue(namespaces().contains("spindle-" + tag + "-1"));
            BrokerNetwork.create(1).close();
            assertFalse(namespaces().contains("spindle-" + tag + "-1"), namespaces());
            assertFalse(links().contains("spb-" + tag), links());
        } finally {
            BrokerNetwork.run(List.of(BrokerNetwork.IP.toString(), "netns", "delete", "spindle-" + tag + "-1"));
            BrokerNetwork.run(List.of(BrokerNetwork.IP.toString(), "link", "delete", "spb-" + tag));
        }
    }

    private static Outcome connect(BrokerNetwork network, int node, String address) {
        BrokerNetwork.Result result = BrokerNetwork.run(List.of(BrokerNetwork.IP.toString(), "netns", "exec",
                network.namespace(node), "timeout", "2", "bash", "-c", "exec 3<>/dev/tcp/" + address + "/9"));
        if (result.status() == 124) {
            return Outcome.TIMED_OUT;
        }
        assertTrue(result.status() != 0, "something listens on " + address + ":9");
        return result.output().contains("Connection refused") ? Outcome.REFUSED : Outcome.FAILED_HERE;
    }

    private static void ip(String... args) {
        BrokerNetwork.Result result = BrokerNetwork.run(
                Stream.concat(Stream.of(BrokerNetwork.IP.toString()), Stream.of(args)).toList());
        assertEquals(0, result.status(), result.output());
    }

    private static String namespaces() {
        return BrokerNetwork.run(List.of(BrokerNetwork.IP.toString(), "netns", "list")).output();
    }

    private static String links() {
        return BrokerNetwork.run(List.of(BrokerNetwork.IP.toString(), "-o", "link", "show")).output();
    }
}
