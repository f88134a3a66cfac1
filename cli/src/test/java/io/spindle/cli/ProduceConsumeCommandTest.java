package io.spindle.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spindle.client.Spindle;
import io.spindle.test.BootstrapServers;
import io.spindle.test.EmbeddedBroker;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@EmbeddedBroker
class ProduceConsumeCommandTest {
    @TempDir
    Path tempDir;

    @Test
    void linesFromStdinWithKeysAndHeadersComeBackAsJson(@BootstrapServers String bootstrap) {
        Cli.Result produced = withStdin("k1:hello\nk2:world \"quoted\"\nno key here\n",
                () -> Cli.on(bootstrap, "produce", "greetings", "--key-separator", ":", "--header", "source=cli",
                        "--partition", "0"));
        assertEquals(0, produced.status(), produced::toString);
        assertEquals("", produced.out() + produced.err());

        Cli.Result consumed = Cli.on(bootstrap, "consume", "greetings", "--from-beginning", "--max-messages", "3",
                "--format", "json");

        assertEquals(0, consumed.status(), consumed::toString);
        List<String> lines = consumed.outLines();
        assertEquals(3, lines.size(), consumed::toString);
        assertTrue(lines.get(0).matches("\\{\"topic\":\"greetings\",\"partition\":0,\"offset\":0,\"timestamp\":\\d+,"
                + "\"key\":\"k1\",\"headers\":\\{\"source\":\"cli\"},\"value\":\"hello\"}"), lines.get(0));
        assertTrue(lines.get(1).endsWith("\"key\":\"k2\",\"headers\":{\"source\":\"cli\"},\"value\":\"world \\\"quoted\\\"\"}"),
                lines.get(1));
        assertTrue(lines.get(2).contains("\"offset\":2,") && lines.get(2).contains("\"key\":null,")
                && lines.get(2).endsWith("\"value\":\"no key here\"}"), lines.get(2));
    }

    @Test
    void fileLinesGoToTheChosenPartitionAndConsumeReadsFromAnOffset(@BootstrapServers String bootstrap) throws Exception {
        Cli.on(bootstrap, "topic", "create", "numbers", "--partitions", "2");
        Path file = tempDir.resolve("lines.txt");
        Files.writeString(file, "a=1\nb=2\nc=3\nd=4\n");

        Cli.Result produced = Cli.on(bootstrap, "produce", "numbers", "--file", file.toString(), "--partition", "1",
                "--key-separator", "=", "--acks", "1");
        assertEquals(0, produced.status(), produced::toString);

        Cli.Result consumed = Cli.on(bootstrap, "consume", "numbers", "--partition", "1", "--offset", "1",
                "--max-messages", "2", "--format", "key-value", "--key-separator", " -> ");
        assertEquals(0, consumed.status(), consumed::toString);
        assertEquals(List.of("b -> 2", "c -> 3"), consumed.outLines());
    }

    @Test
    void sinceReadsOnlyTheRecentRecords(@BootstrapServers String bootstrap) throws Exception {
        Instant now = Instant.now();
        try (Spindle spindle = Spindle.connect(bootstrap);
             KafkaProducer<byte[], byte[]> producer = spindle.newKafkaProducer(Map.of())) {
            long[] ages = {120, 90, 5, 1};
            for (long minutes : ages) {
                producer.send(new ProducerRecord<>("timeline", 0, now.minus(minutes, ChronoUnit.MINUTES).toEpochMilli(),
                        null, ("age-" + minutes).getBytes(StandardCharsets.UTF_8))).get(10, TimeUnit.SECONDS);
            }
        }

        Cli.Result since = Cli.on(bootstrap, "consume", "timeline", "--since", "10m", "--max-messages", "2");
        Cli.Result fromTime = Cli.on(bootstrap, "consume", "timeline", "--timestamp",
                now.minus(100, ChronoUnit.MINUTES).toString(), "--max-messages", "3");

        assertEquals(List.of("age-5", "age-1"), since.outLines(), since::toString);
        assertEquals(List.of("age-90", "age-5", "age-1"), fromTime.outLines(), fromTime::toString);
    }

    @Test
    void withoutAStartPositionOnlyNewRecordsArePrinted(@BootstrapServers String bootstrap) {
        withStdin("old\n", () -> Cli.on(bootstrap, "produce", "fresh"));

        Cli.Result result = Cli.on(bootstrap, "consume", "fresh", "--idle-timeout", "300ms");

        assertEquals(0, result.status(), result::toString);
        assertEquals("", result.out());
    }

    @Test
    void consumingAnUnknownTopicFailsInOneLine(@BootstrapServers String bootstrap) {
        Cli.Result result = Cli.on(bootstrap, "consume", "missing-topic", "--max-messages", "1");

        assertEquals(1, result.status());
        assertEquals(List.of("spindle consume: Topic 'missing-topic' does not exist: This server does not host this "
                + "topic-partition. (--verbose for details)"), result.errLines());
    }

    @Test
    void positionOptionsDoNotGoWithAGroup(@BootstrapServers String bootstrap) {
        Cli.Result result = Cli.on(bootstrap, "consume", "any", "--group", "g", "--offset", "3");

        assertEquals(2, result.status());
        assertEquals(1, result.errLines().size(), result::toString);
        assertTrue(result.err().startsWith("spindle consume: --offset, --timestamp, --since and --partition"),
                result::toString);
    }

    @Test
    void badAcksIsAUsageError(@BootstrapServers String bootstrap) {
        Cli.Result result = withStdin("x\n", () -> Cli.on(bootstrap, "produce", "any", "--acks", "2"));

        assertEquals(2, result.status());
        assertTrue(result.err().contains("--acks must be all, 1 or 0"), result::toString);
    }

    private static Cli.Result withStdin(String text, java.util.function.Supplier<Cli.Result> command) {
        InputStream original = System.in;
        System.setIn(new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)));
        try {
            return command.get();
        } finally {
            System.setIn(original);
        }
    }
}
