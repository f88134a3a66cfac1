package io.spindle.perf;

import io.spindle.perf.CompactRun.Figure;
import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * {@code spindle perf compact}: Spindle's log cleaner against Apache Kafka's on this machine. Each round starts
 * Kafka, then Spindle ({@link SideBySide}), with the same cleaner settings under the same names: log.cleaner.threads=1,
 * log.cleaner.dedupe.buffer.size, log.cleaner.backoff.ms, no I/O cap; the topics get the same segment.bytes,
 * min.cleanable.dirty.ratio (0.5) and min.compaction.lag.ms (0). {@link CompactRun} measures each; the fdatasync
 * latency of the machine before each broker is printed beside its figures and the ratios.
 *
 * <p>Ratios: cleaning speed is Kafka's time to compact over Spindle's (issue 13 asks for at least 1.5); the produce
 * drop beside a clean is met when Spindle's is no larger than Kafka's; memory is printed without a target, beside the
 * key map both were given.
 */
final class CompactCompare {
    /**
     * @param dedupeBufferSize log.cleaner.dedupe.buffer.size of both brokers
     * @param backoffMs        log.cleaner.backoff.ms of both brokers: how late a cleaner may notice a dirty log
     */
    record Plan(int rounds, CompactRun.Plan run, long dedupeBufferSize, long backoffMs) {
        /** The broker settings both brokers get, under the names they share with each other. */
        Map<String, String> cleanerSettings() {
            Map<String, String> settings = new LinkedHashMap<>();
            settings.put("log.cleaner.threads", "1");
            settings.put("log.cleaner.dedupe.buffer.size", Long.toString(dedupeBufferSize));
            settings.put("log.cleaner.backoff.ms", Long.toString(backoffMs));
            return settings;
        }
    }

    private final Plan plan;
    private final Compare.Setup setup;
    private final PrintWriter out;

    CompactCompare(Plan plan, Compare.Setup setup, PrintWriter out) {
        this.plan = plan;
        this.setup = setup;
        this.out = out;
    }

    void run() throws InterruptedException {
        CompactRun.Plan run = plan.run();
        out.printf(Locale.ROOT, "compact: %d rounds (kafka, spindle, ...); per compacted topic %d records of %d B under %d"
                        + " distinct keys (%d %%), segment.bytes %d; broker settings %s; work dir %s%n", plan.rounds(),
                run.records(), run.recordSize(), run.keys(), run.keyPercent(), run.segmentBytes(), plan.cleanerSettings(),
                setup.workDir());
        out.flush();
        Json json = new Json();
        Map<Figure, double[]> medians = new SideBySide<>("compact", Figure.class, setup, out).run(plan.rounds(),
                plan.cleanerSettings(), (broker, dir, spindle) -> CompactRun.run(run, broker.bootstrap(), broker.pid(),
                        topic -> spindle ? CompactionProbe.spindle(dir.resolve("data"), topic, 0)
                                : CompactionProbe.kafka(KafkaLauncher.logDir(dir), topic, 0)), json);
        double speed = speedRatio(medians.get(Figure.CLEAN_SECONDS));
        double loadedSpeed = speedRatio(medians.get(Figure.CLEAN_UNDER_LOAD_SECONDS));
        double[] drop = medians.get(Figure.PRODUCE_DROP);
        out.printf(Locale.ROOT, "  cleaning speed, Spindle/Kafka (Kafka's time / Spindle's): %.2f, target >= 1.5 %s;"
                + " beside a producer: %.2f%n", speed, speed >= 1.5 ? "met" : "MISSED", loadedSpeed);
        boolean dropMet = drop[1] <= drop[0];
        out.printf(Locale.ROOT, "  produce drop during a clean: Spindle %.1f %%, Kafka %.1f %%, target Spindle <= Kafka %s%n",
                drop[1], drop[0], dropMet ? "met" : "MISSED");
        out.printf(Locale.ROOT, "  key map (log.cleaner.dedupe.buffer.size) of both: %.1f MiB%n",
                plan.dedupeBufferSize() / 1048576.0);
        out.println(json.put("speedRatio", speed).put("speedMet", speed >= 1.5).put("loadedSpeedRatio", loadedSpeed)
                .put("dropMet", dropMet).put("dedupeBufferSize", plan.dedupeBufferSize()));
        out.flush();
    }

    /** Kafka's seconds over Spindle's: how many times faster Spindle cleans. */
    static double speedRatio(double[] kafkaSpindleSeconds) {
        return Stats.ratio(kafkaSpindleSeconds[0], kafkaSpindleSeconds[1]);
    }
}
