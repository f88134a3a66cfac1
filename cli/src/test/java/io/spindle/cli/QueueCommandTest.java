package io.spindle.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spindle.test.EmbeddedBroker;
import io.spindle.test.EmbeddedSpindle;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@code spindle queue consume} against a real broker: records printed are acknowledged (ACCEPT, or REJECT / RELEASE
 * for testing), and {@code group describe} / {@code lag} show the share group with its records in flight.
 */
@EmbeddedBroker({"metrics.port=0", "group.share.dead.letter.topic={topic}.dlq"})
class QueueCommandTest {

    private static String metrics(EmbeddedSpindle broker) {
        return "http://127.0.0.1:" + broker.broker().metricsPort() + "/metrics";
    }

    @Test
    void printedRecordsAreAcceptedAndNotDeliveredAgain(EmbeddedSpindle broker) {
        String bootstrap = broker.bootstrapServers();
        GroupCommandTest.produce(bootstrap, "jobs", "j0", "j1", "j2", "j3", "j4");
        Cli.Result first = Cli.on(bootstrap, "queue", "consume", "jobs", "--group", "workers", "--from-beginning",
                "--max-messages", "3");
        assertEquals(0, first.status(), first::toString);
        assertEquals(List.of("j0", "j1", "j2"), first.outLines());
        Cli.Result second = Cli.on(bootstrap, "queue", "consume", "jobs", "--group", "workers", "--idle-timeout", "2s");
        assertEquals(List.of("j3", "j4"), second.outLines(), second::toString);

        Cli.Result described = Cli.on(bootstrap, "group", "describe", "workers", "--metrics-url", metrics(broker));
        assertEquals(0, described.status(), described::toString);
        assertEquals(List.of(
                "Share group workers: Empty, 0 member(s)",
                "TOPIC  PARTITION  START  LAG  IN-FLIGHT  ACQUIRED  AVAILABLE  ARCHIVED  DEAD-LETTERED",
                "jobs   0          5      0    0          0         0          0         0"), described.outLines());

        Cli.Result list = Cli.on(bootstrap, "group", "list");
        assertEquals(0, list.status(), list::toString);
        assertEquals(List.of("GROUP", "TYPE", "STATE", "MEMBERS"), GroupCommandTest.columns(list.outLines().get(0)));
        assertTrue(list.outLines().stream().map(GroupCommandTest::columns)
                .anyMatch(List.of("workers", "share", "Empty", "0")::equals), list::toString);
    }

    @Test
    void releasedRecordsComeBackAndRejectedOnesGoToTheDeadLetterTopic(EmbeddedSpindle broker) {
        String bootstrap = broker.bootstrapServers();
        GroupCommandTest.produce(bootstrap, "tasks", "t0", "t1");
        Cli.Result released = Cli.on(bootstrap, "queue", "consume", "tasks", "--group", "testers", "--from-beginning",
                "--max-messages", "1", "--release");
        assertEquals(List.of("t0"), released.outLines(), released::toString);
        Cli.Result rejected = Cli.on(bootstrap, "queue", "consume", "tasks", "--group", "testers", "--max-messages",
                "1", "--reject");
        assertEquals(List.of("t0"), rejected.outLines(), "the released record again: " + rejected);

        Cli.Result dead = Cli.on(bootstrap, "consume", "tasks.dlq", "--from-beginning", "--max-messages", "1",
                "--format", "json", "--timeout", "10s");
        assertEquals(0, dead.status(), dead::toString);
        assertTrue(dead.out().contains("\"spindle.dlq.reason\":\"rejected\""), dead::toString);
        assertTrue(dead.out().contains("\"value\":\"t0\""), dead::toString);

        Cli.Result lag = Cli.on(bootstrap, "lag", "--group", "testers", "--metrics-url", metrics(broker));
        assertEquals(0, lag.status(), lag::toString);
        assertEquals(List.of(
                "GROUP    TOPIC  PARTITION  START  LAG  IN-FLIGHT  ACQUIRED  AVAILABLE  ARCHIVED  DEAD-LETTERED",
                // t1, never delivered, is the lag; t0 left the window archived, after its dead-letter copy
                "testers  tasks  0          1      1    0          0         0          1         1"), lag.outLines(),
                lag::toString);
    }

    @Test
    void withoutTheBrokersMetricsTheCountsAreUnknownAndSaidSo(EmbeddedSpindle broker) {
        String bootstrap = broker.bootstrapServers();
        GroupCommandTest.produce(bootstrap, "chores", "c0");
        Cli.on(bootstrap, "queue", "consume", "chores", "--group", "helpers", "--from-beginning", "--max-messages", "1");
        Cli.Result described = Cli.on(bootstrap, "group", "describe", "helpers", "--metrics-url",
                "http://127.0.0.1:1/metrics");
        assertEquals(0, described.status(), described::toString);
        assertEquals("chores  0          1      0    -          -         -          -         -",
                described.outLines().get(2));
        assertTrue(described.err().contains("in-flight counts are unknown"), described::toString);
    }

    @Test
    void rejectAndReleaseDoNotGoTogether(EmbeddedSpindle broker) {
        Cli.Result both = Cli.on(broker.bootstrapServers(), "queue", "consume", "jobs", "--group", "g", "--reject",
                "--release");
        assertEquals(SpindleCommand.BAD_USAGE, both.status(), both::toString);
        assertTrue(both.err().contains("at most one of --reject and --release"), both::toString);
    }
}
