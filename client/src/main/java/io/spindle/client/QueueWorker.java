package io.spindle.client;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.AcknowledgeType;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaShareConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A queue worker pool: {@code workers} threads, each with its own share consumer ({@link KafkaShareConsumer},
 * KIP-932) in one share group, taking records of the topics one at a time and handing each to the {@link RecordHandler}.
 * Any number of workers may read one partition; each record goes to one of them.
 *
 * <ul>
 *   <li>A record whose handler returned is acknowledged {@code ACCEPT}: done, never delivered again.</li>
 *   <li>A record whose handler threw is acknowledged {@code RELEASE}: the broker delivers it again, to this worker or
 *       another, with its delivery count one higher, after the group's redelivery backoff if it has one. At the
 *       group's delivery count limit the broker archives it, first copying it to the group's dead-letter topic if it
 *       names one (Spindle's group config {@code spindle.share.dead.letter.topic}): dead letters are the broker's job.</li>
 *   <li>A record whose key or value cannot be deserialized is acknowledged {@code REJECT}: no worker could handle it.</li>
 *   <li>A worker that dies or stops polling loses its record to another after the acquisition lock
 *       ({@code share.record.lock.duration.ms}, 30 s by default) times out.</li>
 * </ul>
 *
 * <p>Each share consumer takes one record per poll by default ({@code max.poll.records=1}), so a slow job does not
 * hold others behind it in one worker while the rest are idle; raise it with {@link Builder#config} for many short jobs.
 * A group that has not set Kafka's group config {@code share.auto.offset.reset} gets {@code earliest} when the pool
 * starts, so that jobs produced before the first worker are done too (as {@link ConsumerWorker}'s new groups).
 *
 * <p>{@link #close()} lets each worker finish and acknowledge the record in hand, then closes the consumers (a record
 * acquired but not started goes back to the queue). If a worker's loop fails (the broker gone past the timeout), that
 * worker stops and {@link #failure()} reports it; the others go on.
 *
 * <p>The handler runs on the workers' threads, concurrently: it must be thread-safe.
 */
public final class QueueWorker<K, V> implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(QueueWorker.class);
    private static final Duration POLL = Duration.ofMillis(100);

    private final Spindle spindle;
    private final String group;
    private final List<String> topics;
    private final Serde<K> keys;
    private final Serde<V> values;
    private final RecordHandler<K, V> handler;
    private final List<Thread> threads = new ArrayList<>();
    private final List<KafkaShareConsumer<byte[], byte[]>> consumers = new ArrayList<>();
    private final WorkerStop stop;
    private final AtomicLong handled = new AtomicLong();
    private final AtomicLong released = new AtomicLong();
    private final AtomicLong rejected = new AtomicLong();

    private QueueWorker(Builder<K, V> builder, RecordHandler<K, V> handler) {
        this.spindle = builder.spindle;
        this.group = builder.group;
        this.topics = List.copyOf(builder.topics);
        this.keys = builder.keys;
        this.values = builder.values;
        this.handler = handler;
        this.stop = new WorkerStop("the queue worker of share group '" + group + "'", builder.workers);
        Map<String, Object> config = new LinkedHashMap<>();
        config.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        config.put("share.acknowledgement.mode", "explicit");
        config.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "1");
        config.putAll(builder.config);
        for (int i = 0; i < builder.workers; i++) {
            consumers.add(spindle.newKafkaShareConsumer(config));
        }
        for (int i = 0; i < builder.workers; i++) {
            KafkaShareConsumer<byte[], byte[]> consumer = consumers.get(i);
            threads.add(new Thread(() -> run(consumer), "spindle-queue-" + group + "-" + i));
        }
    }

    public String group() {
        return group;
    }

    /** Records whose handler returned (acknowledged ACCEPT). */
    public long handled() {
        return handled.get();
    }

    /** Handler failures (each released for another delivery). */
    public long released() {
        return released.get();
    }

    /** Records that could not be deserialized (rejected). */
    public long rejected() {
        return rejected.get();
    }

    /** How many workers there are. */
    public int workers() {
        return threads.size();
    }

    /** Whether any worker is still running. */
    public boolean isRunning() {
        return stop.anyRunning();
    }

    /** The first error that stopped a worker, if one stopped by failing. */
    public Optional<Throwable> failure() {
        return stop.failure();
    }

    private void run(KafkaShareConsumer<byte[], byte[]> consumer) {
        try {
            consumer.subscribe(topics);
            while (!stop.requested()) {
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(POLL)) {
                    consumer.acknowledge(record, handle(record));
                }
                consumer.commitSync(spindle.timeout());
            }
        } catch (RuntimeException | Error e) {
            stop.failed(e);
            log.error("Queue worker of share group '{}' on {} stopped by a failure", group, topics, e);
        } finally {
            try {
                consumer.close(spindle.timeout());
            } catch (RuntimeException e) {
                log.warn("Queue worker of share group '{}': closing its share consumer failed", group, e);
            } finally {
                stop.stopped();
            }
        }
    }

    private AcknowledgeType handle(ConsumerRecord<byte[], byte[]> record) {
        SpindleRecord<K, V> decoded;
        try {
            decoded = SpindleRecord.from(record, keys, values);
        } catch (RuntimeException e) {
            rejected.incrementAndGet();
            log.warn("Share group '{}': {}-{} offset {} cannot be deserialized ({}); rejected", group, record.topic(),
                    record.partition(), record.offset(), e.toString());
            return AcknowledgeType.REJECT;
        }
        try {
            handler.handle(decoded);
            handled.incrementAndGet();
            return AcknowledgeType.ACCEPT;
        } catch (Exception e) {
            released.incrementAndGet();
            log.warn("Share group '{}': handler failed on {}-{} offset {} (delivery {}); released for another try",
                    group, record.topic(), record.partition(), record.offset(),
                    record.deliveryCount().map(String::valueOf).orElse("?"), e);
            return AcknowledgeType.RELEASE;
        }
    }

    /** Stops every worker after the record in hand, acknowledging it; waits up to twice the connection's timeout. */
    @Override
    public void close() {
        spindle.untrack(this);
        stop.stop(threads, spindle.timeout().multipliedBy(2));
    }

    private void start() {
        spindle.admin().startShareGroupAtEarliestUnlessSet(group);
        threads.forEach(Thread::start);
    }

    /** Pool settings; {@link #start(RecordHandler)} starts it. */
    public static final class Builder<K, V> extends WorkerBuilder<K, V, Builder<K, V>> {
        private int workers = 4;

        Builder(Spindle spindle, Serde<K> keys, Serde<V> values) {
            super(spindle, keys, values);
        }

        @Override
        Builder<K, V> self() {
            return this;
        }

        /** How many workers (threads, each with a share consumer) take records at once; 4 by default. */
        public Builder<K, V> workers(int workers) {
            if (workers < 1) {
                throw new IllegalArgumentException("a queue needs at least 1 worker, not " + workers);
            }
            this.workers = workers;
            return this;
        }

        /**
         * Starts the pool. Settings given with {@link #config} win over the defaults (max.poll.records=1);
         * share.acknowledgement.mode stays explicit whatever is set there.
         */
        public QueueWorker<K, V> start(RecordHandler<K, V> handler) {
            Objects.requireNonNull(handler, "handler");
            requireGroupAndTopics("A queue worker", "share group");
            config.put("share.acknowledgement.mode", "explicit");
            QueueWorker<K, V> worker = new QueueWorker<>(this, handler);
            spindle.track(worker);
            worker.start();
            return worker;
        }
    }
}
