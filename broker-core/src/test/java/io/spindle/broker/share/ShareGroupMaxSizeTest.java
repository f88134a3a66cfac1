package io.spindle.broker.share;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spindle.broker.LocalBroker;
import io.spindle.config.BrokerConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.consumer.KafkaShareConsumer;
import org.apache.kafka.common.errors.GroupMaxSizeReachedException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** group.share.max.size with kafka-clients' KafkaShareConsumer: a member beyond it gets GROUP_MAX_SIZE_REACHED. */
class ShareGroupMaxSizeTest {
    private static final String TOPIC = "tasks";
    private static final Duration WAIT = Duration.ofSeconds(30);

    @TempDir
    Path dataDir;
    private LocalBroker broker;
    private final List<KafkaShareConsumer<byte[], byte[]>> consumers = new ArrayList<>();

    @BeforeEach
    void start() {
        broker = LocalBroker.start(dataDir, Map.of(BrokerConfig.GROUP_SHARE_MAX_SIZE, "2"));
        broker.createTopic(TOPIC, 1);
    }

    @AfterEach
    void stop() {
        consumers.forEach(consumer -> consumer.close(Duration.ofSeconds(5)));
        broker.close();
    }

    private KafkaShareConsumer<byte[], byte[]> consumer(String group) {
        KafkaShareConsumer<byte[], byte[]> consumer = broker.shareConsumer(group, Map.of());
        consumer.subscribe(List.of(TOPIC));
        consumers.add(consumer);
        return consumer;
    }

    private int members(String group) throws Exception {
        return broker.broker().shareCoordinator().membership().memberCounts().get(5, TimeUnit.SECONDS)
                .getOrDefault(group, 0);
    }

    @Test
    void aConsumerJoiningAFullShareGroupGetsGroupMaxSizeReachedAndOtherGroupsAreNotHeldBack() throws Exception {
        KafkaShareConsumer<byte[], byte[]> first = consumer("crew");
        KafkaShareConsumer<byte[], byte[]> second = consumer("crew");
        await().atMost(WAIT).until(() -> {
            first.poll(Duration.ofMillis(50));
            second.poll(Duration.ofMillis(50));
            return members("crew") == 2;
        });

        KafkaShareConsumer<byte[], byte[]> third = consumer("crew");
        AtomicReference<RuntimeException> failure = new AtomicReference<>();
        await().atMost(WAIT).until(() -> {
            try {
                third.poll(Duration.ofMillis(50));
                return false;
            } catch (RuntimeException e) {
                failure.set(e);
                return true;
            }
        });
        assertTrue(failure.get() instanceof GroupMaxSizeReachedException, String.valueOf(failure.get()));
        assertEquals(2, members("crew"), "the refused consumer did not join");

        KafkaShareConsumer<byte[], byte[]> elsewhere = consumer("other-crew");
        await().atMost(WAIT).until(() -> {
            elsewhere.poll(Duration.ofMillis(50));
            return members("other-crew") == 1;
        });
    }
}
