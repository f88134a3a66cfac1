package io.spindle.broker.fault;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * The broker in a child JVM, flush.mode=fsync, killed with SIGKILL at random moments (seeded) while idempotent
 * acks=all producers write, and restarted on the same data directory and port each time. Afterwards every
 * acknowledged record is at its acknowledged offset exactly once, in send order, and no offset holds a record no
 * one sent. SIGKILL keeps the page cache, so this shows crash recovery, not fsync: see PowerLossTest for that.
 *
 * <p>The short run (5 kills) is in the default suite; the long one (25 kills):
 * {@code mvn -o -pl broker-core verify -Plong -Dtest=KillTest -Dsurefire.failIfNoSpecifiedTests=false}.
 */
class KillTest {
    private static final String TOPIC = "kill-test";
    private static final int PARTITIONS = 3;

    @TempDir(cleanup = CleanupMode.ON_SUCCESS)
    Path work;

    @Test
    void everyAcknowledgedRecordSurvivesFiveSigkillsExactlyOnceInOrder() throws Exception {
        killRepeatedly(5, 20261129L);
    }

    @Test
    @Tag("long")
    void everyAcknowledgedRecordSurvivesTwentyFiveSigkillsExactlyOnceInOrder() throws Exception {
        killRepeatedly(25, 7L);
    }

    private void killRepeatedly(int kills, long seed) throws Exception {
        // Small segments, so that kills also land around rolls and new segment files.
        Crash.withSigkills(work, Map.of("log.segment.bytes", "262144"),
                (broker, crash) -> crashRepeatedly(broker, kills, seed, 3000, Duration.ofSeconds(60), 100, crash));
    }

    /**
     * Starts {@code broker} and creates the topic; idempotent acks=all producers and an offset committer then work
     * while {@code crash} happens {@code crashes} times. Afterwards every acknowledged record must be at its
     * acknowledged offset exactly once, in send order, every acknowledged commit kept, and more than
     * {@code minAckedPerCrash} records per crash acknowledged in all.
     */
    static void crashRepeatedly(BrokerProcess broker, int crashes, long seed, int maxAcksBetween, Duration ackTimeout,
                                int minAckedPerCrash, Crash crash) throws Exception {
        Random random = new Random(seed);
        AckLedger ledger = new AckLedger();
        broker.start();
        createTopic(broker.bootstrapServers());
        OffsetCommitter committer = new OffsetCommitter(broker.bootstrapServers(), TOPIC, PARTITIONS);
        try (ProducerFleet fleet = new ProducerFleet(broker.bootstrapServers(), TOPIC, PARTITIONS, 3, seed, ledger)) {
            Crash.repeat(crash, crashes, random, maxAcksBetween, ackTimeout, ledger::ackedCount);
            fleet.stopAndDrain();
            committer.stop();
        }
        Map<Integer, List<AckLedger.Stored>> log = LogReader.readAll(broker.bootstrapServers(), TOPIC, PARTITIONS);
        List<String> problems = ledger.check(log);
        problems.addAll(committer.check(broker.bootstrapServers()));
        assertTrue(committer.lastAcknowledged() > 0, "no offset commit was ever acknowledged");
        assertTrue(problems.isEmpty(), AckLedger.summary(problems) + "\nbroker log:\n" + broker.tail());
        assertTrue(ledger.ackedCount() > crashes * minAckedPerCrash, "only " + ledger.ackedCount()
                + " records were acknowledged");
    }

    static void createTopic(String bootstrap) throws Exception {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        try (Admin admin = Admin.create(p)) {
            admin.createTopics(List.of(new NewTopic(TOPIC, PARTITIONS, (short) 1))).all().get();
        }
    }
}
