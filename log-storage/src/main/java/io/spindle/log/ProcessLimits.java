package io.spindle.log;

import com.sun.management.UnixOperatingSystemMXBean;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.OperatingSystemMXBean;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.slf4j.Logger;

/**
 * The two per-process limits that many partitions use up: open file descriptors ({@code ulimit -n}) and memory
 * mappings ({@code vm.max_map_count}). A partition holds one descriptor and one mapping for its active segment, and
 * each sealed segment one descriptor and up to three mappings (its {@code .log}, {@code .index}, {@code .timeindex}).
 * Past either limit, opening or rolling a segment fails; {@link #warnIfNear} says so at start, naming the limit, while
 * there is still room. Linux only: elsewhere (no {@code /proc}) it says nothing.
 */
final class ProcessLimits {
    /** Warn once a start has used this share of a limit: every new partition and roll takes more. */
    static final double WARN_SHARE = 0.5;

    private ProcessLimits() {
    }

    /** Logs a warning for each limit that the process uses more than {@link #WARN_SHARE} of. */
    static void warnIfNear(Logger log, int partitions) {
        OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
        if (os instanceof UnixOperatingSystemMXBean unix) {
            String warning = descriptorWarning(partitions, unix.getOpenFileDescriptorCount(),
                    unix.getMaxFileDescriptorCount());
            if (warning != null) {
                log.warn(warning);
            }
        }
        String warning = mappingWarning(partitions, countLines(Path.of("/proc/self/maps")),
                readLong(Path.of("/proc/sys/vm/max_map_count")));
        if (warning != null) {
            log.warn(warning);
        }
    }

    /** The warning when {@code open} descriptors are more than {@link #WARN_SHARE} of {@code max}, else null. */
    static String descriptorWarning(int partitions, long open, long max) {
        if (max <= 0 || open <= max * WARN_SHARE) {
            return null;
        }
        return partitions + " partition log(s) leave " + open + " of this process's " + max + " file descriptors in"
                + " use (ulimit -n): each partition holds one, plus one per sealed segment, and each client connection"
                + " one more; raise the limit (ulimit -n, or LimitNOFILE= in a systemd unit) before adding partitions";
    }

    /** The warning when {@code mappings} are more than {@link #WARN_SHARE} of {@code max}, else null. */
    static String mappingWarning(int partitions, long mappings, long max) {
        if (max <= 0 || mappings <= max * WARN_SHARE) {
            return null;
        }
        return partitions + " partition log(s) leave " + mappings + " of the " + max + " memory mappings a process"
                + " may have in use (vm.max_map_count): each partition maps its active segment, and each sealed segment"
                + " up to three files; raise it (sysctl -w vm.max_map_count=N) before adding partitions";
    }

    private static long countLines(Path file) {
        try (Stream<String> lines = Files.lines(file, StandardCharsets.ISO_8859_1)) {
            return lines.count();
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /** The number on the first line of {@code file}. By lines: Files.readString got only "6" of /proc's "65530". */
    private static long readLong(Path file) {
        try (Stream<String> lines = Files.lines(file, StandardCharsets.ISO_8859_1)) {
            return Long.parseLong(lines.findFirst().orElse("").strip());
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }
}
