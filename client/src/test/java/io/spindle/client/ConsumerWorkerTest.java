package io.spindle.client;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spindle.test.EmbeddedBroker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@EmbeddedBroker
@ExtendWith(ConnectedSpindle.class)
class ConsumerWorkerTest {
    private static final Duration WAIT = Duration.ofSeconds(30);

    @Test
    void atLeastOnceHandlesEveryRecordInOrderAndCommitsAfterIt(Spindle spindle) {
        produce(spindle, "orders", "a", "b", "c");
        List<String> seen = Collections.synchronizedList(new ArrayList<>());

        ConsumerWorker<String, String> worker = spindle.consume("billing", List.of("orders"), r -> seen.add(r.value()));

        await().atMost(WAIT).until(() -> committed(spindle, "billing", "orders") == 3L);
        assertEquals(List.of("a", "b", "c"), seen);
        assertEquals(3, worker.handled());
        worker.close();
        assertFalse(worker.isRunning());
        assertTrue(worker.failure().isEmpty(), () -> worker.failure().toString());
    }

    @Test
    void recordFailingEveryRetryGoesToDeadLetterTopicWithItsOriginAndTheWorkerMovesOn(Spindle spindle) {
        produce(spindle, "payments", "ok-1", "poison", "ok-2");
        Map<String, AtomicInteger> attempts = new ConcurrentHashMap<>();

        ConsumerWorker<String, String> worker = spindle.consumer(Serde.string(), Serde.string())
                .group("payer").topics("payments").retries(2).backoff(Duration.ofMillis(10))
                .start(record -> {
                    attempts.computeIfAbsent(record.value(), v -> new AtomicInteger()).incrementAndGet();
                    if (record.value().equals("poison")) {
                        throw new IllegalStateException("cannot pay " + record.value());
                    }
                });

        await().atMost(WAIT).until(() -> committed(spindle, "payer", "payments") == 3L);
        assertEquals(3, attempts.get("poison").get(), "one attempt and two retries");
        assertEquals(1, attempts.get("ok-2").get());
        assertEquals(1, worker.deadLettered());
        SpindleRecord<String, String> dead = spindle.replay("payments.dlq").stream().findFirst().orElseThrow();
        assertEquals("poison", dead.value());
        assertEquals("k-1", dead.key());
        assertEquals("java.lang.IllegalStateException: cannot pay poison", dead.headers().get(ConsumerWorker.ERROR_HEADER));
        assertEquals("payments", dead.headers().get(ConsumerWorker.TOPIC_HEADER));
        assertEquals("0", dead.headers().get(ConsumerWorker.PARTITION_HEADER));
        assertEquals("1", dead.headers().get(ConsumerWorker.OFFSET_HEADER));
        worker.close();
    }

    @Test
    void failureThatClearsOnRetryIsHandledWithoutDeadLetter(Spindle spindle) {
        produce(spindle, "flaky", "x");
        AtomicInteger calls = new AtomicInteger();

        ConsumerWorker<String, String> worker = spindle.consumer(Serde.string(), Serde.string())
                .group("flaky-group").topics("flaky").retries(3).backoff(Duration.ofMillis(10))
                .start(record -> {
                    if (calls.incrementAndGet() < 3) {
                        throw new IllegalStateException("not yet");
                    }
                });

        await().atMost(WAIT).until(() -> committed(spindle, "flaky-group", "flaky") == 1L);
        assertEquals(3, calls.get());
        assertEquals(1, worker.handled());
        assertEquals(0, worker.deadLettered());
        assertFalse(spindle.admin().listTopics(false).contains("flaky.dlq"));
        worker.close();
    }

    @Test
    void atMostOnceCommitsTheBatchBeforeHandlingIt(Spindle spindle) throws InterruptedException {
        produce(spindle, "alerts", "first", "second");
        CountDownLatch handling = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);

        ConsumerWorker<String, String> worker = spindle.consumer(Serde.string(), Serde.string())
                .group("pager").topics("alerts").mode(DeliveryMode.AT_MOST_ONCE)
                .start(record -> {
                    handling.countDown();
                    assertTrue(release.await(30, TimeUnit.SECONDS));
                    throw new IllegalStateException("pager down");
                });

        assertTrue(handling.await(30, TimeUnit.SECONDS));
        // The handler is still busy with the first record, yet both are committed already.
        assertEquals(2L, committed(spindle, "pager", "alerts"));
        release.countDown();
        await().atMost(WAIT).until(() -> worker.failed() == 2);
        assertEquals(0, worker.deadLettered());
        worker.close();
    }

    @Test
    void closeCommitsWhatWasHandledAndTheNextWorkerResumesAfterIt(Spindle spindle) {
        produce(spindle, "events", "1", "2", "3");
        List<String> first = Collections.synchronizedList(new ArrayList<>());
        ConsumerWorker<String, String> worker = spindle.consume("resumer", List.of("events"), r -> first.add(r.value()));
        await().atMost(WAIT).until(() -> first.size() == 3);
        worker.close();
        assertEquals(3L, committed(spindle, "resumer", "events"));

        produce(spindle, "events", "4", "5");
        List<String> second = Collections.synchronizedList(new ArrayList<>());
        ConsumerWorker<String, String> next = spindle.consume("resumer", List.of("events"), r -> second.add(r.value()));

        await().atMost(WAIT).until(() -> committed(spindle, "resumer", "events") == 5L);
        assertEquals(List.of("4", "5"), second);
        next.close();
    }

    private static void produce(Spindle spindle, String topic, String... values) {
        SpindleProducer<String, String> producer = spindle.producer();
        for (int i = 0; i < values.length; i++) {
            producer.send(topic, 0, "k-" + i, values[i], Map.of()).join();
        }
    }

    /** The group's committed offset on partition 0 of the topic, -1 if none. */
    private static long committed(Spindle spindle, String group, String topic) {
        return spindle.admin().committedOffsets(group).getOrDefault(new TopicPartition(topic, 0), -1L);
    }
}
