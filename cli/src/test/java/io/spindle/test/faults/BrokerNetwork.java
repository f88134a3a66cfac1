package io.spindle.test.faults;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;

/**
 * A network of its own for each broker of a fault run, so that the test can cut brokers off from each other while
 * clients still reach them all: one Linux network namespace per broker, each joined by a veth pair to one bridge in
 * this process's (the root) namespace, where the clients are. On the subnet {@code 10.a.b.0/24} drawn for the run,
 * broker n has {@code 10.a.b.n} and the bridge, the clients' side, {@code 10.a.b.254}. A broker started with
 * {@link #launcher} binds and advertises {@link #address} (Kafka listener, quorum member, metrics), so every byte
 * between two brokers crosses the bridge.
 *
 * <p>A cut is a blackhole route in one broker's namespace toward another address ({@link #drop}): that broker's packets
 * to it are dropped by its kernel, and the other direction still passes unless cut too. So the cut side's new
 * connections fail at once (connect: Invalid argument) and its established ones stall until their timeouts, while the
 * other side's SYNs and data arrive and only the answers are lost ({@code BrokerNetworkTest} shows each).
 * {@link #healAll} deletes every such route. Nothing leaves this machine: the bridge has no uplink and no forwarding.
 *
 * <p>Names carry this JVM's pid and a run number ({@code spindle-<pid>-<run>-<n>}, bridge {@code spb-<pid>-<run>},
 * veths {@code spv-}/{@code spp-<pid>-<run>-<n>}, pid and run in base 36 to fit Linux's 15-character interface names),
 * so concurrent runs never meet; {@link #create} first deletes what runs of JVMs no longer alive left behind, and
 * {@link #close} deletes the run's own. Needs root and {@code ip} (iproute2) with network namespaces: {@link #create}
 * skips the test, with a message, where either is missing. Not thread-safe: the test thread drives it.
 */
final class BrokerNetwork implements AutoCloseable {
    static final Path IP = Path.of("/usr/sbin/ip");
    private static final int CLIENT_HOST = 254;
    private static final AtomicInteger RUNS = new AtomicInteger();
    private static final Pattern LEFTOVER = Pattern.compile("^(?:spindle|spb|spv|spp)-([0-9a-z]+)-[0-9a-z]+(?:-\\d+)?$");

    private final String tag;
    private final int brokers;
    private final String subnet;
    private final Set<Cut> cuts = new LinkedHashSet<>();

    /** A blackhole route in broker {@code from}'s namespace toward {@code address}. */
    private record Cut(int from, String address) {
    }

    private BrokerNetwork(String tag, int brokers, String subnet) {
        this.tag = tag;
        this.brokers = brokers;
        this.subnet = subnet;
    }

    /**
     * Namespaces, veths and a bridge for brokers 1 to {@code brokers}, every link up; skips the test (JUnit assumption)
     * where this machine cannot make them. Removes the leftovers of dead runs first.
     */
    static BrokerNetwork create(int brokers) {
        requireAvailable();
        removeLeftovers();
        String tag = Long.toString(ProcessHandle.current().pid(), 36) + "-" + Integer.toString(RUNS.incrementAndGet(), 36);
        BrokerNetwork network = new BrokerNetwork(tag, brokers, freeSubnet());
        try {
            network.build();
            return network;
        } catch (RuntimeException e) {
            network.close();
            throw e;
        }
    }

    private void build() {
        ip("link", "add", bridge(), "type", "bridge");
        ip("addr", "add", clientAddress() + "/24", "dev", bridge());
        ip("link", "set", bridge(), "up");
        for (int node = 1; node <= brokers; node++) {
            String outside = "spv-" + tag + "-" + node;
            String inside = "spp-" + tag + "-" + node;
            ip("netns", "add", namespace(node));
            ip("link", "add", outside, "type", "veth", "peer", "name", inside);
            ip("link", "set", inside, "netns", namespace(node));
            ip("link", "set", outside, "master", bridge());
            ip("link", "set", outside, "up");
            ip("-n", namespace(node), "addr", "add", address(node) + "/24", "dev", inside);
            ip("-n", namespace(node), "link", "set", inside, "up");
            ip("-n", namespace(node), "link", "set", "lo", "up");
        }
    }

    /** Broker {@code node}'s address, in its namespace. */
    String address(int node) {
        checked(node);
        return subnet + node;
    }

    /** The address clients (this JVM) reach the brokers from: the bridge's. */
    String clientAddress() {
        return subnet + CLIENT_HOST;
    }

    /** The words before {@code java} that start broker {@code node} in its namespace. */
    List<String> launcher(int node) {
        return List.of(IP.toString(), "netns", "exec", namespace(node));
    }

    String namespace(int node) {
        return "spindle-" + tag + "-" + checked(node);
    }

    /** Broker {@code from}'s packets to broker {@code to} vanish from now on (one way; the reverse still passes). */
    void drop(int from, int to) {
        dropFrom(from, address(to));
    }

    /** Broker {@code node}'s packets to the clients vanish: requests still arrive, answers never do. */
    void dropToClients(int node) {
        dropFrom(node, clientAddress());
    }

    private void dropFrom(int node, String address) {
        if (cuts.add(new Cut(node, address))) {
            ip("-n", namespace(node), "route", "add", "blackhole", address + "/32");
        }
    }

    /** Deletes every cut: all packets pass again. */
    void healAll() {
        for (Cut cut : List.copyOf(cuts)) {
            ip("-n", namespace(cut.from()), "route", "del", "blackhole", cut.address() + "/32");
            cuts.remove(cut);
        }
    }

    /** Deletes the namespaces (and with them the veths) and the bridge; what is already gone is no error. */
    @Override
    public void close() {
        for (int node = 1; node <= brokers; node++) {
            tryIp("netns", "delete", namespace(node));
            tryIp("link", "delete", "spv-" + tag + "-" + node);   // gone with its peer, unless a process held the namespace
        }
        tryIp("link", "delete", bridge());
    }

    private String bridge() {
        return "spb-" + tag;
    }

    private int checked(int node) {
        if (node < 1 || node > brokers) {
            throw new IllegalArgumentException("no broker " + node + " in a network of " + brokers);
        }
        return node;
    }

    private static void requireAvailable() {
        Assumptions.assumeTrue(Files.isExecutable(IP), IP + " (iproute2) is missing: network-partition test skipped");
        Assumptions.assumeTrue(run(List.of("id", "-u")).output().strip().equals("0"),
                "not root (network namespaces need it): network-partition test skipped");
        String probe = "spindleprobe-" + Long.toString(ProcessHandle.current().pid(), 36);
        Result added = run(List.of(IP.toString(), "netns", "add", probe));
        Assumptions.assumeTrue(added.status() == 0,
                "ip netns add fails here (" + added.output().strip() + "): network-partition test skipped");
        tryIp("netns", "delete", probe);
    }

    /** Deletes the namespaces, veths and bridges whose names carry the pid of a process that is no longer alive. */
    private static void removeLeftovers() {
        for (String line : run(List.of(IP.toString(), "netns", "list")).output().split("\n")) {
            String name = line.split(" ")[0];
            if (ofDeadRun(name)) {
                tryIp("netns", "delete", name);
            }
        }
        for (String line : run(List.of(IP.toString(), "-o", "link", "show")).output().split("\n")) {
            String[] fields = line.split(": ");
            if (fields.length > 1) {
                String name = fields[1].split("@")[0];
                if (ofDeadRun(name)) {
                    tryIp("link", "delete", name);
                }
            }
        }
    }

    private static boolean ofDeadRun(String name) {
        Matcher matcher = LEFTOVER.matcher(name);
        if (!matcher.matches()) {
            return false;
        }
        long pid = Long.parseLong(matcher.group(1), 36);
        return ProcessHandle.of(pid).map(handle -> !handle.isAlive()).orElse(true);
    }

    /** A {@code 10.a.b.0/24} no interface of this machine has an address in. */
    private static String freeSubnet() {
        String addresses = run(List.of(IP.toString(), "-o", "-4", "addr", "show")).output();
        for (int attempt = 0; attempt < 100; attempt++) {
            String subnet = "10." + ThreadLocalRandom.current().nextInt(200, 250) + "."
                    + ThreadLocalRandom.current().nextInt(0, 256) + ".";
            if (!addresses.contains(" " + subnet)) {
                return subnet;
            }
        }
        throw new IllegalStateException("no free 10.x.y.0/24 subnet in 100 tries; addresses here:\n" + addresses);
    }

    private static void ip(String... args) {
        List<String> command = command(args);
        Result result = run(command);
        if (result.status() != 0) {
            throw new IllegalStateException(String.join(" ", command) + " failed with status " + result.status()
                    + ": " + result.output().strip());
        }
    }

    private static void tryIp(String... args) {
        run(command(args));
    }

    private static List<String> command(String... args) {
        List<String> command = new ArrayList<>();
        command.add(IP.toString());
        command.addAll(List.of(args));
        return command;
    }

    /** A command's exit status and its output (stdout and stderr). */
    record Result(int status, String output) {
    }

    /** Runs {@code command} to its end (at most 20 s). */
    static Result run(List<String> command) {
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!process.waitFor(20, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IllegalStateException(String.join(" ", command) + " did not end within 20 s");
            }
            return new Result(process.exitValue(), output);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + String.join(" ", command), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running " + String.join(" ", command), e);
        }
    }
}
