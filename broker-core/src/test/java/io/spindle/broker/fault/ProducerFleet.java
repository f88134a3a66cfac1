package io.spindle.broker.fault;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Idempotent acks=all producers (kafka-clients), each on its own thread, sending what a {@link Workload} makes and
 * telling it of every acknowledgement and every failed send. The default workload sends unique keys with random
 * values round-robin over a topic's partitions into an {@link AckLedger}. By default they keep going while the broker
 * dies and comes back: the client retries and reconnects for minutes; settings given to the constructor override
 * that (e.g. to see errors soon).
 */
final class ProducerFleet implements AutoCloseable {
    /**
     * What the producers send, and the bookkeeping of it. Each producer thread calls {@link #next} for its own
     * sequence of records; the callbacks come on the client's I/O thread. Implementations must be thread-safe.
     */
    interface Workload {
        /** The {@code sequence}-th record producer {@code producer} sends, already recorded as sent. */
        ProducerRecord<byte[], byte[]> next(int producer, long sequence, Random random);

        void acked(ProducerRecord<byte[], byte[]> record, RecordMetadata metadata);

        /** A send that ended in an error: not acknowledged, though the broker may have stored it. */
        void failed(ProducerRecord<byte[], byte[]> record, Exception error);
    }

    /** Unique keys ({@link AckLedger#key}) with random values of 20 to 419 bytes, round-robin over the partitions. */
    static Workload uniqueKeys(String topic, int partitions, AckLedger ledger) {
        return new Workload() {
            @Override
            public ProducerRecord<byte[], byte[]> next(int producer, long sequence, Random random) {
                String key = AckLedger.key(producer, sequence);
                byte[] value = new byte[20 + random.nextInt(400)];
                random.nextBytes(value);
                ledger.sent(key, AckLedger.hash(value));
                return new ProducerRecord<>(topic, (int) (sequence % partitions), key.getBytes(), value);
            }

            @Override
            public void acked(ProducerRecord<byte[], byte[]> record, RecordMetadata metadata) {
                ledger.acked(new String(record.key()), metadata.partition(), metadata.offset());
            }

            @Override
            public void failed(ProducerRecord<byte[], byte[]> record, Exception error) {
                ledger.failed(new String(record.key()), record.partition(), error);
            }
        };
    }

    private final List<KafkaProducer<byte[], byte[]>> producers = new ArrayList<>();
    private final List<Thread> threads = new ArrayList<>();
    private final Workload workload;
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private final AtomicLong failedSends = new AtomicLong();
    /** Held (shared) by each producer thread around one send; {@link #pauseAndDrain} takes it exclusively. */
    private final ReentrantReadWriteLock sending = new ReentrantReadWriteLock(true);
    private volatile boolean running = true;

    ProducerFleet(String bootstrap, String topic, int partitions, int count, long seed, AckLedger ledger) {
        this(bootstrap, topic, partitions, count, seed, ledger, Map.of());
    }

    /** As above, with kafka-clients producer settings that override the defaults here. */
    ProducerFleet(String bootstrap, String topic, int partitions, int count, long seed, AckLedger ledger,
                  Map<String, String> overrides) {
        this(bootstrap, count, seed, uniqueKeys(topic, partitions, ledger), overrides);
    }

    /** {@code count} producers sending what {@code workload} makes; {@code overrides} as above. */
    ProducerFleet(String bootstrap, int count, long seed, Workload workload, Map<String, String> overrides) {
        this.workload = workload;
        for (int i = 0; i < count; i++) {
            Properties p = new Properties();
            p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
            p.put(ProducerConfig.ACKS_CONFIG, "all");
            p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
            p.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, "5");
            p.put(ProducerConfig.LINGER_MS_CONFIG, "2");
            p.put(ProducerConfig.BATCH_SIZE_CONFIG, "16384");
            p.put(ProducerConfig.RETRIES_CONFIG, Integer.toString(Integer.MAX_VALUE));
            p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "300000");
            p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, "10000");
            p.put(ProducerConfig.RETRY_BACKOFF_MS_CONFIG, "50");
            p.put(ProducerConfig.RECONNECT_BACKOFF_MS_CONFIG, "50");
            p.put(ProducerConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, "300");
            p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, "300000");
            p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
            p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
            p.put(ProducerConfig.CLIENT_ID_CONFIG, "fault-producer-" + i);
            p.putAll(overrides);
            KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p);
            producers.add(producer);
            int id = i;
            Random random = new Random(seed * 31 + i);
            Thread t = new Thread(() -> run(producer, id, random), "fault-producer-" + i);
            t.setDaemon(true);
            threads.add(t);
        }
        threads.forEach(Thread::start);
    }

    private void run(KafkaProducer<byte[], byte[]> producer, int id, Random random) {
        Semaphore outstanding = new Semaphore(500);
        try {
            for (long seq = 0; running; seq++) {
                outstanding.acquire();
                sending.readLock().lock();
                try {
                    if (!running) {
                        break;
                    }
                    ProducerRecord<byte[], byte[]> record = workload.next(id, seq, random);
                    producer.send(record, (md, e) -> {
                        outstanding.release();
                        if (e == null) {
                            workload.acked(record, md);
                        } else {
                            failedSends.incrementAndGet();
                            workload.failed(record, e);
                        }
                    });
                } finally {
                    sending.readLock().unlock();
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            failure.compareAndSet(null, e);
        }
    }

    /**
     * Holds every producer before its next send and waits until every send so far is answered (acknowledged or
     * failed), so that the log stays as it is until {@link #resume}. Call both from the same thread.
     */
    void pauseAndDrain() {
        sending.writeLock().lock();
        for (KafkaProducer<byte[], byte[]> producer : producers) {
            producer.flush();
        }
        throwIfFailed();
    }

    /** Lets the producers go on after {@link #pauseAndDrain}. */
    void resume() {
        sending.writeLock().unlock();
    }

    /** Sends that ended in an error (allowed: they were not acknowledged; the ledger still knows them as sent). */
    long failedSends() {
        return failedSends.get();
    }

    /** Stops sending, waits for every outstanding send to be answered, closes the producers. */
    void stopAndDrain() throws InterruptedException {
        running = false;
        for (Thread t : threads) {
            t.join(Duration.ofSeconds(60).toMillis());
        }
        for (KafkaProducer<byte[], byte[]> producer : producers) {
            producer.flush();
        }
        throwIfFailed();
    }

    private void throwIfFailed() {
        if (failure.get() != null) {
            throw new IllegalStateException("a producer thread failed", failure.get());
        }
    }

    @Override
    public void close() {
        running = false;
        for (KafkaProducer<byte[], byte[]> producer : producers) {
            producer.close(Duration.ofSeconds(10));
        }
    }
}
