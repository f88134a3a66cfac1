package io.spindle.client;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A consumer group member on a thread of its own that polls its topics and hands each record to a
 * {@link RecordHandler}, committing offsets as its {@link DeliveryMode} says.
 *
 * <p>At least once (the default): a record whose handler throws is retried {@code retries} times, waiting
 * {@code backoff}, then twice that, and so on (at most {@link #MAX_BACKOFF}). When every attempt failed the
 * record — its key, value and headers as they were read — is published to the dead-letter topic
 * {@code <topic>.dlq} with the headers {@value #ERROR_HEADER} (the last error's class and message),
 * {@value #TOPIC_HEADER}, {@value #PARTITION_HEADER} and {@value #OFFSET_HEADER}, and the worker moves on. A
 * record whose key or value cannot be deserialized takes the same path. Offsets are committed after each polled
 * batch, and, on a rebalance, for the partitions taken away.
 *
 * <p>Exactly once ({@link Builder#startExactlyOnce}): the handler sends through a {@link TransactionalSender}, and
 * each polled batch's sends and offsets commit in one Kafka transaction ({@link ExactlyOnceBatches}); a failure aborts
 * it and the batch is handled again, a record failing every retry goes to the dead-letter topic inside the
 * transaction. The consumer reads read_committed.
 *
 * <p>{@link #close()} stops after the record being handled (or between retries), commits the offsets of every
 * record handled and leaves the group. If the loop itself fails (the broker gone past the timeout, a dead-letter
 * publish failing) the worker stops, commits what it handled and reports the error through {@link #failure()}.
 *
 * <p>The handler runs on the worker's thread only, one record at a time, in partition order.
 */
public final class ConsumerWorker<K, V> implements AutoCloseable {
    public static final String ERROR_HEADER = "spindle.dlq.error";
    public static final String TOPIC_HEADER = "spindle.dlq.topic";
    public static final String PARTITION_HEADER = "spindle.dlq.partition";
    public static final String OFFSET_HEADER = "spindle.dlq.offset";
    /** The suffix of a dead-letter topic's name. */
    public static final String DLQ_SUFFIX = ".dlq";
    static final Duration MAX_BACKOFF = Duration.ofSeconds(30);
    private static final Duration POLL = Duration.ofMillis(100);
    private static final Logger log = LoggerFactory.getLogger(ConsumerWorker.class);

    private final Spindle spindle;
    private final String group;
    private final List<String> topics;
    private final DeliveryMode mode;
    private final int retries;
    private final Duration backoff;
    private final Serde<K> keys;
    private final Serde<V> values;
    private final RecordHandler<K, V> handler;
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final Thread thread;
    private final WorkerStop stop;
    private final AtomicLong handledCount = new AtomicLong();
    private final AtomicLong failedCount = new AtomicLong();
    private final AtomicLong deadLetteredCount = new AtomicLong();
    private final Set<String> deadLetterTopicsKnown = ConcurrentHashMap.newKeySet();
    /** Next offsets of records handled but not committed yet; the worker thread only. */
    private final Map<TopicPartition, OffsetAndMetadata> uncommitted = new HashMap<>();
    private final ExactlyOnceBatches<K, V, ?, ?> exactlyOnce;
    private KafkaProducer<byte[], byte[]> deadLetterProducer;

    /** {@code handler} for at-least-once and at-most-once, {@code transactional} (with its output serdes) for exactly-once. */
    private <OK, OV> ConsumerWorker(Builder<K, V> builder, RecordHandler<K, V> handler, Serde<OK> outputKeys,
                                    Serde<OV> outputValues, ExactlyOnceHandler<K, V, OK, OV> transactional) {
        this.spindle = builder.spindle;
        this.group = builder.group;
        this.topics = List.copyOf(builder.topics);
        this.mode = builder.mode;
        this.retries = builder.retries;
        this.backoff = builder.backoff;
        this.keys = builder.keys;
        this.values = builder.values;
        this.handler = handler;
        this.stop = new WorkerStop("the worker of group '" + group + "'", 1);
        Map<String, Object> config = new LinkedHashMap<>();
        config.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        config.putAll(builder.config);
        this.consumer = spindle.newKafkaConsumer(config);
        this.exactlyOnce = transactional == null ? null
                : new ExactlyOnceBatches<>(this, consumer, spindle, outputKeys, outputValues, transactional);
        this.thread = new Thread(this::run, "spindle-worker-" + group);
    }

    private void start() {
        thread.start();
    }

    public String group() {
        return group;
    }

    /** Records whose handler returned normally (a retry that succeeded counts once). */
    public long handled() {
        return handledCount.get();
    }

    /** Handler failures: every failed attempt in at-least-once mode, every failed record in at-most-once mode. */
    public long failed() {
        return failedCount.get();
    }

    /** Records published to a dead-letter topic. */
    public long deadLettered() {
        return deadLetteredCount.get();
    }

    /** Whether the poll loop is still running. */
    public boolean isRunning() {
        return stop.anyRunning();
    }

    /** The error that stopped the loop, if it stopped by failing. */
    public Optional<Throwable> failure() {
        return stop.failure();
    }

    /** Stops and commits what was handled; waits up to the connection's timeout plus {@link #MAX_BACKOFF}. */
    @Override
    public void close() {
        spindle.untrack(this);
        stop.stop(List.of(thread), spindle.timeout().plus(MAX_BACKOFF));
    }

    private boolean stopping() {
        return stop.requested();
    }

    int retries() {
        return retries;
    }

    Serde<K> keys() {
        return keys;
    }

    Serde<V> values() {
        return values;
    }

    Duration timeout() {
        return spindle.timeout();
    }

    private void run() {
        try {
            if (exactlyOnce != null) {
                exactlyOnce.init();
            }
            consumer.subscribe(topics, new CommitOnRevoke());
            while (!stopping()) {
                ConsumerRecords<byte[], byte[]> records = consumer.poll(POLL);
                if (records.isEmpty()) {
                    continue;
                }
                if (exactlyOnce != null) {
                    if (!exactlyOnce.handle(records, handledCount, failedCount, deadLetteredCount)) {
                        break;
                    }
                    continue;
                }
                if (mode == DeliveryMode.AT_MOST_ONCE) {
                    consumer.commitSync(nextOffsets(records));
                }
                for (ConsumerRecord<byte[], byte[]> record : records) {
                    if (stopping() || !deliver(record)) {
                        break;
                    }
                    if (mode == DeliveryMode.AT_LEAST_ONCE) {
                        uncommitted.put(new TopicPartition(record.topic(), record.partition()),
                                new OffsetAndMetadata(record.offset() + 1));
                    }
                }
                commitHandled();
            }
        } catch (RuntimeException | Error e) {
            stop.failed(e);
            log.error("Worker of group '{}' on {} stopped by a failure", group, topics, e);
        } finally {
            finish();
        }
    }

    /** Commits what was handled, leaves the group, and reports stopped, whatever fails on the way. */
    private void finish() {
        try {
            commitHandled();
        } catch (RuntimeException e) {
            stop.failed(e);
            log.error("Worker of group '{}' could not commit the offsets of handled records {}", group, uncommitted, e);
        } finally {
            try {
                consumer.close(spindle.timeout());
                if (deadLetterProducer != null) {
                    deadLetterProducer.close(spindle.timeout());
                }
                if (exactlyOnce != null) {
                    exactlyOnce.close();
                }
            } finally {
                stop.stopped();
            }
        }
    }

    private void commitHandled() {
        if (!uncommitted.isEmpty()) {
            consumer.commitSync(Map.copyOf(uncommitted));
            uncommitted.clear();
        }
    }

    static Map<TopicPartition, OffsetAndMetadata> nextOffsets(ConsumerRecords<byte[], byte[]> records) {
        Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
        for (TopicPartition partition : records.partitions()) {
            List<ConsumerRecord<byte[], byte[]>> list = records.records(partition);
            offsets.put(partition, new OffsetAndMetadata(list.get(list.size() - 1).offset() + 1));
        }
        return offsets;
    }

    /** Handles one record as the mode says; false if a stop was requested before it was done with. */
    private boolean deliver(ConsumerRecord<byte[], byte[]> record) {
        if (mode == DeliveryMode.AT_MOST_ONCE) {
            try {
                handler.handle(SpindleRecord.from(record, keys, values));
                handledCount.incrementAndGet();
            } catch (Exception e) {
                failedCount.incrementAndGet();
                log.warn("Group '{}': handler failed on {}-{} offset {}; at-most-once, so the record is skipped",
                        group, record.topic(), record.partition(), record.offset(), e);
            }
            return true;
        }
        Exception last = null;
        for (int attempt = 0; attempt <= retries; attempt++) {
            if (attempt > 0 && waitForStop(backoffBefore(attempt))) {
                return false;
            }
            try {
                handler.handle(SpindleRecord.from(record, keys, values));
                handledCount.incrementAndGet();
                return true;
            } catch (Exception e) {
                failedCount.incrementAndGet();
                last = e;
            }
        }
        deadLetter(record, last);
        return true;
    }

    Duration backoffBefore(int attempt) {
        Duration wait = backoff.multipliedBy(1L << Math.min(attempt - 1, 20));
        return wait.compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : wait;
    }

    /** Waits {@code wait} unless a stop is requested meanwhile; true if it was. */
    boolean waitForStop(Duration wait) {
        try {
            return stop.awaitRequest(wait);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return true;
        }
    }

    /**
     * {@code record} as published to its dead-letter topic (created if missing): its key, value and headers as read,
     * plus the headers naming the error and where the record came from.
     */
    ProducerRecord<byte[], byte[]> deadLetterRecord(ConsumerRecord<byte[], byte[]> record, Exception error) {
        String topic = record.topic() + DLQ_SUFFIX;
        if (deadLetterTopicsKnown.add(topic)) {
            spindle.admin().ensureTopic(topic, 1);
        }
        RecordHeaders headers = new RecordHeaders();
        for (Header header : record.headers()) {
            headers.add(header);
        }
        headers.add(ERROR_HEADER, utf8(error.getClass().getName() + ": " + error.getMessage()));
        headers.add(TOPIC_HEADER, utf8(record.topic()));
        headers.add(PARTITION_HEADER, utf8(Integer.toString(record.partition())));
        headers.add(OFFSET_HEADER, utf8(Long.toString(record.offset())));
        return new ProducerRecord<>(topic, null, record.key(), record.value(), headers);
    }

    private void deadLetter(ConsumerRecord<byte[], byte[]> record, Exception error) {
        ProducerRecord<byte[], byte[]> dead = deadLetterRecord(record, error);
        String topic = dead.topic();
        if (deadLetterProducer == null) {
            deadLetterProducer = spindle.newKafkaProducer(Map.of());
        }
        try {
            deadLetterProducer.send(dead).get(3 * spindle.timeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SpindleException("Interrupted while publishing " + record.topic() + "-" + record.partition()
                    + " offset " + record.offset() + " to dead-letter topic '" + topic + "'", e);
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            throw new SpindleException("Publishing " + record.topic() + "-" + record.partition() + " offset "
                    + record.offset() + " to dead-letter topic '" + topic + "' failed", e);
        }
        deadLetteredCount.incrementAndGet();
        log.warn("Group '{}': {}-{} offset {} failed {} time(s), last with {}; published to {}", group,
                record.topic(), record.partition(), record.offset(), retries + 1, error.toString(), topic);
    }

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    /** Commits the handled records of partitions moving to another member, so that it does not redo them. */
    private final class CommitOnRevoke implements ConsumerRebalanceListener {
        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            Map<TopicPartition, OffsetAndMetadata> revoked = new HashMap<>();
            for (TopicPartition partition : partitions) {
                OffsetAndMetadata offset = uncommitted.remove(partition);
                if (offset != null) {
                    revoked.put(partition, offset);
                }
            }
            if (!revoked.isEmpty()) {
                consumer.commitSync(revoked);
            }
        }

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            // Nothing to do: the committed offsets (or auto.offset.reset) say where each partition starts.
        }

        @Override
        public void onPartitionsLost(Collection<TopicPartition> partitions) {
            // Owned by someone else already: a commit would be refused, and the records will be redelivered there.
            partitions.forEach(uncommitted::remove);
        }
    }

    /**
     * Worker settings; {@link #start(RecordHandler)} starts it. Settings given with {@link #config} win over the
     * defaults (auto.offset.reset=earliest: a new group starts at the beginning); enable.auto.commit stays off
     * whatever is set there.
     */
    public static final class Builder<K, V> extends WorkerBuilder<K, V, Builder<K, V>> {
        private DeliveryMode mode = DeliveryMode.AT_LEAST_ONCE;
        private int retries = 3;
        private Duration backoff = Duration.ofMillis(100);

        Builder(Spindle spindle, Serde<K> keys, Serde<V> values) {
            super(spindle, keys, values);
        }

        @Override
        Builder<K, V> self() {
            return this;
        }

        public Builder<K, V> mode(DeliveryMode mode) {
            this.mode = Objects.requireNonNull(mode, "mode");
            return this;
        }

        /** How many times a failed record is retried before it goes to the dead-letter topic (3; 0 = never). */
        public Builder<K, V> retries(int retries) {
            if (retries < 0) {
                throw new IllegalArgumentException("retries must be 0 or more, not " + retries);
            }
            this.retries = retries;
            return this;
        }

        /** The wait before the first retry (100 ms); it doubles for each further one. */
        public Builder<K, V> backoff(Duration backoff) {
            if (backoff.isNegative()) {
                throw new IllegalArgumentException("backoff must not be negative: " + backoff);
            }
            this.backoff = backoff;
            return this;
        }

        /** Starts an at-least-once (the default) or at-most-once worker. */
        public ConsumerWorker<K, V> start(RecordHandler<K, V> handler) {
            Objects.requireNonNull(handler, "handler");
            if (mode == DeliveryMode.EXACTLY_ONCE) {
                throw new IllegalArgumentException("The worker of group '" + group + "' is EXACTLY_ONCE: start it with "
                        + "startExactlyOnce, whose handler sends through the batch's transaction");
            }
            return launch(new ConsumerWorker<>(checked(), handler, null, null, null));
        }

        /**
         * Starts an exactly-once worker ({@link DeliveryMode#EXACTLY_ONCE}): {@code handler} sends through a producer
         * whose records, keyed and valued through {@code outputKeys} and {@code outputValues}, commit together with
         * the offsets of the records handled, one transaction per polled batch. The consumer reads read_committed
         * unless isolation.level is set.
         */
        public <OK, OV> ConsumerWorker<K, V> startExactlyOnce(Serde<OK> outputKeys, Serde<OV> outputValues,
                                                             ExactlyOnceHandler<K, V, OK, OV> handler) {
            Objects.requireNonNull(outputKeys, "outputKeys");
            Objects.requireNonNull(outputValues, "outputValues");
            Objects.requireNonNull(handler, "handler");
            mode = DeliveryMode.EXACTLY_ONCE;
            config.putIfAbsent(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
            return launch(new ConsumerWorker<>(checked(), null, outputKeys, outputValues, handler));
        }

        private Builder<K, V> checked() {
            requireGroupAndTopics("A consumer worker", "group");
            config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
            return this;
        }

        private ConsumerWorker<K, V> launch(ConsumerWorker<K, V> worker) {
            spindle.track(worker);
            worker.start();
            return worker;
        }
    }
}
