package io.spindle.client;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spindle.test.EmbeddedBroker;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@EmbeddedBroker
@ExtendWith(ConnectedSpindle.class)
class ReplayTest {

    @Test
    void fromBeginningStopsAtTheEndOffsetsTakenWhenItOpens(Spindle spindle) {
        produce(spindle, "history", "a", "b", "c");

        try (Replay.Cursor<String, String> cursor = spindle.replay("history").fromBeginning().open()) {
            produce(spindle, "history", "late");
            assertEquals(3, cursor.expectedRecords());
            assertEquals("a", cursor.next().value());
            assertEquals("b", cursor.next().value());
            assertEquals("c", cursor.next().value());
            assertFalse(cursor.hasNext());
        }
    }

    @Test
    void fromOffsetStartsAtThatOffsetOfThatPartition(Spindle spindle) {
        produce(spindle, "numbers", "0", "1", "2", "3");

        try (Stream<SpindleRecord<String, String>> records = spindle.replay("numbers").fromOffset(0, 2).stream()) {
            assertEquals(List.of("2", "3"), records.map(SpindleRecord::value).toList());
        }
    }

    @Test
    void untilOffsetStopsBeforeIt(Spindle spindle) {
        produce(spindle, "bounded", "0", "1", "2", "3");

        try (Stream<SpindleRecord<String, String>> records =
                     spindle.replay("bounded").fromOffset(0, 1).untilOffset(0, 3).stream()) {
            assertEquals(List.of(1L, 2L), records.map(SpindleRecord::offset).toList());
        }
    }

    @Test
    void fromTimestampStartsAtTheFirstRecordAtOrAfterIt(Spindle spindle) throws Exception {
        Instant base = Instant.parse("2026-01-01T00:00:00Z");
        try (KafkaProducer<byte[], byte[]> producer = spindle.newKafkaProducer(Map.of())) {
            for (int i = 0; i < 4; i++) {
                producer.send(new ProducerRecord<>("timed", 0, base.plusSeconds(60L * i).toEpochMilli(), null,
                        ("minute-" + i).getBytes())).get(10, TimeUnit.SECONDS);
            }
        }

        try (Stream<SpindleRecord<String, String>> records = spindle.replay("timed")
                .fromTimestamp(base.plusSeconds(90)).untilTimestamp(base.plusSeconds(120)).stream()) {
            assertEquals(List.of("minute-2"), records.map(SpindleRecord::value).toList());
        }
    }

    @Test
    void followDeliversRecordsAppendedAfterOpening(Spindle spindle) {
        produce(spindle, "live", "old");

        try (Replay.Cursor<String, String> cursor = spindle.replay("live").fromEnd().follow().open()) {
            produce(spindle, "live", "new");
            List<String> seen = new ArrayList<>();
            await().atMost(Duration.ofSeconds(30)).until(() -> {
                cursor.poll(Duration.ofMillis(100)).forEach(record -> seen.add(record.value()));
                return !seen.isEmpty();
            });
            assertEquals(List.of("new"), seen);
            assertEquals(-1, cursor.expectedRecords());
        }
    }

    @Test
    void closingAFollowedReplayFromAnotherThreadEndsTheIteration(Spindle spindle) throws Exception {
        produce(spindle, "endless", "x");
        Replay.Cursor<String, String> cursor = spindle.replay("endless").fromEnd().follow().open();
        Thread closer = new Thread(cursor::close);

        closer.start();

        assertFalse(cursor.hasNext(), "a followed replay closed elsewhere ends instead of waiting for records");
        closer.join(10_000);
    }

    @Test
    void replayOfAnUnknownTopicFailsNamingIt(Spindle spindle) {
        UnknownTopicException error = assertThrows(UnknownTopicException.class,
                () -> spindle.replay("no-such-topic").open());

        assertEquals("Topic 'no-such-topic' does not exist", error.getMessage());
        assertFalse(spindle.admin().listTopics(false).contains("no-such-topic"), "the replay created the topic");
    }

    private static void produce(Spindle spindle, String topic, String... values) {
        for (String value : values) {
            spindle.producer().send(topic, 0, null, value, Map.of()).join();
        }
    }
}
