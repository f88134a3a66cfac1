package io.spindle.broker.fault;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spindle.broker.metrics.PrometheusText;
import io.spindle.fixtures.CrashFs;
import io.spindle.fixtures.CrashFs.Fault;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * Storage failures stop acknowledgement. The broker (a child JVM, flush.mode=fsync) keeps its data on
 * {@link CrashFs}, which makes an fsync or a write of one partition's active segment fail with EIO while idempotent
 * acks=all producers write to all three partitions. Then that partition's log is offline: /health/ready answers
 * 503 naming it, {@code spindle_partition_offline} is 1 for it, sends to it fail (KAFKA_STORAGE_ERROR reaches
 * kafka-clients as KafkaStorageException, or as a TimeoutException where Metadata names no leader), none of its
 * records is acknowledged any more while the other partitions go on, and one ERROR line of the broker names the
 * file and the error (for a failed write, the EIO or the short write it came back as). After a SIGKILL, and a power
 * cut that keeps only what was forced, a restart serves every acknowledged record, the partition takes writes again
 * and the broker is ready.
 *
 * <p>The single failed fsync is PostgreSQL's "fsyncgate": crashfs then drops the pages that fsync should have
 * written, as Linux does, and a later fsync succeeds without writing them. A broker that went on appending after the
 * failure, and acknowledged what its next fsync covered, loses acknowledged records at the power cut: the broker of
 * before the offline state did, 3733 of them in one run with the offline checks taken out. Skipped without root,
 * /dev/fuse, gcc or libfuse3-dev, like {@link PowerLossTest}.
 */
class FsyncFailureTest {
    private static final String TOPIC = "storage-failure";
    private static final int PARTITIONS = 3;
    private static final int FAILING = 1;
    private static final Duration OFFLINE_TIMEOUT = Duration.ofSeconds(30);
    /**
     * Big enough that no partition rolls during a test (a few thousand records of at most 420 bytes each), so the
     * fault meets the appends and the flusher's fsyncs, not a roll; small enough for crashfs, which copies a whole
     * file (its reserved size) at each fsync.
     */
    private static final int SEGMENT_BYTES = 1 << 20;
    /** Errors reach the send callbacks within seconds instead of being retried for minutes. */
    private static final Map<String, String> FAIL_FAST = Map.of(
            ProducerConfig.RETRIES_CONFIG, "2",
            ProducerConfig.RETRY_BACKOFF_MS_CONFIG, "100",
            ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, "5000",
            ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "8000");
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @TempDir(cleanup = CleanupMode.ON_SUCCESS)
    Path work;

    @Test
    void aFailedFsyncTakesThePartitionOfflineAndAPowerCutLosesNothingAcknowledged() throws Exception {
        failAndRecover(Fault.FSYNC, 1, true, 4011L);
    }

    /**
     * The failed write reaches the broker in one of two ways, by chance: an append that starts inside a page is two
     * FUSE requests (see FileWrites in log-storage), and when crashfs fails the first one the broker's pwrite fails
     * with EIO, when it fails the second (about one run in three) the pwrite returns a short count without an error.
     * Both must take the partition offline; the broker of before treated the short count as progress, wrote the
     * rest, which crashfs then took, and stayed online.
     */
    @Test
    void aFailedWriteTakesThePartitionOfflineAndAPowerCutLosesNothingAcknowledged() throws Exception {
        failAndRecover(Fault.WRITE, 1, true, 4012L);
    }

    @Test
    void aDiskWhoseFsyncsKeepFailingTakesThePartitionOfflineAndARestartAfterItHealsKeepsEveryAcknowledgedRecord()
            throws Exception {
        failAndRecover(Fault.FSYNC, 0, false, 4013L);
    }

    /**
     * Fails {@code fault} on the active segment of partition {@value #FAILING} ({@code count} times, or until cleared
     * when 0) under load, checks that the partition went offline, kills the broker, then cuts the power or clears
     * the fault, restarts the broker and reads everything back.
     */
    private void failAndRecover(Fault fault, int count, boolean powerCut, long seed) throws Exception {
        AckLedger ledger = new AckLedger();
        int metricsPort = freePort();
        try (CrashFs disk = CrashFs.requireAvailable(work).mount();
             BrokerProcess broker = new BrokerProcess(disk.root().resolve("data"), work,
                     Map.of("log.segment.bytes", Integer.toString(SEGMENT_BYTES),
                             "metrics.port", Integer.toString(metricsPort)))) {
            broker.start();
            createTopic(broker.bootstrapServers());
            try (ProducerFleet fleet = new ProducerFleet(broker.bootstrapServers(), TOPIC, PARTITIONS, 3, seed, ledger,
                    FAIL_FAST)) {
                await().atMost(Duration.ofSeconds(60)).until(() -> ledger.ackedCount() >= 1500);

                disk.fail(fault, activeSegment(broker.dataDir().resolve(TOPIC + "-" + FAILING)), count);
                await("crashfs injected the " + fault + " failure").atMost(Duration.ofSeconds(30))
                        .until(() -> disk.faultState(fault).injected() > 0);
                Path failedFile = disk.faultState(fault).lastFailed().orElseThrow();

                assertOffline(metricsPort);
                await("a send to the failing partition failed").atMost(Duration.ofSeconds(30))
                        .until(() -> !ledger.failuresOf(FAILING).isEmpty());
                Map<String, Integer> failures = ledger.failuresOf(FAILING);
                assertTrue(failures.containsKey("KafkaStorageException") || failures.containsKey("TimeoutException"),
                        "sends to the offline partition failed with " + failures);
                assertNothingMoreAcknowledgedOn(FAILING, ledger);
                List<String> named = broker.logLinesContaining(failedFile.toString());
                assertEquals(1, named.size(), "broker log lines naming " + failedFile + ":\n" + String.join("\n", named)
                        + "\nbroker log:\n" + broker.tail());
                assertTrue(named.get(0).contains(" ERROR ") && (named.get(0).contains("Input/output error")
                        || fault == Fault.WRITE && named.get(0).contains("short write")), named.get(0));
                fleet.stopAndDrain();
            }
            broker.kill();
            if (powerCut) {
                disk.powerCut();    // everything not forced is gone; the faults with it
                disk.mount();
            } else {
                disk.clearFaults();
            }
            broker.start();

            Map<Integer, List<AckLedger.Stored>> log = LogReader.readAll(broker.bootstrapServers(), TOPIC, PARTITIONS);
            List<String> problems = ledger.check(log);
            assertTrue(problems.isEmpty(), AckLedger.summary(problems) + "\nbroker log:\n" + broker.tail());
            assertTrue(ledger.ackedCount(FAILING) > 0, "nothing was acknowledged on partition " + FAILING
                    + " before the failure");
            assertEquals(log.get(FAILING).size(), produceOne(broker.bootstrapServers()),
                    "the restarted partition appends at its end");
            assertEquals(200, readiness(metricsPort).statusCode(), "/health/ready after the restart");
            assertFalse(offlineGauge(PrometheusText.scrape(metricsPort), FAILING) == 1.0,
                    "partition " + FAILING + " is still reported offline after the restart");
            broker.kill();
        }
    }

    /** /health/ready answers 503 naming the failing partition and no other; the gauge says the same. */
    private static void assertOffline(int metricsPort) throws IOException, InterruptedException {
        await("/health/ready answers 503").atMost(OFFLINE_TIMEOUT).pollInterval(Duration.ofMillis(100))
                .until(() -> readiness(metricsPort).statusCode() == 503);
        String body = readiness(metricsPort).body();
        for (int partition = 0; partition < PARTITIONS; partition++) {
            Pattern named = Pattern.compile(Pattern.quote(TOPIC) + "[^0-9]{1,12}" + partition + "(?![0-9])");
            assertEquals(partition == FAILING, named.matcher(body).find(),
                    "/health/ready " + (partition == FAILING ? "does not name" : "names") + " partition " + partition
                            + ": " + body);
        }
        Map<String, Double> samples = PrometheusText.scrape(metricsPort);
        for (int partition = 0; partition < PARTITIONS; partition++) {
            double offline = offlineGauge(samples, partition);
            if (partition == FAILING) {
                assertEquals(1.0, offline, "spindle_partition_offline of partition " + partition);
            } else {
                assertFalse(offline == 1.0, "spindle_partition_offline of healthy partition " + partition + " is 1");
            }
        }
    }

    /** The segment file appends go to: the one with the highest base offset. */
    private static Path activeSegment(Path partitionDir) throws IOException {
        try (Stream<Path> files = Files.list(partitionDir)) {
            return files.filter(f -> f.getFileName().toString().endsWith(".log")).max(Comparator.naturalOrder())
                    .orElseThrow(() -> new IllegalStateException("no segment in " + partitionDir));
        }
    }

    private static HttpResponse<String> readiness(int metricsPort) throws IOException, InterruptedException {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + metricsPort + "/health/ready"))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** The gauge's sample for the partition (labels in any order), NaN when there is none. */
    private static double offlineGauge(Map<String, Double> samples, int partition) {
        return samples.entrySet().stream()
                .filter(e -> e.getKey().startsWith("spindle_partition_offline{")
                        && e.getKey().contains("topic=\"" + TOPIC + "\"")
                        && e.getKey().contains("partition=\"" + partition + "\""))
                .mapToDouble(Map.Entry::getValue).findFirst().orElse(Double.NaN);
    }

    /**
     * The partition is offline: once the responses in flight have arrived (the other partitions acknowledged a few
     * hundred more records), no record of it is acknowledged while they acknowledge a few hundred more.
     */
    private static void assertNothingMoreAcknowledgedOn(int partition, AckLedger ledger) {
        awaitOtherPartitionsAcknowledge(300, partition, ledger);
        int before = ledger.ackedCount(partition);
        awaitOtherPartitionsAcknowledge(300, partition, ledger);
        assertEquals(before, ledger.ackedCount(partition), "records of offline partition " + partition
                + " were acknowledged");
    }

    private static void awaitOtherPartitionsAcknowledge(int more, int partition, AckLedger ledger) {
        int target = ledger.ackedCount() - ledger.ackedCount(partition) + more;
        await("the other partitions acknowledge " + more + " more records").atMost(Duration.ofSeconds(60))
                .until(() -> ledger.ackedCount() - ledger.ackedCount(partition) >= target);
    }

    /** One acks=all record to the failing partition; its offset. */
    private static long produceOne(String bootstrap) throws Exception {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        try (KafkaProducer<byte[], byte[]> producer =
                     new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer())) {
            return producer.send(new ProducerRecord<>(TOPIC, FAILING, "after".getBytes(), "restart".getBytes()))
                    .get().offset();
        }
    }

    private static void createTopic(String bootstrap) throws Exception {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        try (Admin admin = Admin.create(p)) {
            admin.createTopics(List.of(new NewTopic(TOPIC, PARTITIONS, (short) 1))).all().get();
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
