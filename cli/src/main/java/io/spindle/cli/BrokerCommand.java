package io.spindle.cli;

import io.spindle.broker.MetadataProbe;
import io.spindle.broker.SpindleBroker;
import io.spindle.broker.meta.DataDirInUseException;
import io.spindle.config.BrokerConfig;
import io.spindle.config.ClusterSettings;
import io.spindle.config.ConfigException;
import io.spindle.config.FlushMode;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code spindle broker}: runs one broker in the foreground until SIGTERM or Ctrl-C (or a {@link Shutdown}
 * request). On stdout it prints exactly two lines, the start line once the listener is bound:
 * <pre>Spindle 0.1.0 started: data in /abs/data, Kafka listener 127.0.0.1:9092, flush mode fsync</pre>
 * and {@value #STOPPED_LINE} once {@link SpindleBroker#close()} has returned. A configuration error ends it
 * before anything starts, with exit status 2; a data directory that another broker holds, or any other failure to
 * start, with status 1.
 */
@Command(name = "broker",
        description = {
            "Runs a broker in the foreground until SIGTERM or Ctrl-C, which stop it cleanly.",
            "",
            "Each source of settings overrides the ones before it:",
            "  built-in defaults < --config FILE < SPINDLE_* variables < --set and flags.",
            "A variable names a key in upper case, '_' for '.': SPINDLE_FLUSH_MODE sets flush.mode.",
            ""
        },
        sortOptions = false)
final class BrokerCommand implements Callable<Integer> {
    static final String STOPPED_LINE = "stopped";

    private final Shutdown shutdown;
    private final Map<String, String> environment;

    @Spec
    CommandSpec spec;

    @Option(names = "--config", paramLabel = "FILE",
            description = "A properties file of broker settings (key=value, e.g. flush.mode=interval).")
    Path configFile;

    @Option(names = "--data-dir", paramLabel = "DIR", description = "Sets data.dir: where the partition logs live.")
    String dataDir;

    @Option(names = "--host", paramLabel = "H", description = "Sets listener.host: the address to listen on.")
    String host;

    @Option(names = "--port", paramLabel = "N", description = "Sets listener.port: the Kafka port; 0 picks a free one.")
    Integer port;

    @Option(names = "--node-id", paramLabel = "N", description = "Sets node.id: this broker's id in its cluster.")
    Integer nodeId;

    @Option(names = "--cluster", paramLabel = "ID@HOST:PORT,...",
            description = {"Sets controller.quorum.voters: the voters of the cluster's metadata quorum, each its node id "
                    + "and its Raft port (not its Kafka port), e.g. 1@127.0.0.1:9192,2@127.0.0.1:9193,3@127.0.0.1:9194.",
                "Every broker of the cluster is given the same list; a --node-id outside it is an observer and "
                    + "needs --observer-address."})
    String cluster;

    @Option(names = "--observer-address", paramLabel = "HOST:PORT",
            description = {"Sets controller.quorum.observer.address: for a broker whose --node-id is not among the "
                    + "--cluster voters, its own Raft port, where the quorum's leader sends it the metadata log. Such a "
                    + "broker is an observer: a full broker that applies the metadata without voting."})
    String observerAddress;

    /**
     * For bin/spindle's class-data-sharing training run: start, answer one Metadata request from this process
     * (so that the archive also holds what serving a first request loads), print the start line, stop.
     */
    @Option(names = "--exit-when-ready", hidden = true)
    boolean exitWhenReady;

    /**
     * With {@code --exit-when-ready}, for the same training run: then also a broker of a one-voter metadata quorum
     * ({@link QuorumTraining}), so that the archive holds what a broker of a cluster loads too.
     */
    @Option(names = "--train-quorum", hidden = true)
    boolean trainQuorum;

    @Option(names = "--set", paramLabel = "KEY=VALUE",
            description = "Sets any broker setting, e.g. --set flush.mode=none; repeatable. The flags above win over it.")
    Map<String, String> settings = new LinkedHashMap<>();

    BrokerCommand(Shutdown shutdown, Map<String, String> environment) {
        this.shutdown = shutdown;
        this.environment = environment;
    }

    @Override
    public Integer call() throws InterruptedException {
        return run(spec.commandLine().getOut());
    }

    /** Runs the broker with the flags set on this object, printing its two lines on {@code out}; returns the status. */
    int run(PrintWriter out) throws InterruptedException {
        checkClusterFlags();
        BrokerConfig config = BrokerConfig.load(configFile, environment, overrides());
        // Armed before the broker starts: a SIGTERM during start-up then stops it right after it is up.
        shutdown.arm();
        try {
            SpindleBroker broker = start(config);
            try {
                if (exitWhenReady) {
                    MetadataProbe.ready(config.listenerHost(), broker.port());
                }
                out.println(startLine(broker, config));
                out.flush();
                if (!exitWhenReady) {
                    shutdown.awaitRequest();
                }
            } finally {
                if (shutdown.processEndsAfter()) {
                    broker.closeForExit();
                } else {
                    broker.close();
                }
            }
            if (exitWhenReady && trainQuorum) {
                QuorumTraining.run(configFile, environment, overrides(), config.dataDir(), System.err);
            }
            out.println(STOPPED_LINE);
            out.flush();
            return SpindleCommand.OK;
        } finally {
            shutdown.finish();
        }
    }

    /** Starts the broker; a failure names the listener and the data directory, which the cause may not. */
    private static SpindleBroker start(BrokerConfig config) {
        try {
            return SpindleBroker.start(config);
        } catch (ConfigException | DataDirInUseException e) {     // these name the setting or directory themselves
            throw e;
        } catch (Exception e) {     // Netty rethrows checked bind errors (e.g. BindException) undeclared
            throw new StartFailedException("Cannot start a broker listening on "
                    + hostAndPort(config.listenerHost(), config.listenerPort()) + " with data in "
                    + config.dataDir().toAbsolutePath().normalize(), e);
        }
    }

    /** The broker did not start; the cause says why. */
    static final class StartFailedException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        StartFailedException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** --set first, then the dedicated flags, so that "--port 1 --set listener.port=2" listens on 1. */
    private Map<String, String> overrides() {
        Map<String, String> overrides = new LinkedHashMap<>(settings);
        if (dataDir != null) {
            overrides.put(BrokerConfig.DATA_DIR, dataDir);
        }
        if (host != null) {
            overrides.put(BrokerConfig.LISTENER_HOST, host);
        }
        if (port != null) {
            overrides.put(BrokerConfig.LISTENER_PORT, Integer.toString(port));
        }
        if (nodeId != null) {
            overrides.put(ClusterSettings.NODE_ID, Integer.toString(nodeId));
        }
        if (cluster != null) {
            overrides.put(ClusterSettings.QUORUM_VOTERS, cluster);
        }
        if (observerAddress != null) {
            overrides.put(ClusterSettings.OBSERVER_ADDRESS, observerAddress);
        }
        return overrides;
    }

    /**
     * The cluster flags' own mistakes, caught before anything is loaded: a malformed voter entry, a {@code --node-id}
     * that is not among the {@code --cluster} voters without {@code --observer-address}, and a voter given one. The
     * broker's configuration checks the same
     * of the settings however they are given; these errors name the flags the user typed.
     */
    private void checkClusterFlags() {
        if (cluster == null) {
            return;
        }
        List<ClusterSettings.Voter> voters;
        try {
            voters = ClusterSettings.parseVoters(cluster, null);
        } catch (ConfigException e) {
            throw new ConfigException(ClusterSettings.QUORUM_VOTERS, "--cluster: " + e.getMessage(), e);
        }
        boolean voter = nodeId != null && voters.stream().anyMatch(v -> v.id() == nodeId);
        if (nodeId != null && !voter && observerAddress == null) {
            throw new ConfigException(ClusterSettings.NODE_ID, "--node-id " + nodeId + " is not one of the voters of "
                    + "--cluster " + cluster + " (their ids: " + String.join(", ",
                    voters.stream().map(v -> Integer.toString(v.id())).toList()) + "); to run it as an observer, "
                    + "give it its own Raft address with --observer-address HOST:PORT");
        }
        if (voter && observerAddress != null) {
            throw new ConfigException(ClusterSettings.OBSERVER_ADDRESS, "--observer-address is for a broker outside "
                    + "the voters, but --node-id " + nodeId + " is one of them in --cluster " + cluster
                    + " (its Raft address is its entry there)");
        }
    }

    /** The help's list of every setting: its name, default and documentation, wrapped to 80 columns. */
    static String[] settingsHelp() {
        Map<String, String> defaults = BrokerConfig.defaults().asStringMap();
        List<String> lines = new ArrayList<>();
        lines.add("");
        lines.add("Settings (KEY=default):");
        for (String key : BrokerConfig.names()) {
            lines.add("  " + key + "=" + defaults.get(key));
            wrap(BrokerConfig.documentation(key), "      ", 80, lines);
        }
        lines.add("");
        // The help text is a format string: a '%' in a description must be doubled.
        return lines.stream().map(line -> line.replace("%", "%%")).toArray(String[]::new);
    }

    private static void wrap(String text, String indent, int width, List<String> lines) {
        StringBuilder line = new StringBuilder(indent);
        for (String word : text.strip().split("\\s+")) {
            if (line.length() > indent.length() && line.length() + 1 + word.length() > width) {
                lines.add(line.toString());
                line.setLength(0);
                line.append(indent);
            }
            line.append(line.length() > indent.length() ? " " : "").append(word);
        }
        lines.add(line.toString());
    }

    static String startLine(SpindleBroker broker, BrokerConfig config) {
        String listening = hostAndPort(config.listenerHost(), broker.port());
        String advertised = hostAndPort(broker.host(),
                config.advertisedPort() < 0 ? broker.port() : config.advertisedPort());
        return "Spindle " + BuildInfo.version() + " started: data in "
                + broker.dataDir().toAbsolutePath().normalize()
                + ", Kafka listener " + listening
                + (advertised.equals(listening) ? "" : " (advertised as " + advertised + ")")
                + ", flush mode " + describe(config);
    }

    private static String describe(BrokerConfig config) {
        FlushMode mode = config.flushMode();
        if (mode == FlushMode.INTERVAL) {
            return mode.configName() + " (every " + config.flushIntervalMs() + " ms or "
                    + config.flushIntervalMessages() + " messages)";
        }
        return mode.configName();
    }

    private static String hostAndPort(String host, int port) {
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
    }
}
