package io.spindle.perf;

import java.time.Duration;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import org.apache.kafka.clients.admin.Admin;

/**
 * One broker's log cleaner measured from outside, the same way for any broker: the work of {@code spindle perf
 * compact} between a broker's start and its stop. Two topics of one partition each are written with the same
 * producer ({@link Plan#bytes} of {@link Plan#recordSize}-byte values under {@link Plan#keyPercent} % distinct keys,
 * drawn uniformly), created with cleanup.policy=delete and retention.ms=-1 so that nothing is cleaned or deleted
 * while they are written. Then:
 * <ol>
 *   <li>Clean alone: the first topic is switched to cleanup.policy=compact (IncrementalAlterConfigs), and the time
 *       from the broker's answer until the partition is compacted ({@link CompactionProbe}: the cleaner's
 *       checkpoint has reached the active segment) is taken, while the broker's VmRSS and RssAnon are sampled
 *       every 50 ms.</li>
 *   <li>Produce beside a clean: a producer writes 1 KiB records (acks=all) to a third topic without pause. Its
 *       rate is taken from that topic's end offset over {@link Plan#loadWindow} with no clean running, then over
 *       the clean of the second topic, switched to compact the same way.</li>
 * </ol>
 * The cleaner's own settings (threads, key map, back-off, I/O cap) are the broker's; the launcher sets them.
 */
final class CompactRun {
    /** What is measured, per broker and round; the unit in the label. */
    enum Figure implements SideBySide.Figure {
        CLEAN_SECONDS("time to compact, alone", "s"),
        CLEAN_MB_PER_SECOND("  sealed bytes before / that time", "MB/s"),
        LOG_BEFORE("sealed segment bytes before the clean", "MiB"),
        LOG_AFTER("sealed segment bytes after it", "MiB"),
        ANON_BEFORE("RssAnon when the clean starts", "MiB"),
        ANON_PEAK_DELTA("RssAnon peak during the clean, minus that", "MiB"),
        RSS_PEAK("VmRSS peak during the clean", "MiB"),
        PRODUCE_IDLE("produce 1 KiB to another topic, no clean", "records/s"),
        PRODUCE_DURING("produce 1 KiB to another topic, during a clean", "records/s"),
        PRODUCE_DROP("  drop of the produce rate during the clean", "%"),
        CLEAN_UNDER_LOAD_SECONDS("time to compact, beside that producer", "s");

        private final Caption caption;

        Figure(String label, String unit) {
            caption = new Caption(label, unit);
        }

        @Override
        public Caption caption() {
            return caption;
        }
    }

    /**
     * The sizes of a run.
     *
     * @param bytes        value bytes written to each compacted topic
     * @param keyPercent   distinct keys, in per cent of the records
     * @param segmentBytes segment.bytes of the compacted topics
     * @param loadWindow   how long the produce rate is taken with no clean running, and the producer's run-up
     * @param timeout      the longest wait for one clean
     */
    record Plan(long bytes, int recordSize, int keyPercent, int segmentBytes, Duration loadWindow, Duration timeout) {
        Plan {
            if (recordSize < 8 || bytes < recordSize) {
                throw new IllegalArgumentException("Need at least one record of at least 8 bytes: " + bytes
                        + " bytes of " + recordSize + "-byte records");
            }
            if (keyPercent < 1 || keyPercent > 100) {
                throw new IllegalArgumentException("Distinct keys must be 1 to 100 % of the records, not " + keyPercent);
            }
        }

        long records() {
            return bytes / recordSize;
        }

        int keys() {
            return (int) Math.max(1, Math.min(10_000_000, records() * keyPercent / 100));
        }

        /** The compacted topics' settings while they are written; the clean starts when the policy becomes compact. */
        Map<String, String> topicConfigs() {
            return Map.of("cleanup.policy", "delete", "retention.ms", "-1", "retention.bytes", "-1",
                    "segment.bytes", Integer.toString(segmentBytes), "min.cleanable.dirty.ratio", "0.5",
                    "min.compaction.lag.ms", "0");
        }
    }

    static final String CLEAN_TOPIC = "compact-alone";
    static final String LOADED_TOPIC = "compact-loaded";
    static final String PRODUCE_TOPIC = "produce-beside";
    private static final long POLL_MILLIS = 10;

    private CompactRun() {
    }

    /**
     * Measures the broker at {@code bootstrap}, process {@code pid}, whose partitions {@code probes} finds on disk.
     */
    static Map<Figure, Double> run(Plan plan, String bootstrap, long pid, Function<String, CompactionProbe> probes)
            throws InterruptedException {
        Map<Figure, Double> figures = new EnumMap<>(Figure.class);
        Workload keyed = Workload.defaults(bootstrap, CLEAN_TOPIC, plan.records()).withRecordSize(plan.recordSize())
                .withKeys("random:" + plan.keys());
        for (String topic : List.of(CLEAN_TOPIC, LOADED_TOPIC)) {
            Topics.ensure(bootstrap, topic, 1, plan.topicConfigs());
            ProduceRun.run(keyed.withTopic(topic));
        }
        CompactionProbe alone = probes.apply(CLEAN_TOPIC);
        figures.put(Figure.LOG_BEFORE, alone.sealedBytes() / 1048576.0);
        figures.put(Figure.ANON_BEFORE, ProcessMemory.anonKiB(pid) / 1024.0);
        long[] peak = new long[2];
        ExecutorService sampler = Executors.newSingleThreadExecutor(r -> daemon(r, "spindle-perf-memory"));
        AtomicBoolean sampling = new AtomicBoolean(true);
        Future<?> samples = sampler.submit(() -> {
            while (sampling.get()) {
                peak[0] = Math.max(peak[0], ProcessMemory.anonKiB(pid));
                peak[1] = Math.max(peak[1], ProcessMemory.rssKiB(pid));
                sleepQuietly(50);
            }
        });
        double seconds;
        try {
            seconds = timeClean(plan, bootstrap, CLEAN_TOPIC, alone);
        } finally {
            sampling.set(false);
            sampler.shutdown();
        }
        await(samples);
        figures.put(Figure.CLEAN_SECONDS, seconds);
        figures.put(Figure.CLEAN_MB_PER_SECOND, figures.get(Figure.LOG_BEFORE) * 1.048576 / seconds);
        figures.put(Figure.LOG_AFTER, alone.sealedBytes() / 1048576.0);
        figures.put(Figure.ANON_PEAK_DELTA, peak[0] / 1024.0 - figures.get(Figure.ANON_BEFORE));
        figures.put(Figure.RSS_PEAK, peak[1] / 1024.0);
        produceBesideAClean(plan, bootstrap, probes.apply(LOADED_TOPIC), figures);
        return figures;
    }

    /** Switches {@code topic} to compact; returns the seconds from the broker's answer until it is compacted. */
    private static double timeClean(Plan plan, String bootstrap, String topic, CompactionProbe probe)
            throws InterruptedException {
        if (probe.activeSegmentBase() <= 0) {
            throw new PerfException("Topic " + topic + " on " + bootstrap + " has no sealed segment in "
                    + probe.partitionDir() + ": nothing to clean; give it more bytes or a smaller segment.bytes");
        }
        Topics.alter(bootstrap, topic, "cleanup.policy", "compact");
        long start = System.nanoTime();
        long deadline = start + plan.timeout().toNanos();
        while (!probe.compacted()) {
            if (System.nanoTime() > deadline) {
                throw new PerfException("Topic " + topic + " on " + bootstrap + " was not compacted within "
                        + plan.timeout().toSeconds() + " s: the checkpoint " + probe.checkpointFile() + " says "
                        + probe.cleanedTo() + ", the active segment starts at " + probe.activeSegmentBase());
            }
            Thread.sleep(POLL_MILLIS);
        }
        return (System.nanoTime() - start) / 1e9;
    }

    private static void produceBesideAClean(Plan plan, String bootstrap, CompactionProbe loaded,
                                            Map<Figure, Double> figures) throws InterruptedException {
        Topics.ensure(bootstrap, PRODUCE_TOPIC, 1);
        AtomicBoolean stop = new AtomicBoolean();
        ExecutorService producer = Executors.newSingleThreadExecutor(r -> daemon(r, "spindle-perf-producer"));
        Workload load = Workload.defaults(bootstrap, PRODUCE_TOPIC, 1).withDuration(plan.timeout().multipliedBy(2));
        Future<RunResult> run = producer.submit(() -> ProduceRun.run(load, stop::get));
        try (Admin admin = Topics.admin(bootstrap)) {
            Thread.sleep(plan.loadWindow().toMillis());              // the producer's run-up
            long[] idleFrom = endOffsetNow(admin, bootstrap);
            Thread.sleep(plan.loadWindow().toMillis());
            long[] idleTo = endOffsetNow(admin, bootstrap);
            double seconds = timeClean(plan, bootstrap, LOADED_TOPIC, loaded);
            long[] cleanTo = endOffsetNow(admin, bootstrap);
            double idle = rate(idleFrom, idleTo);
            figures.put(Figure.PRODUCE_IDLE, idle);
            // From just before the switch to compact until the clean is seen done.
            figures.put(Figure.PRODUCE_DURING, rate(idleTo, cleanTo));
            figures.put(Figure.PRODUCE_DROP, 100 * (1 - figures.get(Figure.PRODUCE_DURING) / idle));
            figures.put(Figure.CLEAN_UNDER_LOAD_SECONDS, seconds);
        } finally {
            stop.set(true);
            producer.shutdown();
        }
        await(run);
    }

    /** {end offset, nanoTime}: the produce topic's end offset and when it was answered. */
    private static long[] endOffsetNow(Admin admin, String bootstrap) throws InterruptedException {
        long offset = Topics.endOffsetSum(admin, bootstrap, PRODUCE_TOPIC);
        return new long[] {offset, System.nanoTime()};
    }

    private static double rate(long[] from, long[] to) {
        return (to[0] - from[0]) / ((to[1] - from[1]) / 1e9);
    }

    private static <T> T await(Future<T> future) throws InterruptedException {
        try {
            return future.get(1, TimeUnit.MINUTES);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof PerfException p ? p : new PerfException(e.getCause().toString(), e.getCause());
        } catch (TimeoutException e) {
            throw new PerfException("A background task of the compaction run did not end within a minute", e);
        }
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    private static void sleepQuietly(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
