package io.spindle.perf;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;

/** Resident memory of a process as Linux reports it in {@code /proc/<pid>/status}. */
final class ProcessMemory {
    private ProcessMemory() {
    }

    /** VmRSS in KiB; -1 when the process is gone. */
    static long rssKiB(long pid) {
        return field(pid, "VmRSS");
    }

    /**
     * RssAnon in KiB (heap, stacks, malloc, direct buffers): the resident memory that is the process's own. VmRSS
     * also counts the file pages it maps, so a broker that maps its log segments (Spindle) shows the page cache of
     * what it just wrote in VmRSS, where one that writes with write(2) (Kafka) does not.
     */
    static long anonKiB(long pid) {
        return field(pid, "RssAnon");
    }

    /**
     * User plus system CPU time of a process in seconds, from {@code /proc/<pid>/stat} (fields 14 and 15, in clock
     * ticks of 1/100 s, Linux's USER_HZ on every architecture it runs this on); -1 when the process is gone.
     */
    static double cpuSeconds(long pid) {
        Path stat = Paths.get("/proc", Long.toString(pid), "stat");
        try {
            return parseCpuSeconds(Files.readString(stat, StandardCharsets.ISO_8859_1), stat.toString());
        } catch (IOException e) {
            return -1;
        }
    }

    /** utime + stime of a stat line, in seconds; the command name in parentheses may hold spaces. */
    static double parseCpuSeconds(String statText, String source) {
        int close = statText.lastIndexOf(')');
        String[] fields = close < 0 ? new String[0] : statText.substring(close + 2).trim().split("\\s+");
        if (fields.length < 13) {
            throw new PerfException("Cannot read utime and stime from " + source + ": '" + statText.strip() + "'");
        }
        // fields[0] is field 3 (state), so field 14 (utime) is fields[11] and field 15 (stime) fields[12].
        return (Long.parseLong(fields[11]) + Long.parseLong(fields[12])) / 100.0;
    }

    private static long field(long pid, String name) {
        Path status = Paths.get("/proc", Long.toString(pid), "status");
        try {
            return parseKiB(Files.readString(status, StandardCharsets.ISO_8859_1), name, status.toString());
        } catch (IOException e) {
            return -1;
        }
    }

    /** The VmRSS line of a status file's text, in KiB. */
    static long parseVmRssKiB(String statusText, String source) {
        return parseKiB(statusText, "VmRSS", source);
    }

    /** The "{@code name}: <n> kB" line of a status file's text, in KiB. */
    static long parseKiB(String statusText, String name, String source) {
        for (String line : statusText.split("\n")) {
            if (line.startsWith(name + ":")) {
                String[] parts = line.substring(name.length() + 1).trim().split("\\s+");
                if (parts.length == 2 && parts[1].equals("kB")) {
                    return Long.parseLong(parts[0]);
                }
            }
        }
        throw new PerfException("No '" + name + ": <n> kB' line in " + source);
    }
}
