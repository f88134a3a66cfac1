package io.spindle.perf;

import java.time.Duration;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.errors.TopicExistsException;

/**
 * What {@code spindle perf cluster} measures of one cluster that has just been started, the same way for Spindle and
 * Kafka, with kafka-clients in this JVM and Metadata asked of each broker in turn ({@link ClusterProbe}):
 * <ol>
 *   <li>start to ready: from the first broker's process start until every broker answers Metadata listing all the
 *       brokers, and then a CreateTopics of a 1-partition topic through the Admin client succeeds;</li>
 *   <li>CreateTopics of a {@link Plan#createPartitions}-partition topic until it is usable: the Admin call returns and
 *       every broker's Metadata names a leader for every partition;</li>
 *   <li>produce throughput, 1 KiB records, acks=all, idempotent, to a {@value #PRODUCE_PARTITIONS}-partition topic
 *       (placed by the cluster, so spread over the brokers), after {@link Plan#warmupPasses} unmeasured passes on
 *       topics of their own; with its send-to-ack p99, how many brokers lead its partitions, and the CPU time all the
 *       brokers used meanwhile (they and this client share the machine's cores);</li>
 *   <li>end-to-end latency at a fixed rate ({@link Plan#e2eRate}, below what either broker sustains, so the p99 is
 *       latency, not queueing) to a topic of its own of {@value #PRODUCE_PARTITIONS} partitions, measured by
 *       {@link EndToEndRun} (producer and consumer in this JVM, from each record's scheduled send to its poll).</li>
 * </ol>
 * Every topic has {@link Plan#replicationFactor} replicas per partition; the topics produced to also have the settings
 * of {@link Plan#produceTopicConfigs} (issue 17's shape: replication factor 3 with {@code min.insync.replicas=2}).
 */
final class ClusterRun {
    static final int PRODUCE_PARTITIONS = 6;
    static final String READY_TOPIC = "cluster-ready";
    static final String CREATE_TOPIC = "create-many";
    static final String PRODUCE_TOPIC = "produce-1k-6p";
    static final String E2E_TOPIC = "e2e-1k-6p";
    static final String MIN_INSYNC_REPLICAS = "min.insync.replicas";
    private static final long POLL_MILLIS = 5;

    /** The figures of one cluster run. */
    enum Figure implements SideBySide.Figure {
        START_TO_READY("start to ready (all list all, CreateTopics works)", "ms"),
        CREATE("CreateTopics until every broker names the leaders", "ms"),
        PRODUCE("produce 1 KiB acks=all, 6 partitions", "records/s"),
        PRODUCE_P99("  send-to-ack p99", "ms"),
        LEADING_BROKERS("  brokers leading the 6 partitions", "brokers"),
        BROKERS_CPU("  CPU time (user+sys) of all brokers meanwhile", "s"),
        E2E_P99("end-to-end p99 at a fixed rate, 6 partitions", "ms"),
        E2E_RATE("  end-to-end records/s reached", "records/s");

        private final Caption caption;

        Figure(String label, String unit) {
            this.caption = new Caption(label, unit);
        }

        @Override
        public Caption caption() {
            return caption;
        }
    }

    /**
     * The sizes of a cluster run.
     *
     * @param brokers           brokers of the cluster, every one listed by every one when it is ready
     * @param replicationFactor replicas per partition of every topic the run creates
     * @param createPartitions  partitions of the topic whose creation is timed
     * @param records           1 KiB records per produce pass
     * @param warmupPasses      unmeasured produce passes before the measured one
     * @param e2eRate           records per second of the end-to-end run
     * @param e2eWarmup         how long the end-to-end run sends before its records are measured
     * @param e2eDuration       how long the end-to-end run sends measured records
     * @param timeout           the longest wait for any one step
     */
    record Plan(int brokers, short replicationFactor, int createPartitions, long records, int warmupPasses,
                int e2eRate, Duration e2eWarmup, Duration e2eDuration, Duration timeout) {
        Plan {
            if (brokers < 1 || replicationFactor < 1 || replicationFactor > brokers || createPartitions < 1 || records < 1
                    || warmupPasses < 0) {
                throw new IllegalArgumentException("a cluster run needs at least 1 broker, a replication factor from 1 to"
                        + " the brokers (" + brokers + "), at least 1 partition and 1 record and no negative warm-up"
                        + " passes, not replication factor " + replicationFactor + ", " + createPartitions + " partitions, "
                        + records + " records, " + warmupPasses + " warm-up passes");
            }
            if (e2eRate < 1 || e2eWarmup.isNegative() || e2eDuration.isNegative() || e2eDuration.isZero()) {
                throw new IllegalArgumentException("an end-to-end run needs a rate of at least 1 record/s, a warm-up of"
                        + " no negative time and a positive duration, not " + e2eRate + " records/s, warm-up " + e2eWarmup
                        + ", duration " + e2eDuration);
            }
        }

        /**
         * The settings of the topics produced to: {@code min.insync.replicas=2} from a replication factor of 3 up, so
         * an acks=all produce waits for a second copy and survives one broker's loss (issue 17); none below that.
         */
        Map<String, String> produceTopicConfigs() {
            return replicationFactor >= 3 ? Map.of(MIN_INSYNC_REPLICAS, "2") : Map.of();
        }
    }


    /** A cluster that has just been started: its brokers' addresses (node 1 first), its start, its processes. */
    interface Target {
        List<String> bootstraps();

        /** When the first broker's process was started ({@link System#nanoTime()}). */
        long startedNanos();

        /** Throws, naming the broker, if one has exited before {@code what}. */
        void requireAlive(String what);

        /** CPU time used so far by all the brokers, in seconds; NaN when not known. */
        double cpuSeconds();
    }

    private ClusterRun() {
    }

    static Map<Figure, Double> run(Plan plan, Target cluster) throws InterruptedException {
        Map<Figure, Double> figures = new EnumMap<>(Figure.class);
        String bootstrap = String.join(",", cluster.bootstraps());
        awaitEveryBroker(plan, cluster, cluster.startedNanos(), "every broker listed all " + plan.brokers() + " brokers",
                node -> ClusterProbe.listsBrokers(node, plan.brokers()));
        try (Admin admin = Topics.admin(bootstrap)) {
            createRetrying(admin, plan, cluster);
            figures.put(Figure.START_TO_READY, (System.nanoTime() - cluster.startedNanos()) / 1e6);

            long createStart = System.nanoTime();
            create(admin, new NewTopic(CREATE_TOPIC, plan.createPartitions(), plan.replicationFactor()), plan.timeout());
            awaitEveryBroker(plan, cluster, createStart, "every broker named the leaders of " + CREATE_TOPIC,
                    node -> ClusterProbe.namesEveryLeader(node, CREATE_TOPIC, plan.createPartitions()));
            figures.put(Figure.CREATE, (System.nanoTime() - createStart) / 1e6);
        }
        Workload base = Workload.defaults(bootstrap, PRODUCE_TOPIC, plan.records()).withPartitions(PRODUCE_PARTITIONS);
        for (int pass = 1; pass <= plan.warmupPasses(); pass++) {
            produce(plan, base.withTopic("warmup" + pass + "-" + PRODUCE_TOPIC));
        }
        Topics.ensure(bootstrap, PRODUCE_TOPIC, PRODUCE_PARTITIONS, plan.replicationFactor(), plan.produceTopicConfigs());
        figures.put(Figure.LEADING_BROKERS, (double) ClusterProbe.leadingBrokers(cluster.bootstraps().get(0), PRODUCE_TOPIC));
        double cpuBefore = cluster.cpuSeconds();
        RunResult produced = produce(plan, base);
        figures.put(Figure.PRODUCE, produced.recordsPerSecond());
        figures.put(Figure.PRODUCE_P99, produced.latencyMs(99));
        figures.put(Figure.BROKERS_CPU, cluster.cpuSeconds() - cpuBefore);

        // Created here with the plan's replicas and settings; EndToEndRun then finds it existing and keeps them.
        Topics.ensure(bootstrap, E2E_TOPIC, PRODUCE_PARTITIONS, plan.replicationFactor(), plan.produceTopicConfigs());
        RunResult e2e = EndToEndRun.run(base.withTopic(E2E_TOPIC).withDuration(plan.e2eDuration())
                .withRate(plan.e2eRate()).withLingerMs(0), plan.e2eWarmup());
        figures.put(Figure.E2E_P99, e2e.latencyMs(99));
        figures.put(Figure.E2E_RATE, e2e.recordsPerSecond());
        return figures;
    }

    private static RunResult produce(Plan plan, Workload workload) throws InterruptedException {
        Topics.ensure(workload.bootstrap(), workload.topic(), PRODUCE_PARTITIONS, plan.replicationFactor(),
                plan.produceTopicConfigs());
        return ProduceRun.run(workload);
    }

    /** Polls {@code ready} of every broker in turn until each has said yes; fails after the plan's timeout from {@code since}. */
    private static void awaitEveryBroker(Plan plan, Target cluster, long since, String what, Predicate<String> ready)
            throws InterruptedException {
        long deadline = since + plan.timeout().toNanos();
        for (String node : cluster.bootstraps()) {
            while (!ready.test(node)) {
                cluster.requireAlive(what);
                if (System.nanoTime() > deadline) {
                    throw new PerfException("Not done within " + plan.timeout().toSeconds() + " s: " + what
                            + " (broker " + node + " had not)");
                }
                Thread.sleep(POLL_MILLIS);
            }
        }
    }

    /**
     * Creates the 1-partition topic that ends the wait for readiness, asking again while the cluster refuses (a
     * controller not elected yet, too few brokers registered); an earlier attempt that succeeded late counts.
     */
    private static void createRetrying(Admin admin, Plan plan, Target cluster) throws InterruptedException {
        long deadline = cluster.startedNanos() + plan.timeout().toNanos();
        while (true) {
            try {
                admin.createTopics(List.of(new NewTopic(READY_TOPIC, 1, plan.replicationFactor()))).all()
                        .get(plan.timeout().toMillis(), TimeUnit.MILLISECONDS);
                return;
            } catch (ExecutionException e) {
                if (e.getCause() instanceof TopicExistsException) {
                    return;
                }
                cluster.requireAlive("a CreateTopics succeeded");
                if (System.nanoTime() > deadline) {
                    throw new PerfException("No CreateTopics succeeded within " + plan.timeout().toSeconds()
                            + " s of the start; the last error: " + e.getCause(), e.getCause());
                }
                Thread.sleep(POLL_MILLIS);
            } catch (TimeoutException e) {
                throw new PerfException("CreateTopics of " + READY_TOPIC + " took over " + plan.timeout().toSeconds() + " s", e);
            }
        }
    }

    private static void create(Admin admin, NewTopic topic, Duration timeout) throws InterruptedException {
        try {
            admin.createTopics(List.of(topic)).all().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw new PerfException("Cannot create topic " + topic.name() + " with " + topic.numPartitions()
                    + " partitions: " + e.getCause().getMessage(), e.getCause());
        } catch (TimeoutException e) {
            throw new PerfException("CreateTopics of " + topic.name() + " took over " + timeout.toSeconds() + " s", e);
        }
    }
}
