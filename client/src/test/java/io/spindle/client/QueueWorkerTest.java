package io.spindle.client;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spindle.test.EmbeddedBroker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.common.config.ConfigResource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * {@code spindle.queue}: a pool of share consumers (KIP-932) against a real broker, as the README's coffee shop: a
 * cashier produces tickets, baristas take them one at a time, and a ticket a barista fails on goes to another.
 */
@EmbeddedBroker
@ExtendWith(ConnectedSpindle.class)
class QueueWorkerTest {
    private static final Duration WAIT = Duration.ofSeconds(60);

    private static void produce(Spindle spindle, String topic, int count) {
        SpindleProducer<String, String> cashier = spindle.producer();
        for (int i = 0; i < count; i++) {
            cashier.send(topic, "order-" + i, "latte #" + i).join();
        }
    }

    @Test
    void everyTicketIsMadeOnceAndTheBaristasShareTheWork(Spindle spindle) {
        spindle.admin().createTopic("tickets", 1, Map.of());
        produce(spindle, "tickets", 40);   // before any barista: a new queue group starts at the earliest ticket
        Map<String, String> madeBy = new ConcurrentHashMap<>();
        List<String> twice = Collections.synchronizedList(new ArrayList<>());
        Set<String> atWork = ConcurrentHashMap.newKeySet();
        try (QueueWorker<String, String> baristas = spindle.queue(Serde.string(), Serde.string()).group("baristas")
                .topics("tickets").workers(4).start(ticket -> {
                    // A barista holds its ticket until another one has taken one too: each holds one record at a
                    // time, so the others must be handed the tickets behind it.
                    atWork.add(Thread.currentThread().getName());
                    await().atMost(WAIT).until(() -> atWork.size() > 1);
                    if (madeBy.put(ticket.value(), Thread.currentThread().getName()) != null) {
                        twice.add(ticket.value());
                    }
                })) {
            await().atMost(WAIT).until(() -> baristas.handled() == 40);
            assertEquals(40, madeBy.size());
            assertEquals(List.of(), twice);
            assertTrue(new HashSet<>(madeBy.values()).size() > 1, "several baristas worked: " + madeBy.values());
            assertTrue(baristas.failure().isEmpty());
        }
    }

    @Test
    void aTicketABaristaFailsOnIsMadeByAnother(Spindle spindle) throws Exception {
        spindle.admin().createTopic("orders-in", 1, Map.of());
        // The broker holds a released ticket back 2 s (Spindle's redelivery backoff), so the clumsy barista, always
        // first to ask, does not take it again at once; it leaves meanwhile.
        spindle.admin().kafka().incrementalAlterConfigs(Map.of(new ConfigResource(ConfigResource.Type.GROUP, "bar"),
                List.of(new AlterConfigOp(new ConfigEntry("spindle.share.redelivery.backoff.ms", "2000"),
                        AlterConfigOp.OpType.SET)))).all().get();
        AtomicReference<String> failed = new AtomicReference<>();
        QueueWorker<String, String> clumsy = spindle.queue(Serde.string(), Serde.string()).group("bar")
                .topics("orders-in").workers(1).start(ticket -> {
                    failed.compareAndSet(null, ticket.value());
                    throw new IllegalStateException("the milk frother broke on " + ticket.value());
                });
        produce(spindle, "orders-in", 5);
        await().atMost(WAIT).pollInterval(Duration.ofMillis(10)).until(() -> clumsy.released() >= 1);
        clumsy.close();
        assertFalse(clumsy.isRunning());

        Set<String> made = ConcurrentHashMap.newKeySet();
        try (QueueWorker<String, String> good = spindle.queue(Serde.string(), Serde.string()).group("bar")
                .topics("orders-in").workers(2).start(ticket -> made.add(ticket.value()))) {
            await().atMost(WAIT).until(() -> made.size() == 5);
            assertTrue(made.contains(failed.get()), failed.get() + " was made by a working barista");
            assertEquals(5, good.handled());
        }
    }

    @Test
    void aQueueNeedsAGroupATopicAndAWorker(Spindle spindle) {
        assertThrows(IllegalArgumentException.class, () -> spindle.queue(Serde.string(), Serde.string())
                .topics("t").start(r -> { }));
        assertThrows(IllegalArgumentException.class, () -> spindle.queue(Serde.string(), Serde.string())
                .group("g").start(r -> { }));
        assertThrows(IllegalArgumentException.class, () -> spindle.queue(Serde.string(), Serde.string()).workers(0));
    }
}
