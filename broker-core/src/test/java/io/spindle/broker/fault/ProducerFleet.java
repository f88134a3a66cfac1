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
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Idempotent acks=all producers (kafka-clients) sending unique keys with random values round-robin over a
 * topic's partitions, each on its own thread, recording every send, every acknowledgement and every failed send in
 * an {@link AckLedger}. By default they keep going while the broker dies and comes back: the client retries and
 * reconnects for minutes; settings given to the constructor override that (e.g. to see errors soon).
 */
final class ProducerFleet implements AutoCloseable {
    private final List<KafkaProducer<byte[], byte[]>> producers = new ArrayList<>();
    private final List<Thread> threads = new ArrayList<>();
    private final AckLedger ledger;
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private final AtomicLong failedSends = new AtomicLong();
    private volatile boolean running = true;

    ProducerFleet(String bootstrap, String topic, int partitions, int count, long seed, AckLedger ledger) {
        this(bootstrap, topic, partitions, count, seed, ledger, Map.of());
    }

    /** As above, with kafka-clients producer settings that override the defaults here. */
    ProducerFleet(String bootstrap, String topic, int partitions, int count, long seed, AckLedger ledger,
                  Map<String, String> overrides) {
        this.ledger = ledger;
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
            Thread t = new Thread(() -> run(producer, id, topic, partitions, random), "fault-producer-" + i);
            t.setDaemon(true);
            threads.add(t);
        }
        threads.forEach(Thread::start);
    }

    private void run(KafkaProducer<byte[], byte[]> producer, int id, String topic, int partitions, Random random) {
        Semaphore outstanding = new Semaphore(500);
        try {
            for (long seq = 0; running; seq++) {
                String key = AckLedger.key(id, seq);
                byte[] value = new byte[20 + random.nextInt(400)];
                random.nextBytes(value);
                ledger.sent(key, AckLedger.hash(value));
                outstanding.acquire();
                int partition = (int) (seq % partitions);
                producer.send(new ProducerRecord<>(topic, partition, key.getBytes(), value), (md, e) -> {
                    outstanding.release();
                    if (e == null) {
                        ledger.acked(key, md.partition(), md.offset());
                    } else {
                        failedSends.incrementAndGet();
                        ledger.failed(key, partition, e);
                    }
                });
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            failure.compareAndSet(null, e);
        }
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
