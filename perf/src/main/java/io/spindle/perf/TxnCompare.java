package io.spindle.perf;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import org.HdrHistogram.Histogram;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.FeatureUpdate;
import org.apache.kafka.clients.admin.FinalizedVersionRange;
import org.apache.kafka.clients.admin.UpdateFeaturesOptions;

/**
 * {@code spindle perf transactions}: issue 14's transactional figures alone, Spindle against Apache Kafka 4.4.0 with
 * the same client (kafka-clients' transactional producer, acks=all, 1 KiB records to 1 partition): a producer
 * committing every 100 records, one committing every 1,000, and a read_committed consumer catching up on the first
 * topic. Each round starts Kafka, then Spindle ({@link SideBySide}), both at their defaults but for the transaction
 * version asked for: Spindle's broker setting {@code transaction.version}, and for Kafka the finalized feature of the
 * same name, lowered with Admin.updateFeatures once it is up (a formatted Kafka 4.4 node finalizes 2). Besides the
 * rates it prints, per transaction, the client's median time to have every record acknowledged and the median
 * EndTxn round trip ({@link ProduceRun.TransactionPhases}), which say where a transaction's time goes.
 */
final class TxnCompare {
    static final double TARGET = 1.5;
    private static final String FEATURE = "transaction.version";

    /** What each broker run measures. */
    enum Figure implements SideBySide.Figure {
        PRODUCE_100("transactional produce 1 KiB, 100 records/txn", "records/s"),
        FLUSH_100("  per txn of 100: records acknowledged, p50", "ms"),
        END_100("  per txn of 100: EndTxn round trip, p50", "ms"),
        PRODUCE_1000("transactional produce 1 KiB, 1000 records/txn", "records/s"),
        FLUSH_1000("  per txn of 1000: last records acknowledged, p50", "ms"),
        END_1000("  per txn of 1000: EndTxn round trip, p50", "ms"),
        READ_COMMITTED("read_committed catch-up of the 100 records/txn topic", "records/s");

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
     * @param records            1 KiB records per producer run (and so per catch-up)
     * @param transactionVersion the transaction version both brokers offer (1 or 2)
     * @param warmupPasses       unmeasured passes of the same runs per broker, on topics of their own, before the
     *                           measured one (the brokers' JITs compile their hot paths meanwhile)
     */
    record Plan(long records, int transactionVersion, int warmupPasses) {
        Plan {
            if (records < 1000) {
                throw new IllegalArgumentException("--records must be at least 1000 (one transaction of 1,000), got " + records);
            }
            if (transactionVersion != 1 && transactionVersion != 2) {
                throw new IllegalArgumentException("--transaction-version must be 1 or 2, got " + transactionVersion);
            }
            if (warmupPasses < 0) {
                throw new IllegalArgumentException("--warmup-passes must be 0 or more, got " + warmupPasses);
            }
        }
    }

    private final int rounds;
    private final Plan plan;
    private final Compare.Setup setup;
    private final PrintWriter out;

    TxnCompare(int rounds, Plan plan, Compare.Setup setup, PrintWriter out) {
        this.rounds = rounds;
        this.plan = plan;
        this.setup = setup;
        this.out = out;
    }

    void run() throws InterruptedException {
        out.printf(Locale.ROOT, "transactions: %d rounds (kafka, spindle, ...); %d x 1 KiB per producer run, 1 partition;"
                        + " transaction version %d; %d warm-up pass(es); work dir %s%n", rounds, plan.records(),
                plan.transactionVersion(), plan.warmupPasses(), setup.workDir());
        out.flush();
        Json json = new Json();
        // Kafka ignores the Spindle setting; its feature is set through the Admin client in measure().
        Map<Figure, double[]> medians = new SideBySide<>("transactions", Figure.class, setup, out).run(rounds,
                Map.of(FEATURE, Integer.toString(plan.transactionVersion())),
                (broker, dir, spindle) -> measure(broker.bootstrap(), spindle), json);
        boolean met = true;
        for (Figure figure : new Figure[] {Figure.PRODUCE_100, Figure.PRODUCE_1000, Figure.READ_COMMITTED}) {
            double[] kafkaSpindle = medians.get(figure);
            double ratio = Stats.ratio(kafkaSpindle[1], kafkaSpindle[0]);
            met &= ratio >= TARGET;
            out.printf(Locale.ROOT, "  %s, Spindle/Kafka: %.2f (target >= %.1f)%n", figure.caption().label(), ratio, TARGET);
            json.put(figure.key() + "Ratio", ratio);
        }
        out.println(json.put("transactionVersion", plan.transactionVersion()).put("met", met));
        out.flush();
    }

    private Map<Figure, Double> measure(String bootstrap, boolean spindle) throws InterruptedException {
        requireTransactionVersion(bootstrap, spindle);
        Workload base = Workload.defaults(bootstrap, "unused", 1).withRecords(plan.records());
        for (int pass = 1; pass <= plan.warmupPasses(); pass++) {
            measureOnce(base, "warmup" + pass + "-");
        }
        return measureOnce(base, "");
    }

    /** One pass of the three runs on topics named with {@code prefix}, at {@code base}'s record count. */
    static Map<Figure, Double> measureOnce(Workload base, String prefix) throws InterruptedException {
        Map<Figure, Double> figures = new EnumMap<>(Figure.class);
        Workload per100 = base.withTopic(prefix + "txn-1k-100").withTransactionRecords(100);
        ProduceRun.TransactionPhases phases100 = new ProduceRun.TransactionPhases();
        figures.put(Figure.PRODUCE_100, ProduceRun.run(per100, () -> false, phases100).recordsPerSecond());
        figures.put(Figure.FLUSH_100, p50Ms(phases100.flushMicros));
        figures.put(Figure.END_100, p50Ms(phases100.endMicros));
        ProduceRun.TransactionPhases phases1000 = new ProduceRun.TransactionPhases();
        figures.put(Figure.PRODUCE_1000, ProduceRun.run(base.withTopic(prefix + "txn-1k-1000")
                .withTransactionRecords(1000), () -> false, phases1000).recordsPerSecond());
        figures.put(Figure.FLUSH_1000, p50Ms(phases1000.flushMicros));
        figures.put(Figure.END_1000, p50Ms(phases1000.endMicros));
        figures.put(Figure.READ_COMMITTED, ConsumeRun.run(per100.withIsolation(Workload.READ_COMMITTED), 0,
                Duration.ofMinutes(5)).recordsPerSecond());
        return figures;
    }

    private static double p50Ms(Histogram micros) {
        return micros.getTotalCount() == 0 ? 0 : micros.getValueAtPercentile(50) / 1000.0;
    }

    /**
     * Makes the broker finalize {@code transaction.version} at the plan's level, so that kafka-clients uses it: Kafka
     * through UpdateFeatures (a downgrade from the 2 its storage was formatted with), Spindle by its setting, checked.
     */
    private void requireTransactionVersion(String bootstrap, boolean spindle) throws InterruptedException {
        Properties properties = new Properties();
        properties.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        short wanted = (short) plan.transactionVersion();
        try (Admin admin = Admin.create(properties)) {
            if (!spindle && finalized(admin) != wanted) {
                admin.updateFeatures(Map.of(FEATURE, new FeatureUpdate(wanted, FeatureUpdate.UpgradeType.SAFE_DOWNGRADE)),
                        new UpdateFeaturesOptions()).all().get();
            }
            short level = finalized(admin);
            if (level != wanted) {
                throw new PerfException((spindle ? "Spindle" : "Kafka") + " at " + bootstrap + " finalizes "
                        + FEATURE + " " + level + ", not the " + wanted + " asked for");
            }
        } catch (ExecutionException e) {
            throw new PerfException("Cannot set " + FEATURE + " to " + wanted + " on " + bootstrap + ": "
                    + e.getCause(), e.getCause());
        }
    }

    private static short finalized(Admin admin) throws InterruptedException, ExecutionException {
        FinalizedVersionRange range = admin.describeFeatures().featureMetadata().get().finalizedFeatures().get(FEATURE);
        return range == null ? 0 : range.maxVersionLevel();
    }
}
