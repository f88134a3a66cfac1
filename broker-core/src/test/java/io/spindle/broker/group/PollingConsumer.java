package io.spindle.broker.group;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;

/**
 * A KafkaConsumer subscribed to one topic, polled on its own thread (a consumer is single-threaded). It keeps
 * every record it received, its current assignment and how often partitions were assigned to it; after each
 * poll it commits synchronously when {@code commitAfterPoll}. {@link #close()} closes it cleanly (leaving the
 * group); {@link #abandon()} stops polling but never closes it.
 */
final class PollingConsumer implements AutoCloseable {
    final String name;
    private final KafkaConsumer<String, String> consumer;
    private final Thread thread;
    private final boolean commitAfterPoll;
    private final ConcurrentLinkedQueue<ConsumerRecord<String, String>> received = new ConcurrentLinkedQueue<>();
    private final AtomicReference<Set<TopicPartition>> assignment = new AtomicReference<>(Set.of());
    private final AtomicInteger assignedCallbacks = new AtomicInteger();
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private volatile boolean running = true;
    private volatile boolean closeOnExit = true;

    PollingConsumer(String name, Properties properties, String topic, boolean commitAfterPoll) {
        this.name = name;
        this.commitAfterPoll = commitAfterPoll;
        this.consumer = new KafkaConsumer<>(properties);
        this.thread = new Thread(() -> run(topic), "test-consumer-" + name);
        thread.setDaemon(true);
        thread.start();
    }

    private void run(String topic) {
        try {
            consumer.subscribe(List.of(topic), new ConsumerRebalanceListener() {
                @Override
                public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
                }

                @Override
                public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
                    assignedCallbacks.incrementAndGet();
                }
            });
            while (running) {
                ConsumerRecords<String, String> records = consumer.poll(Duration.ofMillis(100));
                records.forEach(received::add);
                assignment.set(Set.copyOf(consumer.assignment()));
                if (commitAfterPoll && !records.isEmpty()) {
                    consumer.commitSync();
                }
            }
        } catch (WakeupException e) {
            // closing
        } catch (RuntimeException e) {
            failure.set(e);
        } finally {
            if (closeOnExit) {
                consumer.close(Duration.ofSeconds(10));
            }
        }
    }

    Set<TopicPartition> assignment() {
        return assignment.get();
    }

    List<String> values() {
        List<String> values = new ArrayList<>();
        for (ConsumerRecord<String, String> r : received) {
            values.add(r.value());
        }
        return values;
    }

    List<ConsumerRecord<String, String>> records() {
        return new ArrayList<>(received);
    }

    int assignedCallbacks() {
        return assignedCallbacks.get();
    }

    Throwable failure() {
        return failure.get();
    }

    /** Stops polling without closing: the consumer's heartbeats go on only as long as its client does them alone. */
    void abandon() throws InterruptedException {
        closeOnExit = false;
        running = false;
        thread.join(10_000);
    }

    @Override
    public void close() throws InterruptedException {
        if (!running) {
            return;
        }
        running = false;
        thread.join(20_000);
    }
}
