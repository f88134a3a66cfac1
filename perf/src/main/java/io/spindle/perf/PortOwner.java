package io.spindle.perf;

import java.io.IOException;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.UnknownHostException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.OptionalLong;
import java.util.Set;

/**
 * The process on this machine listening on a TCP port, found as Linux shows it: the listening socket's inode in
 * {@code /proc/net/tcp} and {@code tcp6}, then the process holding that inode among its {@code /proc/<pid>/fd}.
 * Only processes this user may inspect are seen, so another user's broker (or one in a container) is not found.
 */
final class PortOwner {
    private static final String LISTEN = "0A";

    private PortOwner() {
    }

    /** The pid listening on {@code bootstrap}'s port when its host is this machine; empty if none is found. */
    static OptionalLong of(String bootstrap) {
        int colon = bootstrap.lastIndexOf(':');
        if (colon < 0) {
            return OptionalLong.empty();
        }
        try {
            InetAddress host = InetAddress.getByName(bootstrap.substring(0, colon).replace("[", "").replace("]", ""));
            if (!host.isLoopbackAddress() && NetworkInterface.getByInetAddress(host) == null) {
                return OptionalLong.empty();
            }
            Set<String> inodes = new HashSet<>();
            int port = Integer.parseInt(bootstrap.substring(colon + 1).trim());
            for (String table : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
                Path path = Paths.get(table);
                if (Files.isReadable(path)) {
                    inodes.addAll(listeningInodes(Files.readAllLines(path), port));
                }
            }
            return inodes.isEmpty() ? OptionalLong.empty() : holder(inodes);
        } catch (UnknownHostException | SocketException | NumberFormatException e) {
            return OptionalLong.empty();
        } catch (IOException e) {
            throw new PerfException("Cannot read the sockets of this machine in /proc/net: " + e.getMessage(), e);
        }
    }

    /** The inodes of the sockets listening on {@code port} in the lines of a /proc/net/tcp table. */
    static Set<String> listeningInodes(List<String> table, int port) {
        Set<String> inodes = new HashSet<>();
        String portHex = String.format(Locale.ROOT, ":%04X", port);
        for (String line : table.subList(Math.min(1, table.size()), table.size())) {
            String[] f = line.trim().split("\\s+");
            // sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode ...
            if (f.length > 9 && f[1].endsWith(portHex) && f[3].equals(LISTEN)) {
                inodes.add(f[9]);
            }
        }
        return inodes;
    }

    private static OptionalLong holder(Set<String> inodes) throws IOException {
        Set<String> links = new HashSet<>();
        inodes.forEach(inode -> links.add("socket:[" + inode + "]"));
        try (DirectoryStream<Path> procs = Files.newDirectoryStream(Paths.get("/proc"), "[0-9]*")) {
            for (Path proc : procs) {
                if (holds(proc.resolve("fd"), links)) {
                    return OptionalLong.of(Long.parseLong(proc.getFileName().toString()));
                }
            }
        }
        return OptionalLong.empty();
    }

    private static boolean holds(Path fds, Set<String> links) {
        try (DirectoryStream<Path> stream = Files.newDirectoryStream(fds)) {
            for (Path fd : stream) {
                if (links.contains(Files.readSymbolicLink(fd).toString())) {
                    return true;
                }
            }
        } catch (IOException | SecurityException e) {
            // Another user's process, or one that ended while we looked: not the one we can measure.
        }
        return false;
    }
}
