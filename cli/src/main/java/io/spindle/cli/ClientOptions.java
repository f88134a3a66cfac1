package io.spindle.cli;

import io.spindle.client.BrokerUnreachableException;
import io.spindle.client.Spindle;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * The options every command that talks to a broker shares: where it is, how long to wait for it, and any
 * kafka-clients setting. {@link #connect()} first opens a TCP connection to the bootstrap address, so that a
 * broker that is not there fails in milliseconds with "Connection refused" rather than after a client timeout.
 */
final class ClientOptions {
    @Spec(Spec.Target.MIXEE)
    CommandSpec mixee;

    @Option(names = "--bootstrap-server", paramLabel = "HOST:PORT", defaultValue = "127.0.0.1:9092",
            description = "The broker to talk to (default: ${DEFAULT-VALUE}).")
    String bootstrapServer;

    @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "5s", converter = DurationConverter.class,
            description = "The longest wait for the broker, e.g. 500ms, 5s, 1m (default: ${DEFAULT-VALUE}).")
    Duration timeout;

    @Option(names = "--property", paramLabel = "KEY=VALUE",
            description = "A kafka-clients setting by its Kafka name, e.g. --property linger.ms=5; repeatable.")
    Map<String, String> properties = new LinkedHashMap<>();

    /** A connection to the broker, after checking that something listens at the bootstrap address. */
    Spindle connect() {
        probe();
        return Spindle.builder(bootstrapServer).timeout(timeout).clientId("spindle-cli")
                .configs(properties).connect();
    }

    private void probe() {
        IOException last = null;
        for (String server : bootstrapServer.split(",")) {
            InetSocketAddress address = parse(server.strip());
            try (Socket socket = new Socket()) {
                socket.connect(address, (int) Math.min(timeout.toMillis(), 3_000));
                return;
            } catch (IOException e) {
                last = e;
            }
        }
        throw new BrokerUnreachableException("No broker reachable at " + bootstrapServer, last);
    }

    private InetSocketAddress parse(String server) {
        int colon = server.lastIndexOf(':');
        if (colon <= 0 || colon == server.length() - 1) {
            throw new ParameterException(mixee.commandLine(), "Invalid --bootstrap-server '" + server
                    + "': expected HOST:PORT");
        }
        try {
            int port = Integer.parseInt(server.substring(colon + 1));
            if (port < 1 || port > 65_535) {
                throw new NumberFormatException("out of range");
            }
            return new InetSocketAddress(server.substring(0, colon), port);
        } catch (NumberFormatException e) {
            throw new ParameterException(mixee.commandLine(), "Invalid --bootstrap-server '" + server
                    + "': the port must be a number from 1 to 65535");
        }
    }
}
