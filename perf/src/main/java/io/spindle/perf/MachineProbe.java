package io.spindle.perf;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Locale;

/**
 * What the machine gives a broker, measured the way a broker uses it: sequential write throughput to a file
 * (64 KiB writes, one fdatasync at the end, so it counts the disk and not only the page cache), fdatasync latency
 * after a 64 KiB append (what one group commit costs), and loopback TCP throughput with one connection.
 *
 * <pre>java -cp perf/target/spindle-perf.jar io.spindle.perf.MachineProbe [DIR]</pre>
 */
public final class MachineProbe {
    private MachineProbe() {
    }

    public static void main(String[] args) throws Exception {
        Path dir = Paths.get(args.length > 0 ? args[0] : System.getProperty("java.io.tmpdir"));
        Path file = Files.createTempFile(dir, "spindle-probe-", ".bin");
        try {
            double writeMBps = sequentialWrite(file, 2L << 30);
            double[] fsync = fdatasyncAfterAppendTo(file, 500);
            double loopback = loopbackTcp(4L << 30);
            System.out.printf(Locale.ROOT, "disk sequential write (2 GiB, 64 KiB writes + fdatasync): %.0f MB/s%n", writeMBps);
            System.out.printf(Locale.ROOT, "fdatasync after a 64 KiB append (500 times): p50 %.2f ms, p99 %.2f ms, max %.2f ms%n",
                    fsync[0], fsync[1], fsync[2]);
            System.out.printf(Locale.ROOT, "loopback TCP, one connection, 64 KiB writes (4 GiB): %.0f MB/s%n", loopback);
            System.out.println(new Json().put("probe", "machine").put("diskWriteMBps", writeMBps)
                    .put("fdatasyncP50Ms", fsync[0]).put("fdatasyncP99Ms", fsync[1]).put("fdatasyncMaxMs", fsync[2])
                    .put("loopbackTcpMBps", loopback).put("cores", Runtime.getRuntime().availableProcessors()));
        } finally {
            Files.deleteIfExists(file);
        }
    }

    private static double sequentialWrite(Path file, long bytes) throws IOException {
        ByteBuffer block = ByteBuffer.allocateDirect(64 * 1024);
        while (block.hasRemaining()) {
            block.put((byte) block.position());
        }
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
            long start = System.nanoTime();
            for (long written = 0; written < bytes; written += block.capacity()) {
                block.clear();
                while (block.hasRemaining()) {
                    channel.write(block);
                }
            }
            channel.force(false);
            return bytes / 1e6 / ((System.nanoTime() - start) / 1e9);
        }
    }

    /**
     * fdatasync latency after a 64 KiB append, {@code count} times, in a new file in {@code dir}: what one group
     * commit of a durable broker costs on this disk. {p50, p99, max} in milliseconds.
     */
    static double[] fdatasyncAfterAppend(Path dir, int count) throws IOException {
        Path file = Files.createTempFile(dir, "spindle-fsync-probe-", ".bin");
        try {
            return fdatasyncAfterAppendTo(file, count);
        } finally {
            Files.deleteIfExists(file);
        }
    }

    private static double[] fdatasyncAfterAppendTo(Path file, int count) throws IOException {
        ByteBuffer block = ByteBuffer.allocateDirect(64 * 1024);
        double[] millis = new double[count];
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
            for (int i = 0; i < count; i++) {
                block.clear();
                while (block.hasRemaining()) {
                    channel.write(block);
                }
                long start = System.nanoTime();
                channel.force(false);
                millis[i] = (System.nanoTime() - start) / 1e6;
            }
        }
        Arrays.sort(millis);
        return new double[] {millis[count / 2], millis[(int) (count * 0.99)], millis[count - 1]};
    }

    private static double loopbackTcp(long bytes) throws Exception {
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Thread reader = new Thread(() -> {
                try (Socket socket = server.accept(); InputStream in = socket.getInputStream()) {
                    byte[] buffer = new byte[256 * 1024];
                    while (in.read(buffer) >= 0) {
                        // drained
                    }
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException("loopback reader failed", e);
                }
            }, "probe-loopback-reader");
            reader.start();
            byte[] block = new byte[64 * 1024];
            long start;
            try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), server.getLocalPort());
                 OutputStream out = socket.getOutputStream()) {
                start = System.nanoTime();
                for (long sent = 0; sent < bytes; sent += block.length) {
                    out.write(block);
                }
            }
            reader.join();
            return bytes / 1e6 / ((System.nanoTime() - start) / 1e9);
        }
    }
}
