package io.spindle.broker.fault;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * A consumer group member (kafka-clients, partitions assigned, no rebalancing) that commits ever larger offsets for
 * every partition of a topic, again and again, while the broker dies and comes back. It remembers the last commit
 * the broker acknowledged and the last one it attempted: after any crash the committed offset must lie between them.
 */
final class OffsetCommitter implements AutoCloseable {
    static final String GROUP = "fault-test-group";

    private final AtomicLong lastAcknowledged = new AtomicLong(-1);
    private final AtomicLong lastAttempted = new AtomicLong(-1);
    private final AtomicLong failures = new AtomicLong();
    private final AtomicReference<Throwable> unexpected = new AtomicReference<>();
    private final Thread thread;
    private final List<TopicPartition> partitions = new ArrayList<>();
    private volatile boolean running = true;

    OffsetCommitter(String bootstrap, String topic, int partitionCount) {
        for (int i = 0; i < partitionCount; i++) {
            partitions.add(new TopicPartition(topic, i));
        }
        thread = new Thread(() -> run(bootstrap), "offset-committer");
        thread.setDaemon(true);
        thread.start();
    }

    static Properties consumerProperties(String bootstrap) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.GROUP_ID_CONFIG, GROUP);
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "5000");
        p.put(ConsumerConfig.REQUEST_TIMEOUT_MS_CONFIG, "5000");
        p.put(ConsumerConfig.RECONNECT_BACKOFF_MS_CONFIG, "50");
        p.put(ConsumerConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, "300");
        p.put(ConsumerConfig.RETRY_BACKOFF_MS_CONFIG, "50");
        return p;
    }

    private void run(String bootstrap) {
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(consumerProperties(bootstrap),
                new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            consumer.assign(partitions);
            for (long next = 1; running; next++) {
                Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
                for (TopicPartition tp : partitions) {
                    offsets.put(tp, new OffsetAndMetadata(next));
                }
                lastAttempted.set(next);
                try {
                    consumer.commitSync(offsets, Duration.ofSeconds(5));
                    lastAcknowledged.set(next);
                } catch (KafkaException e) {
                    failures.incrementAndGet();   // the broker is down or coming back: not acknowledged, try the next
                }
                LockSupport.parkNanos(5_000_000L);
            }
        } catch (RuntimeException e) {
            unexpected.set(e);
        }
    }

    long lastAcknowledged() {
        return lastAcknowledged.get();
    }

    /** Stops committing; returns once the last commit has been answered or has failed. */
    void stop() throws InterruptedException {
        running = false;
        thread.join(30_000);
        if (unexpected.get() != null) {
            throw new IllegalStateException("the offset committer failed", unexpected.get());
        }
    }

    /** Violations: a partition whose committed offset is below the last acknowledged commit or above the last attempt. */
    List<String> check(String bootstrap) {
        List<String> problems = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> reader = new KafkaConsumer<>(consumerProperties(bootstrap),
                new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            Map<TopicPartition, OffsetAndMetadata> committed = reader.committed(new java.util.HashSet<>(partitions),
                    Duration.ofSeconds(30));
            for (TopicPartition tp : partitions) {
                OffsetAndMetadata c = committed.get(tp);
                long offset = c == null ? -1 : c.offset();
                if (offset < lastAcknowledged.get() || offset > lastAttempted.get()) {
                    problems.add(tp + ": committed offset " + offset + ", but the last acknowledged commit was "
                            + lastAcknowledged.get() + " and the last attempted " + lastAttempted.get());
                }
            }
        }
        return problems;
    }

    @Override
    public void close() throws InterruptedException {
        stop();
    }
}
