package io.spindle.cli;

import io.spindle.broker.MetadataProbe;
import io.spindle.broker.SpindleBroker;
import io.spindle.config.BrokerConfig;
import io.spindle.config.ClusterSettings;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The second half of the class-data sharing training run ({@code broker --exit-when-ready --train-quorum}, which
 * {@code bin/spindle} and perf's launcher run with {@code -XX:ArchiveClassesAtExit}): a broker as the single voter of a
 * one-broker metadata quorum, started, asked for Metadata once it has joined, and stopped, so that the archive also holds
 * what a broker of a cluster loads at start — Apache Ratis, its shaded gRPC and Netty, the metadata state machine and
 * client — which a single broker never loads. Without it the three JVMs of a cluster loaded and verified those from
 * the jar at every start, about 5 s of a three-broker start on two cores (docs/benchmarks.md).
 *
 * <p>Best effort: a failure is one line on stderr and leaves the archive of the single broker trained before it.
 */
final class QuorumTraining {
    private static final String LOOPBACK = "127.0.0.1";
    private static final long READY_TIMEOUT_MS = 60_000;

    private QuorumTraining() {
    }

    /**
     * Runs the quorum broker with the settings of the single one ({@code configFile}, {@code environment},
     * {@code overrides}) but its data in {@code <singleDataDir>-quorum}, on free ports of loopback.
     */
    static void run(Path configFile, Map<String, String> environment, Map<String, String> overrides,
                    Path singleDataDir, PrintStream err) throws InterruptedException {
        try {
            Map<String, String> settings = new LinkedHashMap<>(overrides);
            settings.put(BrokerConfig.DATA_DIR, singleDataDir.toAbsolutePath().normalize() + "-quorum");
            settings.put(BrokerConfig.LISTENER_HOST, LOOPBACK);
            settings.put(BrokerConfig.LISTENER_PORT, "0");
            settings.put(ClusterSettings.NODE_ID, "1");
            settings.put(ClusterSettings.QUORUM_VOTERS, "1@" + LOOPBACK + ":" + freePort());
            BrokerConfig config = BrokerConfig.load(configFile, environment, settings);
            try (SpindleBroker broker = SpindleBroker.start(config)) {
                long deadline = System.currentTimeMillis() + READY_TIMEOUT_MS;
                while (!MetadataProbe.ready(LOOPBACK, broker.port())) {
                    if (System.currentTimeMillis() > deadline) {
                        err.println("spindle broker: the quorum training broker did not answer Metadata within "
                                + READY_TIMEOUT_MS / 1000 + " s; the archive holds the single broker's classes only");
                        return;
                    }
                    Thread.sleep(20);
                }
            }
        } catch (IOException | RuntimeException e) {
            err.println("spindle broker: the quorum training broker failed (" + FailureReport.describe(e)
                    + "); the archive holds the single broker's classes only");
        }
    }

    /** A port free now on loopback (another process could take it before Ratis binds it: then training fails). */
    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName(LOOPBACK))) {
            return socket.getLocalPort();
        }
    }
}
