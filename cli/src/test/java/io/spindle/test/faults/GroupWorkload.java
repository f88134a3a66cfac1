package io.spindle.test.faults;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * Consumers of one group (kafka-clients, classic protocol, subscribed to the topic) that read while the faults strike
 * and commit what they read after each poll. They record every record read ({@code partition, offset -> value}: two
 * different values read at one offset is a violation, since a consumer must only see what stays) and every commit the
 * coordinator acknowledged, per partition the highest: the group's committed offset must never fall below it.
 * Commit errors (no coordinator, a rebalance, a timeout) are expected during faults: counted, and the next poll's
 * commit tries again.
 */
final class GroupWorkload implements AutoCloseable {
    private final List<KafkaConsumer<String, String>> consumers = new ArrayList<>();
    private final List<Thread> threads = new ArrayList<>();
    private final Map<Long, String>[] read;
    private final List<String> problems = new CopyOnWriteArrayList<>();
    private final Map<Integer, Long> highestAcknowledgedCommit = new ConcurrentHashMap<>();
    private final AtomicLong commits = new AtomicLong();
    private final AtomicLong failedCommits = new AtomicLong();
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private volatile boolean running = true;

    @SuppressWarnings("unchecked")
    GroupWorkload(String bootstrap, String topic, String group, int partitions, int count) {
        read = new Map[partitions];
        for (int p = 0; p < partitions; p++) {
            read[p] = new ConcurrentHashMap<>();
        }
        for (int i = 0; i < count; i++) {
            KafkaConsumer<String, String> consumer = new KafkaConsumer<>(properties(bootstrap, group, i),
                    new StringDeserializer(), new StringDeserializer());
            consumers.add(consumer);
            Thread thread = new Thread(() -> run(consumer, topic), "fault-consumer-" + i);
            thread.setDaemon(true);
            threads.add(thread);
        }
        threads.forEach(Thread::start);
    }

    static Properties properties(String bootstrap, String group, int id) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, "fault-consumer-" + id);
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, "10000");
        p.put(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, "1000");
        p.put(ConsumerConfig.REQUEST_TIMEOUT_MS_CONFIG, "5000");
        p.put(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "5000");
        p.put(ConsumerConfig.RECONNECT_BACKOFF_MS_CONFIG, "50");
        p.put(ConsumerConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, "500");
        p.put(ConsumerConfig.RETRY_BACKOFF_MS_CONFIG, "50");
        p.put(ConsumerConfig.METADATA_MAX_AGE_CONFIG, "5000");
        p.put(ConsumerConfig.CHECK_CRCS_CONFIG, "true");
        return p;
    }

    private void run(KafkaConsumer<String, String> consumer, String topic) {
        try {
            consumer.subscribe(List.of(topic));
            while (running) {
                Map<TopicPartition, OffsetAndMetadata> next = new HashMap<>();
                for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(200))) {
                    String before = read[record.partition()].putIfAbsent(record.offset(), record.value());
                    if (before != null && !before.equals(record.value())) {
                        problems.add("partition " + record.partition() + " offset " + record.offset() + " was read as "
                                + before + " and later as " + record.value());
                    }
                    next.put(new TopicPartition(record.topic(), record.partition()),
                            new OffsetAndMetadata(record.offset() + 1));
                }
                if (!next.isEmpty()) {
                    commit(consumer, next);
                }
            }
        } catch (WakeupException stopping) {
            // close() woke it
        } catch (RuntimeException e) {
            failure.compareAndSet(null, e);
        } finally {
            consumer.close(Duration.ofSeconds(5));      // leaves the group; a consumer is closed on its own thread
        }
    }

    private void commit(KafkaConsumer<String, String> consumer, Map<TopicPartition, OffsetAndMetadata> offsets) {
        try {
            consumer.commitSync(offsets, Duration.ofSeconds(5));
            commits.incrementAndGet();
            offsets.forEach((tp, offset) -> highestAcknowledgedCommit.merge(tp.partition(), offset.offset(), Math::max));
        } catch (WakeupException stopping) {
            throw stopping;
        } catch (KafkaException notAcknowledged) {
            failedCommits.incrementAndGet();    // no coordinator, a rebalance or a timeout during a fault
        }
    }

    /** What the consumers read at {@code offset} of {@code partition}, or null. */
    String readAt(int partition, long offset) {
        return read[partition].get(offset);
    }

    int recordsRead() {
        return Arrays.stream(read).mapToInt(Map::size).sum();
    }

    /** Per partition, the highest offset a commit the coordinator acknowledged named. */
    Map<Integer, Long> highestAcknowledgedCommits() {
        return Map.copyOf(highestAcknowledgedCommit);
    }

    long commits() {
        return commits.get();
    }

    long failedCommits() {
        return failedCommits.get();
    }

    /** Violations seen while reading (one offset read with two values). */
    List<String> problems() {
        return List.copyOf(problems);
    }

    /** Stops the consumers (each leaves the group) and throws what a consumer thread failed with, if anything. */
    void stop() throws InterruptedException {
        running = false;
        for (Thread thread : threads) {
            thread.join(Duration.ofSeconds(15).toMillis());
        }
        if (failure.get() != null) {
            throw new IllegalStateException("a consumer thread failed", failure.get());
        }
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        consumers.forEach(KafkaConsumer::wakeup);
        for (Thread thread : threads) {
            thread.join(Duration.ofSeconds(15).toMillis());
        }
    }
}
