package io.spindle.config;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * The metadata quorum's settings (module metadata): which node this broker is, who the quorum's voters are and how
 * long a broker may go without a heartbeat before the quorum fences it. Its keys are defined here and parsed by
 * {@link #fromProperties}; they are also among {@link BrokerConfig}'s keys, whose {@link BrokerConfig#cluster()} is
 * this section when {@code controller.quorum.voters} is set (a single broker, the default, has no voters). Units:
 * milliseconds.
 *
 * <p>Voters are written as Kafka's {@code controller.quorum.voters}: {@code id@host:port} separated by commas,
 * e.g. {@code 1@127.0.0.1:9191,2@127.0.0.1:9192,3@127.0.0.1:9193}; the address is the member's Raft port, not its
 * Kafka listener. A node among them is a voter; a node outside them is an observer, a non-voting member (a Ratis
 * listener) that receives and applies the metadata log like a voter but takes no part in elections or in counting a
 * commit, and needs an address of its own for that log, {@code controller.quorum.observer.address} ({@code host:port}).
 *
 * @param nodeId              node.id: this broker's id, unique in the cluster, at least 0
 * @param voters              controller.quorum.voters: the quorum's members, at least one, ids and addresses unique
 * @param sessionTimeoutMs    broker.session.timeout.ms: a broker with no heartbeat for this long is fenced
 * @param heartbeatIntervalMs broker.heartbeat.interval.ms: how often a broker sends one; below the session timeout
 * @param snapshotIntervalEntries metadata.log.snapshot.interval.entries: a member writes a snapshot of its image
 *                                after this many log entries, and its log before the snapshot is then deleted
 * @param observer            controller.quorum.observer.address: this node's own Raft address when it is not a voter
 *                            (an observer), empty for a voter
 */
public record ClusterSettings(int nodeId, List<Voter> voters, int sessionTimeoutMs, int heartbeatIntervalMs,
                              int snapshotIntervalEntries, Optional<Voter> observer) {
    public static final String NODE_ID = "node.id";
    public static final String QUORUM_VOTERS = "controller.quorum.voters";
    public static final String OBSERVER_ADDRESS = "controller.quorum.observer.address";
    public static final String SESSION_TIMEOUT_MS = "broker.session.timeout.ms";
    public static final String HEARTBEAT_INTERVAL_MS = "broker.heartbeat.interval.ms";
    public static final String SNAPSHOT_INTERVAL_ENTRIES = "metadata.log.snapshot.interval.entries";

    static final ConfigKey<Integer> NODE_ID_KEY = new ConfigKey<>(NODE_ID, ValueType.intAtLeast(0), 1,
            "This broker's id in the cluster, unique among its brokers.");
    static final ConfigKey<Integer> SESSION_TIMEOUT_MS_KEY = new ConfigKey<>(SESSION_TIMEOUT_MS,
            ValueType.intBetween(100, 3_600_000), 3_000,
            "A broker that sent no heartbeat to the metadata quorum for this long, in milliseconds, is fenced: "
                    + "it leads no partition until it registers or unfences again. Below Kafka's 9000 so that a "
                    + "killed leader's partitions move within a few seconds (docs/cluster.md).");
    static final ConfigKey<Integer> HEARTBEAT_INTERVAL_MS_KEY = new ConfigKey<>(HEARTBEAT_INTERVAL_MS,
            ValueType.intBetween(10, 3_600_000), 500,
            "How often a broker sends a heartbeat to the metadata quorum, in milliseconds.");

    static final ConfigKey<Integer> SNAPSHOT_INTERVAL_ENTRIES_KEY = new ConfigKey<>(SNAPSHOT_INTERVAL_ENTRIES,
            ValueType.intAtLeast(10), 10_000,
            "Spindle's: a metadata quorum member writes a snapshot of its metadata image after this many log entries "
                    + "and deletes the log before it, so that a restart reads the snapshot and the log after it.");

    /** One member of the quorum (a voter, or this node as an observer): its node id and its Raft server's address. */
    public record Voter(int id, String host, int port) {
        public Voter {
            NODE_ID_KEY.check(id);
            Objects.requireNonNull(host, "host");
            if (host.isEmpty() || host.chars().anyMatch(Character::isWhitespace) || port < 1 || port > 65_535) {
                throw new IllegalArgumentException("voter " + id + " needs a host without spaces and a port from 1 to "
                        + "65535, not " + host + ":" + port);
            }
        }

        /** {@code host:port}, an IPv6 host in brackets: the form {@link #parseAddress} reads. */
        public String address() {
            return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
        }

        /** {@code id@host:port}, the form {@link #parseVoters} reads. */
        @Override
        public String toString() {
            return id + "@" + address();
        }
    }

    /** A voter's settings: {@code nodeId} must be one of {@code voters}. */
    public ClusterSettings(int nodeId, List<Voter> voters, int sessionTimeoutMs, int heartbeatIntervalMs,
                           int snapshotIntervalEntries) {
        this(nodeId, voters, sessionTimeoutMs, heartbeatIntervalMs, snapshotIntervalEntries, Optional.empty());
    }

    /** @throws ConfigException naming the first setting whose value is not allowed */
    public ClusterSettings {
        NODE_ID_KEY.check(nodeId);
        Objects.requireNonNull(observer, "observer");
        SESSION_TIMEOUT_MS_KEY.check(sessionTimeoutMs);
        HEARTBEAT_INTERVAL_MS_KEY.check(heartbeatIntervalMs);
        SNAPSHOT_INTERVAL_ENTRIES_KEY.check(snapshotIntervalEntries);
        voters = List.copyOf(voters);
        String formatted = format(voters);
        if (voters.isEmpty()) {
            throw new ConfigException(QUORUM_VOTERS, "Invalid value '' for configuration '" + QUORUM_VOTERS
                    + "': expected at least one voter as id@host:port");
        }
        Set<Integer> ids = new HashSet<>();
        Set<String> addresses = new HashSet<>();
        for (Voter voter : voters) {
            if (!ids.add(voter.id())) {
                throw invalidVoters(formatted, "node id " + voter.id() + " appears twice");
            }
            if (!addresses.add(voter.host() + ":" + voter.port())) {
                throw invalidVoters(formatted, "address " + voter.host() + ":" + voter.port() + " appears twice");
            }
        }
        checkObserver(nodeId, voters, observer, ids, formatted);
        if (heartbeatIntervalMs >= sessionTimeoutMs) {
            throw new ConfigException(HEARTBEAT_INTERVAL_MS, "Invalid value '" + heartbeatIntervalMs
                    + "' for configuration '" + HEARTBEAT_INTERVAL_MS + "': expected less than '" + SESSION_TIMEOUT_MS
                    + "' (" + sessionTimeoutMs + ")");
        }
    }

    /**
     * A voter needs no address of its own (its entry in the voters is it); an observer needs one, not a voter's. The
     * message for a node outside the voters says both ways out, since a mistyped node.id looks the same as an observer
     * whose address was forgotten.
     */
    private static void checkObserver(int nodeId, List<Voter> voters, Optional<Voter> observer, Set<Integer> ids,
                                      String formatted) {
        if (ids.contains(nodeId) && observer.isPresent()) {
            throw new ConfigException(OBSERVER_ADDRESS, "Invalid value '" + observer.get().address()
                    + "' for configuration '" + OBSERVER_ADDRESS + "': node " + nodeId + " is a voter of '"
                    + QUORUM_VOTERS + "' (" + formatted + "), whose Raft address is its entry there; leave '"
                    + OBSERVER_ADDRESS + "' empty on a voter");
        }
        if (!ids.contains(nodeId) && observer.isEmpty()) {
            throw new ConfigException(NODE_ID, "Invalid value '" + nodeId + "' for configuration '" + NODE_ID
                    + "': this node is not one of the voters of '" + QUORUM_VOTERS + "' (" + formatted + "); to run "
                    + "it as an observer (a broker that follows the metadata without voting), give it its own Raft "
                    + "address in '" + OBSERVER_ADDRESS + "' (host:port)");
        }
        if (observer.isPresent()) {
            Voter self = observer.get();
            if (self.id() != nodeId) {
                throw new IllegalArgumentException("the observer entry " + self + " is not node " + nodeId + "'s");
            }
            for (Voter voter : voters) {
                if (voter.host().equals(self.host()) && voter.port() == self.port()) {
                    throw new ConfigException(OBSERVER_ADDRESS, "Invalid value '" + self.address()
                            + "' for configuration '" + OBSERVER_ADDRESS + "': it is voter " + voter.id()
                            + "'s address in '" + QUORUM_VOTERS + "' (" + formatted + "); an observer needs a port "
                            + "of its own");
                }
            }
        }
    }

    /** The same settings for another voter of the same cluster (tests start several members from one). */
    public ClusterSettings forNode(int otherNodeId) {
        return new ClusterSettings(otherNodeId, voters, sessionTimeoutMs, heartbeatIntervalMs, snapshotIntervalEntries);
    }

    /** The same settings for an observer of the same cluster: node {@code observerId} with its Raft server there. */
    public ClusterSettings forObserver(int observerId, String host, int port) {
        return new ClusterSettings(observerId, voters, sessionTimeoutMs, heartbeatIntervalMs, snapshotIntervalEntries,
                Optional.of(new Voter(observerId, host, port)));
    }

    /** Whether this node is an observer: a member outside the voters, which follows the log without voting. */
    public boolean isObserver() {
        return observer.isPresent();
    }

    /** This node's member entry: its voter entry, or its observer address. */
    public Voter self() {
        return observer.orElseGet(() -> voters.stream().filter(v -> v.id() == nodeId).findFirst().orElseThrow());
    }

    /**
     * The settings given as key/value pairs (a properties file, the command line); absent keys take their defaults,
     * except the voters, which are required.
     *
     * @param source where the values came from, named in errors; null if unnamed
     * @throws ConfigException naming the key and the value that is not allowed
     */
    public static ClusterSettings fromProperties(Map<String, String> properties, String source) {
        int nodeId = valueOf(NODE_ID_KEY, properties, source);
        int session = valueOf(SESSION_TIMEOUT_MS_KEY, properties, source);
        int heartbeat = valueOf(HEARTBEAT_INTERVAL_MS_KEY, properties, source);
        int snapshotInterval = valueOf(SNAPSHOT_INTERVAL_ENTRIES_KEY, properties, source);
        String voters = properties.get(QUORUM_VOTERS);
        if (voters == null) {
            throw new ConfigException(QUORUM_VOTERS, "Missing value for configuration '" + QUORUM_VOTERS
                    + "': expected the quorum's voters as id@host:port,..." + ConfigException.from(source));
        }
        String observer = properties.getOrDefault(OBSERVER_ADDRESS, "");
        return new ClusterSettings(nodeId, parseVoters(voters, source), session, heartbeat, snapshotInterval,
                observer.isBlank() ? Optional.empty() : Optional.of(parseAddress(nodeId, observer, source)));
    }

    /**
     * An observer's address, {@code host:port} ({@code [::1]:9195} for IPv6), as node {@code nodeId}'s member entry.
     *
     * @throws ConfigException naming {@code controller.quorum.observer.address} and the value
     */
    public static Voter parseAddress(int nodeId, String text, String source) {
        String address = text.trim();
        int colon = address.lastIndexOf(':');
        String host = colon > 0 ? address.substring(0, colon) : "";
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        int port = -1;
        try {
            port = colon > 0 ? Integer.parseInt(address.substring(colon + 1)) : -1;
        } catch (NumberFormatException e) {
            port = -1;
        }
        if (host.isEmpty() || host.chars().anyMatch(Character::isWhitespace) || port < 1 || port > 65_535) {
            throw new ConfigException(OBSERVER_ADDRESS, "Invalid value " + ConfigException.quote(text)
                    + " for configuration '" + OBSERVER_ADDRESS + "': expected host:port, a port from 1 to 65535"
                    + ConfigException.from(source));
        }
        return new Voter(nodeId, host, port);
    }

    /**
     * Voters written as {@code id@host:port,id@host:port}; an IPv6 host in brackets ({@code 1@[::1]:9191}).
     *
     * @throws ConfigException naming {@code controller.quorum.voters}, the value and the entry at fault
     */
    public static List<Voter> parseVoters(String text, String source) {
        List<Voter> voters = new ArrayList<>();
        for (String raw : text.split(",", -1)) {
            String entry = raw.trim();
            int at = entry.indexOf('@');
            int colon = entry.lastIndexOf(':');
            if (at <= 0 || colon < at + 2 || colon == entry.length() - 1) {
                throw invalidVoters(text, "entry '" + entry + "' is not id@host:port" + ConfigException.from(source));
            }
            String host = entry.substring(at + 1, colon);
            if (host.startsWith("[") && host.endsWith("]")) {
                host = host.substring(1, host.length() - 1);
            }
            int id;
            int port;
            try {
                id = Integer.parseInt(entry.substring(0, at));
                port = Integer.parseInt(entry.substring(colon + 1));
            } catch (NumberFormatException e) {
                throw invalidVoters(text, "entry '" + entry + "' needs a numeric id and port"
                        + ConfigException.from(source));
            }
            if (id < 0 || port < 1 || port > 65_535 || host.isEmpty()
                    || host.chars().anyMatch(Character::isWhitespace)) {
                throw invalidVoters(text, "entry '" + entry + "' needs an id >= 0, a host and a port from 1 to 65535"
                        + ConfigException.from(source));
            }
            voters.add(new Voter(id, host, port));
        }
        return Collections.unmodifiableList(voters);
    }

    private static String format(List<Voter> voters) {
        return String.join(",", voters.stream().map(Voter::toString).toList());
    }

    private static ConfigException invalidVoters(String value, String why) {
        return new ConfigException(QUORUM_VOTERS, "Invalid value " + ConfigException.quote(value)
                + " for configuration '" + QUORUM_VOTERS + "': " + why);
    }

    private static int valueOf(ConfigKey<Integer> key, Map<String, String> properties, String source) {
        String raw = properties.get(key.name());
        return raw == null ? key.defaultValue() : key.parse(raw, source);
    }
}
