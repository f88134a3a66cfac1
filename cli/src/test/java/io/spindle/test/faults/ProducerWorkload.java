package io.spindle.test.faults;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Idempotent acks=all producers (kafka-clients), each on its own thread, sending unique values round-robin over a
 * topic's partitions at a bounded rate and recording every acknowledgement and failure in an {@link AckHistory}.
 *
 * <p>Each producer keeps at most {@value #MAX_OUTSTANDING_PER_PARTITION} sends outstanding per partition and skips a
 * partition that has that many, so that a partition without a leader (its broker killed, paused or cut off) does not
 * hold up the others: the history then shows which partitions stayed available. Sends are retried by the client for
 * {@value #DELIVERY_TIMEOUT_MS} ms, longer than any fault of the run lasts.
 */
final class ProducerWorkload implements AutoCloseable {
    static final int MAX_OUTSTANDING_PER_PARTITION = 50;
    static final int DELIVERY_TIMEOUT_MS = 180_000;

    private final List<KafkaProducer<String, String>> producers = new ArrayList<>();
    private final List<Thread> threads = new ArrayList<>();
    private final AckHistory history;
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private volatile boolean running = true;

    /**
     * Starts {@code count} producers, each sending at most {@code recordsPerSecond} records a second to the
     * {@link AckHistory#partitions()} partitions of {@code topic}.
     */
    ProducerWorkload(String bootstrap, String topic, int count, int recordsPerSecond, AckHistory history) {
        this.history = history;
        for (int i = 0; i < count; i++) {
            KafkaProducer<String, String> producer = new KafkaProducer<>(properties(bootstrap, i),
                    new StringSerializer(), new StringSerializer());
            producers.add(producer);
            int id = i;
            Thread thread = new Thread(() -> run(producer, id, topic, recordsPerSecond), "fault-producer-" + i);
            thread.setDaemon(true);
            threads.add(thread);
        }
        threads.forEach(Thread::start);
    }

    private static Properties properties(String bootstrap, int id) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.CLIENT_ID_CONFIG, "fault-producer-" + id);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        p.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, "5");
        p.put(ProducerConfig.LINGER_MS_CONFIG, "5");
        p.put(ProducerConfig.RETRIES_CONFIG, Integer.toString(Integer.MAX_VALUE));
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, Integer.toString(DELIVERY_TIMEOUT_MS));
        p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, "5000");
        p.put(ProducerConfig.RETRY_BACKOFF_MS_CONFIG, "50");
        p.put(ProducerConfig.RECONNECT_BACKOFF_MS_CONFIG, "50");
        p.put(ProducerConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, "500");
        p.put(ProducerConfig.METADATA_MAX_AGE_CONFIG, "5000");
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, Integer.toString(DELIVERY_TIMEOUT_MS));
        return p;
    }

    private void run(KafkaProducer<String, String> producer, int id, String topic, int recordsPerSecond) {
        int partitions = history.partitions();
        AtomicIntegerArray outstanding = new AtomicIntegerArray(partitions);
        long intervalNanos = 1_000_000_000L / recordsPerSecond;
        long nextSend = System.nanoTime();
        try {
            for (long sequence = 0; running; ) {
                int partition = (int) (sequence % partitions);
                if (outstanding.get(partition) >= MAX_OUTSTANDING_PER_PARTITION
                        && !anyBelowCap(outstanding)) {
                    LockSupport.parkNanos(1_000_000L);      // every partition is stalled: wait for an answer
                    continue;
                }
                while (outstanding.get(partition) >= MAX_OUTSTANDING_PER_PARTITION) {
                    partition = (partition + 1) % partitions;      // answers only lower the counts: one is below
                }
                LockSupport.parkNanos(nextSend - System.nanoTime());
                nextSend = Math.max(nextSend + intervalNanos, System.nanoTime() - 10 * intervalNanos);
                String value = AckHistory.value(id, sequence++);
                history.sent(value);
                outstanding.incrementAndGet(partition);
                int sentTo = partition;
                producer.send(new ProducerRecord<>(topic, partition, null, value), (metadata, error) -> {
                    outstanding.decrementAndGet(sentTo);
                    if (error == null) {
                        history.acked(value, metadata.partition(), metadata.offset());
                    } else {
                        history.failed();
                    }
                });
            }
        } catch (RuntimeException e) {
            failure.compareAndSet(null, e);
        }
    }

    private static boolean anyBelowCap(AtomicIntegerArray outstanding) {
        for (int p = 0; p < outstanding.length(); p++) {
            if (outstanding.get(p) < MAX_OUTSTANDING_PER_PARTITION) {
                return true;
            }
        }
        return false;
    }

    /** Stops sending and waits until every send so far is answered (acknowledged or failed). */
    void stopAndDrain() throws InterruptedException {
        running = false;
        for (Thread thread : threads) {
            thread.join(Duration.ofSeconds(30).toMillis());
        }
        producers.forEach(KafkaProducer::flush);
        if (failure.get() != null) {
            throw new IllegalStateException("a producer thread failed", failure.get());
        }
    }

    @Override
    public void close() {
        running = false;
        producers.forEach(producer -> producer.close(Duration.ofSeconds(10)));
    }
}
