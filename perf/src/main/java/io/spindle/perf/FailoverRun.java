package io.spindle.perf;

import java.time.Duration;
import java.util.Arrays;
import java.io.PrintWriter;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * What {@code spindle perf failover} measures of one cluster, the same way for Spindle and Kafka: a topic of one
 * partition with replication factor 3 and {@code min.insync.replicas=2}; a kafka-clients producer with the client's
 * defaults but {@code acks=all} (idempotent, as by default) sends a 100-byte record to it every
 * {@value #SEND_INTERVAL_MS} ms, without waiting for acknowledgements; then, {@link Plan#kills} times: once every
 * replica is in sync and records are being acknowledged, the partition's leader (as Admin describes it) gets SIGKILL.
 *
 * <p><b>Failover time</b> of one kill: from just before the SIGKILL is sent until this client receives the first
 * successful acknowledgement of a record whose {@code send()} was called after that instant (so an acknowledgement
 * the dead leader sent before it died does not count). It includes everything a producing application waits for:
 * the cluster noticing the death, electing a new leader, and the client learning of it and retrying. After each
 * kill the killed broker is started again on its ports and data, and the next kill waits until it is back in the ISR.
 */
final class FailoverRun {
    static final String TOPIC = "failover";
    static final long SEND_INTERVAL_MS = 2;
    private static final long POLL_MILLIS = 20;

    /** The figures of one cluster's kills, in milliseconds. */
    enum Figure implements SideBySide.Figure {
        P50("failover time p50 (kill -9 to first ack of a record sent after it)", "ms"),
        P99("failover time p99", "ms"),
        MAX("failover time max", "ms"),
        MIN("failover time min", "ms"),
        FAILED_SENDS("  sends failed (after retries) during all kills", "sends");

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
     * @param brokers brokers of the cluster (every partition has a replica on each of the first three)
     * @param kills   how many times the leader is killed and restarted
     * @param timeout the longest wait for any one step (a failover, a restart, the ISR to fill up again)
     */
    record Plan(int brokers, int kills, Duration timeout) {
        Plan {
            if (brokers < 3 || kills < 1) {
                throw new IllegalArgumentException("a failover run needs at least 3 brokers and 1 kill, not " + brokers
                        + " brokers and " + kills + " kills");
            }
        }
    }

    private final Plan plan;
    private final BrokerCluster cluster;
    private final String bootstrap;
    private final AtomicLong killNanos = new AtomicLong(Long.MAX_VALUE);
    private final AtomicLong firstAckAfterKill = new AtomicLong();
    private final AtomicLong lastAckNanos = new AtomicLong();
    private final AtomicLong failedSends = new AtomicLong();
    private volatile String lastFailure = "";

    private FailoverRun(Plan plan, BrokerCluster cluster) {
        this.plan = plan;
        this.cluster = cluster;
        this.bootstrap = String.join(",", cluster.bootstraps());
    }

    /** Runs the kills against {@code cluster} (just started) and returns the figures; prints each kill on {@code log}. */
    static Map<Figure, Double> run(Plan plan, BrokerCluster cluster, PrintWriter log) throws InterruptedException {
        return new FailoverRun(plan, cluster).kills(log);
    }

    private Map<Figure, Double> kills(PrintWriter log) throws InterruptedException {
        double[] times = new double[plan.kills()];
        try (Admin admin = admin()) {
            createTopic(admin);
            AtomicBoolean stop = new AtomicBoolean();
            Thread sender = new Thread(() -> produce(stop), "spindle-perf-failover-producer");
            sender.start();
            try {
                for (int kill = 0; kill < plan.kills(); kill++) {
                    int leader = awaitFullIsr(admin);
                    awaitAcknowledgements();
                    firstAckAfterKill.set(0);
                    long killedAt = System.nanoTime();
                    killNanos.set(killedAt);
                    cluster.kill(leader);
                    long deadline = killedAt + plan.timeout().toNanos();
                    while (firstAckAfterKill.get() == 0) {
                        if (System.nanoTime() > deadline) {
                            throw new PerfException("No record sent after the kill of broker " + leader + " was"
                                    + " acknowledged within " + plan.timeout().toSeconds() + " s; last send failure: "
                                    + lastFailure);
                        }
                        Thread.sleep(1);
                    }
                    times[kill] = (firstAckAfterKill.get() - killedAt) / 1e6;
                    killNanos.set(Long.MAX_VALUE);
                    log.printf(Locale.ROOT, "  %s kill %d of broker %d (leader of %s-0): failover %.0f ms%n",
                            cluster.name(), kill + 1, leader, TOPIC, times[kill]);
                    log.flush();
                    cluster.restart(leader).awaitReady(plan.timeout());
                }
            } finally {
                stop.set(true);
                sender.join(plan.timeout().toMillis());
            }
        }
        double[] sorted = times.clone();
        Arrays.sort(sorted);
        return Map.of(Figure.P50, percentile(sorted, 50), Figure.P99, percentile(sorted, 99),
                Figure.MAX, sorted[sorted.length - 1], Figure.MIN, sorted[0], Figure.FAILED_SENDS,
                (double) failedSends.get());
    }

    /** Nearest rank: the smallest value with at least {@code percent} % of the values at or below it. */
    static double percentile(double[] sorted, double percent) {
        int rank = (int) Math.ceil(percent / 100.0 * sorted.length);
        return sorted[Math.max(0, Math.min(sorted.length, rank) - 1)];
    }

    private Admin admin() {
        Properties p = new Properties();
        p.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(CommonClientConfigs.CLIENT_ID_CONFIG, "spindle-perf-failover-admin");
        p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "10000");
        p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "5000");
        return Admin.create(p);
    }

    private void createTopic(Admin admin) throws InterruptedException {
        long deadline = System.nanoTime() + plan.timeout().toNanos();
        while (true) {
            try {
                admin.createTopics(List.of(new NewTopic(TOPIC, 1, (short) 3)
                        .configs(Map.of("min.insync.replicas", "2")))).all().get(plan.timeout().toMillis(),
                        TimeUnit.MILLISECONDS);
                return;
            } catch (ExecutionException | TimeoutException e) {
                if (e.getCause() instanceof TopicExistsException) {
                    return;
                }
                cluster.requireAlive("the failover topic was created");
                if (System.nanoTime() > deadline) {
                    throw new PerfException("Cannot create " + TOPIC + " (replication factor 3): " + e, e);
                }
                Thread.sleep(POLL_MILLIS);
            }
        }
    }

    /** Waits until the partition has a leader and all three replicas in sync; returns the leader's node id. */
    private int awaitFullIsr(Admin admin) throws InterruptedException {
        long deadline = System.nanoTime() + plan.timeout().toNanos();
        String seen = "nothing";
        while (System.nanoTime() < deadline) {
            try {
                TopicDescription description = admin.describeTopics(List.of(TOPIC)).allTopicNames()
                        .get(5, TimeUnit.SECONDS).get(TOPIC);
                TopicPartitionInfo partition = description.partitions().get(0);
                seen = partition.toString();
                if (partition.leader() != null && partition.leader().id() >= 0 && partition.isr().size() == 3) {
                    return partition.leader().id();
                }
            } catch (ExecutionException | TimeoutException e) {
                seen = e.toString();
            }
            Thread.sleep(POLL_MILLIS);
        }
        throw new PerfException(TOPIC + "-0 did not get all 3 replicas in sync within " + plan.timeout().toSeconds()
                + " s; last seen: " + seen);
    }

    /** Waits until the producer has had an acknowledgement in the last 100 ms: the cluster is serving it. */
    private void awaitAcknowledgements() throws InterruptedException {
        long deadline = System.nanoTime() + plan.timeout().toNanos();
        while (System.nanoTime() - lastAckNanos.get() > TimeUnit.MILLISECONDS.toNanos(100)) {
            if (System.nanoTime() > deadline) {
                throw new PerfException("The producer got no acknowledgement within " + plan.timeout().toSeconds()
                        + " s before a kill; last send failure: " + lastFailure);
            }
            Thread.sleep(POLL_MILLIS);
        }
    }

    /** Sends a record every {@value #SEND_INTERVAL_MS} ms until stopped; notes acknowledgements and failures. */
    private void produce(AtomicBoolean stop) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.CLIENT_ID_CONFIG, "spindle-perf-failover");
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        byte[] value = new byte[100];
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p, new ByteArraySerializer(),
                new ByteArraySerializer())) {
            while (!stop.get()) {
                long sentAt = System.nanoTime();
                producer.send(new ProducerRecord<>(TOPIC, 0, null, value), (metadata, error) -> {
                    long now = System.nanoTime();
                    if (error != null) {
                        failedSends.incrementAndGet();
                        lastFailure = error.toString();
                        return;
                    }
                    lastAckNanos.set(now);
                    if (sentAt >= killNanos.get()) {
                        firstAckAfterKill.compareAndSet(0, now);
                    }
                });
                Thread.sleep(SEND_INTERVAL_MS);
            }
            producer.flush();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
