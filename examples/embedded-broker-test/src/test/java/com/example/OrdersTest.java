package com.example;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.spindle.test.BootstrapServers;
import io.spindle.test.EmbeddedBroker;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;

/** A broker for this class, started on a free port before the first test and stopped after the last. */
@EmbeddedBroker
class OrdersTest {

    @Test
    void publishedOrdersAreReadBackInOrder(@BootstrapServers String servers) throws Exception {
        new OrderPublisher(servers).publish("customer-7", List.of("order-1", "order-2", "order-3"));

        List<String> received = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(
                Map.of("bootstrap.servers", servers, "group.id", "billing", "auto.offset.reset", "earliest"),
                new StringDeserializer(), new StringDeserializer())) {
            consumer.subscribe(List.of("orders"));
            Instant deadline = Instant.now().plusSeconds(30);
            while (received.size() < 3 && Instant.now().isBefore(deadline)) {
                for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(200))) {
                    received.add(record.value());
                }
            }
        }

        assertEquals(List.of("order-1", "order-2", "order-3"), received);
    }
}
