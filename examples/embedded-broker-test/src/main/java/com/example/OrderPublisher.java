package com.example;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;

/** The code under test: publishes a customer's orders to the "orders" topic, in order, keyed by the customer. */
public final class OrderPublisher {
    private final String bootstrapServers;

    public OrderPublisher(String bootstrapServers) {
        this.bootstrapServers = bootstrapServers;
    }

    public void publish(String customer, List<String> orders) throws ExecutionException, InterruptedException {
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(
                Map.of("bootstrap.servers", bootstrapServers), new StringSerializer(), new StringSerializer())) {
            for (String order : orders) {
                producer.send(new ProducerRecord<>("orders", customer, order)).get();
            }
        }
    }
}
