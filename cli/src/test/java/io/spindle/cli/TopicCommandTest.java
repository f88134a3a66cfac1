package io.spindle.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spindle.test.BootstrapServers;
import io.spindle.test.EmbeddedBroker;
import java.util.List;
import org.junit.jupiter.api.Test;

@EmbeddedBroker
class TopicCommandTest {

    @Test
    void createdTopicIsListedAndDescribedWithItsPartitionsAndSettings(@BootstrapServers String bootstrap) {
        Cli.Result created = Cli.on(bootstrap, "topic", "create", "orders", "--partitions", "3",
                "--config", "retention.ms=3600000");
        assertEquals(0, created.status(), created::toString);
        assertEquals(List.of("Created topic orders with 3 partition(s)"), created.outLines());

        Cli.Result list = Cli.on(bootstrap, "topic", "list");
        assertEquals(0, list.status(), list::toString);
        assertTrue(list.outLines().contains("orders"), list::toString);
        assertFalse(list.outLines().contains("__consumer_offsets"), list::toString);

        Cli.Result described = Cli.on(bootstrap, "topic", "describe", "orders");
        assertEquals(0, described.status(), described::toString);
        assertEquals(List.of(
                "Topic orders: 3 partition(s), cleanup.policy=delete (default), retention.ms=3600000",
                "PARTITION  START  END  RECORDS",
                "0          0      0    0",
                "1          0      0    0",
                "2          0      0    0"), described.outLines());
        assertEquals("", described.err());
    }

    @Test
    void alterConfigSetsAndRemovesTopicSettings(@BootstrapServers String bootstrap) {
        Cli.on(bootstrap, "topic", "create", "tunable", "--config", "retention.ms=1000");

        Cli.Result altered = Cli.on(bootstrap, "topic", "alter-config", "tunable", "--set", "max.message.bytes=4096",
                "--delete", "retention.ms");

        assertEquals(0, altered.status(), altered::toString);
        assertEquals("Topic tunable: 1 partition(s), cleanup.policy=delete (default), max.message.bytes=4096",
                Cli.on(bootstrap, "topic", "describe", "tunable").outLines().get(0));
    }

    @Test
    void deletedTopicIsNoLongerListed(@BootstrapServers String bootstrap) {
        Cli.on(bootstrap, "topic", "create", "doomed");

        Cli.Result deleted = Cli.on(bootstrap, "topic", "delete", "doomed");

        assertEquals(0, deleted.status(), deleted::toString);
        assertFalse(Cli.on(bootstrap, "topic", "list").outLines().contains("doomed"));
    }

    @Test
    void describingAnUnknownTopicIsOneLineOnStderrWithStatus1(@BootstrapServers String bootstrap) {
        Cli.Result result = Cli.on(bootstrap, "topic", "describe", "nowhere");

        assertEquals(1, result.status());
        assertEquals(1, result.errLines().size(), result::toString);
        assertTrue(result.err().startsWith("spindle topic describe: Topic 'nowhere' does not exist"), result::toString);
        assertEquals("", result.out());
    }

    @Test
    void creatingAnExistingTopicFailsNamingIt(@BootstrapServers String bootstrap) {
        Cli.on(bootstrap, "topic", "create", "twice");

        Cli.Result again = Cli.on(bootstrap, "topic", "create", "twice");

        assertEquals(1, again.status());
        assertEquals(1, again.errLines().size(), again::toString);
        assertTrue(again.err().contains("'twice'"), again::toString);
    }

    @Test
    void zeroPartitionsIsAUsageErrorWithStatus2(@BootstrapServers String bootstrap) {
        Cli.Result result = Cli.on(bootstrap, "topic", "create", "empty", "--partitions", "0");

        assertEquals(2, result.status());
        assertEquals(1, result.errLines().size(), result::toString);
        assertTrue(result.err().contains("--partitions must be 1 or more"), result::toString);
    }

    @Test
    void topicWithoutACommandIsAUsageError() {
        Cli.Result result = Cli.run("topic");

        assertEquals(2, result.status());
        assertTrue(result.err().contains("create, list, describe, delete, alter-config or reassign"), result::toString);
    }
}
