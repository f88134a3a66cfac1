package io.spindle.broker.fault;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.Random;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Transactional producers, one thread each, running transactions back to back against a broker that is killed and
 * started again under them: each transaction writes {@code size} records spread over every partition, then commits
 * (three in four, seeded) or aborts, and tells the {@link TxnLedger} what it was told. When the broker dies under a
 * producer, the transaction is uncertain; the producer is closed and a new one with the same transactional id takes
 * over (its initTransactions fences the old epoch, and the coordinator aborts or completes what was left).
 */
final class TransactionalFleet implements AutoCloseable {
    private final List<Thread> threads = new ArrayList<>();
    private final List<String> errors = new ArrayList<>();
    private volatile boolean stopping;

    TransactionalFleet(String bootstrap, String topic, int partitions, int producers, int size, long seed,
                       TxnLedger ledger) {
        for (int p = 0; p < producers; p++) {
            String id = "crash-txn-" + p;
            Random random = new Random(seed + p);
            Thread thread = new Thread(() -> run(bootstrap, topic, partitions, id, size, random, ledger), id);
            thread.setDaemon(true);
            threads.add(thread);
            thread.start();
        }
    }

    static KafkaProducer<byte[], byte[]> producer(String bootstrap, String transactionalId, int timeoutMs) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId);
        p.put(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, timeoutMs);
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 20_000);
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 20_000);
        p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 5_000);
        p.put(ProducerConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, 200);
        p.put(ProducerConfig.LINGER_MS_CONFIG, 1);
        return new KafkaProducer<>(p);
    }

    private void run(String bootstrap, String topic, int partitions, String id, int size, Random random,
                     TxnLedger ledger) {
        KafkaProducer<byte[], byte[]> producer = null;
        int number = 0;
        while (!stopping) {
            String txn = null;
            try {
                if (producer == null) {
                    producer = producer(bootstrap, id, 10_000);
                    producer.initTransactions();
                }
                txn = id + "/" + number++;
                ledger.begun(txn, size);
                producer.beginTransaction();
                for (int i = 0; i < size; i++) {
                    producer.send(new ProducerRecord<>(topic, i % partitions, txn.getBytes(),
                            TxnLedger.value(txn, i).getBytes()));
                }
                if (random.nextInt(4) != 0) {
                    ledger.committing(txn);
                    producer.commitTransaction();
                    ledger.ended(txn, true);
                } else {
                    producer.abortTransaction();
                    ledger.ended(txn, false);
                }
            } catch (RuntimeException e) {
                if (txn != null) {
                    ledger.failed(txn);
                }
                if (producer != null) {
                    producer.close(Duration.ZERO);
                    producer = null;
                }
                if (!(e instanceof KafkaException)) {
                    synchronized (errors) {
                        errors.add(id + ": " + e);
                    }
                }
            }
        }
        if (producer != null) {
            producer.close(Duration.ofSeconds(5));
        }
    }

    /** Stops after each producer's current transaction and waits for the threads. */
    void stop() throws InterruptedException {
        stopping = true;
        for (Thread thread : threads) {
            thread.join(Duration.ofSeconds(90).toMillis());
            if (thread.isAlive()) {
                throw new IllegalStateException(thread.getName() + " did not stop within 90 s");
            }
        }
    }

    /** Failures other than the client's own exceptions (test bugs). */
    List<String> unexpectedErrors() {
        synchronized (errors) {
            return List.copyOf(errors);
        }
    }

    @Override
    public void close() throws InterruptedException {
        stop();
    }
}
