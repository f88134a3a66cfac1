package io.spindle.perf;

import io.spindle.config.FlushMode;
import io.spindle.config.TopicConfig;
import io.spindle.log.AppendResult;
import io.spindle.log.FlushPolicy;
import io.spindle.log.LogManager;
import io.spindle.log.LogSlice;
import io.spindle.log.PartitionLog;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Clock;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.SimpleRecord;

/**
 * Append and read throughput of one partition log, per flush mode: 64 KiB batches of 1 KiB records,
 * appended with up to {@code --window} appends waiting for durability at once (as a producer with requests
 * in flight), then read back whole, each slice copied out of the page cache into a direct buffer (what a
 * socket send does with it). A discarded warm-up run per mode comes first; then modes run interleaved, round
 * by round, and the medians are reported, plus one JSON line.
 *
 * <pre>java -cp perf/target/spindle-perf.jar \
 *     io.spindle.perf.StorageBenchmark [--mb 2048] [--rounds 3] [--dir DIR] [--window 256]</pre>
 */
public final class StorageBenchmark {
    private static final int RECORD_BYTES = 1024;
    private static final int BATCH_BYTES = 64 * 1024;

    public static void main(String[] args) throws Exception {
        Map<String, String> opts = parse(args);
        long totalBytes = Long.parseLong(opts.getOrDefault("mb", "2048")) << 20;
        int rounds = Integer.parseInt(opts.getOrDefault("rounds", "3"));
        int window = Integer.parseInt(opts.getOrDefault("window", "256"));
        Path base = Paths.get(opts.getOrDefault("dir", "target/storage-bench")).toAbsolutePath();
        List<FlushMode> modes = new ArrayList<>();
        for (String m : opts.getOrDefault("modes", "fsync,interval,none").split(",")) {
            modes.add(FlushMode.parse(m));
        }
        ByteBuffer batch = batch();
        System.out.printf(Locale.ROOT, "storage benchmark: %d MiB per run, batches of %d bytes (%d records of %d bytes), window %d, %d rounds, dir %s%n",
                totalBytes >> 20, batch.remaining(), batch.remaining() / (RECORD_BYTES + 10), RECORD_BYTES, window, rounds, base);

        for (FlushMode mode : modes) {
            run(base.resolve(mode.configName() + "-warmup"), mode, batch, Math.min(totalBytes, 256L << 20), window);
        }
        Map<FlushMode, List<double[]>> results = new LinkedHashMap<>();
        for (int round = 1; round <= rounds; round++) {
            for (FlushMode mode : modes) {
                double[] r = run(base.resolve(mode.configName() + "-" + round), mode, batch, totalBytes, window);
                results.computeIfAbsent(mode, k -> new ArrayList<>()).add(r);
                System.out.printf(Locale.ROOT, "round %d %-8s append %8.1f MB/s  read %8.1f MB/s  fsyncs %d%n",
                        round, mode.configName(), r[0], r[1], (long) r[2]);
            }
        }
        StringBuilder json = new StringBuilder("{\"benchmark\":\"storage\",\"mb\":").append(totalBytes >> 20)
                .append(",\"batchBytes\":").append(batch.remaining()).append(",\"rounds\":").append(rounds);
        System.out.println("medians:");
        for (Map.Entry<FlushMode, List<double[]>> e : results.entrySet()) {
            double append = median(e.getValue(), 0);
            double read = median(e.getValue(), 1);
            System.out.printf(Locale.ROOT, "  %-8s append %8.1f MB/s  read %8.1f MB/s%n", e.getKey().configName(), append, read);
            json.append(",\"").append(e.getKey().configName()).append("\":{\"appendMBps\":")
                    .append(String.format(Locale.ROOT, "%.1f", append)).append(",\"readMBps\":")
                    .append(String.format(Locale.ROOT, "%.1f", read)).append('}');
        }
        System.out.println(json.append('}'));
    }

    /** Returns {append MB/s, read MB/s, fsync count}. */
    private static double[] run(Path dir, FlushMode mode, ByteBuffer batch, long totalBytes, int window) throws Exception {
        deleteRecursively(dir);
        TopicConfig config = TopicConfig.defaults();
        FlushPolicy policy = new FlushPolicy(mode, 1000, 10_000);
        double appendMBps;
        double readMBps;
        long fsyncs;
        try (LogManager manager = LogManager.open(dir, policy, TimeUnit.HOURS.toMillis(1), t -> config, Clock.systemUTC())) {
            PartitionLog log = manager.getOrCreate("bench", 0, config);
            long appends = totalBytes / batch.remaining();
            ArrayDeque<CompletableFuture<Void>> inFlight = new ArrayDeque<>(window);
            long start = System.nanoTime();
            for (long i = 0; i < appends; i++) {
                AppendResult r = log.append(batch.duplicate());
                inFlight.addLast(r.durable());
                if (inFlight.size() >= window) {
                    inFlight.pollFirst().get();
                }
            }
            for (CompletableFuture<Void> f : inFlight) {
                f.get();
            }
            long elapsed = System.nanoTime() - start;
            long bytes = appends * batch.remaining();
            appendMBps = bytes / 1e6 / (elapsed / 1e9);
            fsyncs = log.fsyncCount();

            ByteBuffer sink = ByteBuffer.allocateDirect(4 << 20);
            long readStart = System.nanoTime();
            long read = 0;
            long offset = log.logStartOffset();
            while (offset < log.logEndOffset()) {
                try (LogSlice slice = log.read(offset, 1 << 20)) {
                    sink.clear();
                    slice.copyTo(sink);
                    read += slice.sizeInBytes();
                    offset = slice.nextOffset();
                }
            }
            long readElapsed = System.nanoTime() - readStart;
            readMBps = read / 1e6 / (readElapsed / 1e9);
        }
        deleteRecursively(dir);
        return new double[] {appendMBps, readMBps, fsyncs};
    }

    /** One 64 KiB batch of 1 KiB records, encoded by kafka-clients as a producer would. */
    private static ByteBuffer batch() {
        int count = BATCH_BYTES / (RECORD_BYTES + 10);
        SimpleRecord[] records = new SimpleRecord[count];
        byte[] value = new byte[RECORD_BYTES];
        for (int i = 0; i < value.length; i++) {
            value[i] = (byte) (i * 31);
        }
        long now = System.currentTimeMillis();
        for (int i = 0; i < count; i++) {
            records[i] = new SimpleRecord(now, value);
        }
        ByteBuffer heap = MemoryRecords.withRecords(Compression.NONE, records).buffer();
        ByteBuffer direct = ByteBuffer.allocateDirect(heap.remaining());
        direct.put(heap).flip();
        return direct;
    }

    private static double median(List<double[]> runs, int index) {
        double[] values = runs.stream().mapToDouble(r -> r[index]).sorted().toArray();
        int n = values.length;
        return n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
    }

    private static Map<String, String> parse(String[] args) {
        Map<String, String> opts = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            if (!args[i].startsWith("--") || i + 1 >= args.length) {
                throw new IllegalArgumentException("expected --name value pairs, got '" + args[i] + "'");
            }
            opts.put(args[i].substring(2), args[++i]);
        }
        return opts;
    }

    private static void deleteRecursively(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) walk.sorted(Comparator.reverseOrder())::iterator) {
                Files.deleteIfExists(p);
            }
        }
    }

    private StorageBenchmark() {
    }
}
