package io.spindle.client;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spindle.test.EmbeddedBroker;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The consumer worker's exactly-once mode against a real broker: what a handler sends commits with the offsets of
 * its batch, and a handler that throws aborts the batch, whose records are then handled again; read_committed
 * consumers of the output see every input's output exactly once.
 */
@EmbeddedBroker
@ExtendWith(ConnectedSpindle.class)
class ExactlyOnceWorkerTest {
    private static final Duration WAIT = Duration.ofSeconds(30);

    @Test
    void aHandlerFailureAbortsTheBatchAndItsSendsAndTheBatchIsHandledAgain(Spindle spindle) {
        List<String> inputs = IntStream.range(0, 20).mapToObj(i -> "t" + i).toList();
        produce(spindle, "transfers", inputs);
        AtomicInteger failuresLeft = new AtomicInteger(1);

        ConsumerWorker<String, String> worker = spindle.consumer(Serde.string(), Serde.string())
                .group("ledger").topics("transfers").backoff(Duration.ofMillis(10))
                .startExactlyOnce(Serde.string(), Serde.string(), (record, output) -> {
                    output.send("debits", record.key(), "debit " + record.value());
                    if (record.value().equals("t13") && failuresLeft.getAndDecrement() > 0) {
                        throw new IllegalStateException("ledger unavailable at " + record.value());
                    }
                    output.send("credits", record.key(), "credit " + record.value());
                });

        await().atMost(WAIT).until(() -> committed(spindle, "ledger", "transfers") == 20L);
        assertEquals(inputs.stream().map(v -> "debit " + v).toList(), read(spindle, "debits", "read_committed", 20));
        assertEquals(inputs.stream().map(v -> "credit " + v).toList(), read(spindle, "credits", "read_committed", 20));
        // The failed batch's records up to t13 were handled twice, their first debits aborted (those the producer had
        // sent by then are in the log, skipped by read_committed: how many depends on its batching, so not counted).
        assertEquals(1, worker.failed());
        assertEquals(20, worker.handled());
        worker.close();
        assertTrue(worker.failure().isEmpty(), () -> worker.failure().toString());
    }

    @Test
    void aRecordFailingEveryRetryGoesToTheDeadLetterTopicInsideTheTransaction(Spindle spindle) {
        produce(spindle, "refunds", List.of("r0", "poison", "r2"));
        AtomicInteger poisonAttempts = new AtomicInteger();

        ConsumerWorker<String, String> worker = spindle.consumer(Serde.string(), Serde.string())
                .group("refunder").topics("refunds").retries(1).backoff(Duration.ofMillis(10))
                .startExactlyOnce(Serde.string(), Serde.string(), (record, output) -> {
                    output.send("refunded", record.key(), record.value());
                    if (record.value().equals("poison")) {
                        poisonAttempts.incrementAndGet();
                        throw new IllegalArgumentException("cannot refund " + record.value());
                    }
                });

        await().atMost(WAIT).until(() -> committed(spindle, "refunder", "refunds") == 3L);
        assertEquals(List.of("r0", "r2"), read(spindle, "refunded", "read_committed", 2));
        assertEquals(List.of("poison"), read(spindle, "refunds.dlq", "read_committed", 1));
        assertEquals(2, poisonAttempts.get(), "one attempt and one retry");
        assertEquals(1, worker.deadLettered());
        worker.close();
    }

    @Test
    void anExactlyOnceWorkerCannotBeStartedWithAPlainHandler(Spindle spindle) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> spindle
                .consumer(Serde.string(), Serde.string()).group("g").topics("t").mode(DeliveryMode.EXACTLY_ONCE)
                .start(record -> { }));
        assertTrue(e.getMessage().contains("startExactlyOnce"), e.getMessage());
    }

    private static void produce(Spindle spindle, String topic, List<String> values) {
        SpindleProducer<String, String> producer = spindle.producer();
        for (int i = 0; i < values.size(); i++) {
            producer.send(topic, 0, "k-" + i, values.get(i), Map.of()).join();
        }
    }

    /** The values of partition 0 of {@code topic} from the start, read until {@code count} arrived, plus one more poll. */
    private static List<String> read(Spindle spindle, String topic, String isolation, int count) {
        TopicPartition partition = new TopicPartition(topic, 0);
        try (KafkaConsumer<byte[], byte[]> consumer = spindle.newKafkaConsumer(Map.of(
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolation))) {
            consumer.assign(List.of(partition));
            consumer.seekToBeginning(List.of(partition));
            List<String> values = new ArrayList<>();
            await().atMost(WAIT).until(() -> {
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(100))) {
                    values.add(new String(record.value(), StandardCharsets.UTF_8));
                }
                return values.size() >= count;
            });
            consumer.poll(Duration.ofMillis(300)).forEach(r -> values.add(new String(r.value(), StandardCharsets.UTF_8)));
            return values;
        }
    }

    private static long committed(Spindle spindle, String group, String topic) {
        return spindle.admin().committedOffsets(group).getOrDefault(new TopicPartition(topic, 0), -1L);
    }
}
