package io.spindle.perf;

import io.spindle.perf.ShareRun.Figure;
import java.io.PrintWriter;
import java.util.Locale;
import java.util.Map;

/**
 * {@code spindle perf share}: Spindle's share groups against Apache Kafka 4.4.0's on this machine, with the same client
 * (kafka-clients' {@code KafkaShareConsumer}). Each round starts Kafka, then Spindle ({@link SideBySide}), both with
 * their defaults: Kafka 4.4 has share groups on once its storage is formatted at its own release (share.version=1 is a
 * production feature since 4.2), Spindle always. {@link ShareRun} measures each.
 *
 * <p>Ratios: share-group catch-up, Spindle over Kafka, with 1 and 4 consumers (issue 15 asks for at least 1.5); the
 * slow-task speed-up, consumer group's time over share group's, on each broker (issue 15 expects about the number of
 * consumers).
 */
final class ShareCompare {
    static final double TARGET = 1.5;

    private final int rounds;
    private final ShareRun.Plan plan;
    private final Compare.Setup setup;
    private final PrintWriter out;

    ShareCompare(int rounds, ShareRun.Plan plan, Compare.Setup setup, PrintWriter out) {
        this.rounds = rounds;
        this.plan = plan;
        this.setup = setup;
        this.out = out;
    }

    void run() throws InterruptedException {
        out.printf(Locale.ROOT, "share: %d rounds (kafka, spindle, ...); catch-up of %d records of %d B on one partition;"
                        + " slow tasks: %d records of %d ms each, %d consumers; work dir %s%n", rounds, plan.records(),
                ShareRun.RECORD_SIZE, plan.slowRecords(), plan.handleTime().toMillis(), plan.slowConsumers(),
                setup.workDir());
        out.flush();
        Json json = new Json();
        Map<Figure, double[]> medians = new SideBySide<>("share", Figure.class, setup, out).run(rounds, Map.of(),
                (broker, dir, spindle) -> ShareRun.run(plan, broker.bootstrap()), json);
        double one = ratio(medians.get(Figure.CATCH_UP_ONE));
        double four = ratio(medians.get(Figure.CATCH_UP_FOUR));
        out.printf(Locale.ROOT, "  share-group catch-up, Spindle/Kafka: 1 consumer %.2f, 4 consumers %.2f; target >= %.1f %s%n",
                one, four, TARGET, one >= TARGET && four >= TARGET ? "met" : "MISSED");
        double[] speedup = medians.get(Figure.SLOW_SPEEDUP);
        out.printf(Locale.ROOT, "  slow tasks, share group's speed-up over a consumer group: Kafka %.2f, Spindle %.2f"
                + " (ideal %d, the consumers)%n", speedup[0], speedup[1], plan.slowConsumers());
        out.println(json.put("catchUpOneRatio", one).put("catchUpFourRatio", four)
                .put("catchUpMet", one >= TARGET && four >= TARGET).put("slowSpeedupKafka", speedup[0])
                .put("slowSpeedupSpindle", speedup[1]));
        out.flush();
    }

    /** Spindle's median over Kafka's. */
    private static double ratio(double[] kafkaSpindle) {
        return Stats.ratio(kafkaSpindle[1], kafkaSpindle[0]);
    }
}
