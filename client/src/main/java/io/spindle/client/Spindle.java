package io.spindle.client;

import java.time.Duration;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.KafkaShareConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * A connection to a Spindle (or any Kafka) broker, and the factory of everything the client does:
 * {@linkplain #producer() producers}, {@linkplain #consume consumer workers}, {@linkplain #queue queue workers},
 * {@linkplain #replay replays} and the
 * {@linkplain #admin() admin view}.
 *
 * <pre>{@code
 * try (Spindle spindle = Spindle.connect("127.0.0.1:9092")) {
 *     Sent sent = spindle.producer().send("greetings", "k", "hello").join();
 * }
 * }</pre>
 *
 * <p>Defaults: every wait (metadata, a request, an admin call) is bounded by {@linkplain Builder#timeout one
 * timeout}, 10 s, so that an unreachable broker fails in seconds rather than minutes; producers use acks=all.
 * Any kafka-clients setting can be given with {@link Builder#config(String, Object)} and wins over the defaults.
 *
 * <p>Thread-safe. Closing it closes every producer, worker and replay made from it that is still open.
 * Connecting does not contact the broker: the first operation does.
 */
public final class Spindle implements AutoCloseable {
    /** The timeout of every wait unless {@link Builder#timeout(Duration)} says otherwise. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);

    private static final AtomicInteger INSTANCES = new AtomicInteger();

    private final String bootstrapServers;
    private final Duration timeout;
    private final String clientId;
    private final Map<String, Object> overrides;
    private final Set<AutoCloseable> open = ConcurrentHashMap.newKeySet();
    private final AtomicInteger clients = new AtomicInteger();
    private SpindleAdmin admin;
    private boolean closed;

    private Spindle(Builder builder) {
        this.bootstrapServers = builder.bootstrapServers;
        this.timeout = builder.timeout;
        this.clientId = builder.clientId != null ? builder.clientId : "spindle-" + INSTANCES.incrementAndGet();
        this.overrides = Map.copyOf(builder.overrides);
    }

    /** A connection with the defaults to {@code bootstrapServers} ("host:port", or several separated by commas). */
    public static Spindle connect(String bootstrapServers) {
        return builder(bootstrapServers).connect();
    }

    public static Builder builder(String bootstrapServers) {
        return new Builder(bootstrapServers);
    }

    public String bootstrapServers() {
        return bootstrapServers;
    }

    public Duration timeout() {
        return timeout;
    }

    /** A producer of text keys and values. */
    public SpindleProducer<String, String> producer() {
        return producer(Serde.string(), Serde.string()).build();
    }

    /** A producer builder for keys and values of any type. */
    public <K, V> SpindleProducer.Builder<K, V> producer(Serde<K> keys, Serde<V> values) {
        return new SpindleProducer.Builder<>(this, keys, values);
    }

    /**
     * Starts a worker in group {@code group} that hands every record of {@code topics} (text keys and values) to
     * {@code handler}, at least once: see {@link ConsumerWorker} for retries and the dead-letter topic.
     */
    public ConsumerWorker<String, String> consume(String group, Collection<String> topics,
                                                  RecordHandler<String, String> handler) {
        return consumer(Serde.string(), Serde.string()).group(group).topics(topics).start(handler);
    }

    /** A worker builder: group, topics, delivery mode, retries, keys and values of any type. */
    public <K, V> ConsumerWorker.Builder<K, V> consumer(Serde<K> keys, Serde<V> values) {
        return new ConsumerWorker.Builder<>(this, keys, values);
    }

    /**
     * Starts a queue worker pool in share group {@code group} (KIP-932) that hands each record of {@code topic} (text
     * keys and values) to {@code handler} on one of its workers: accepted when the handler returns, released for
     * another try when it throws, dead letters left to the broker. See {@link QueueWorker}.
     */
    public QueueWorker<String, String> queue(String group, String topic, RecordHandler<String, String> handler) {
        return queue(Serde.string(), Serde.string()).group(group).topics(topic).start(handler);
    }

    /** A queue worker pool builder: share group, topics, number of workers, keys and values of any type. */
    public <K, V> QueueWorker.Builder<K, V> queue(Serde<K> keys, Serde<V> values) {
        return new QueueWorker.Builder<>(this, keys, values);
    }

    /** A replay of {@code topic} with text keys and values; choose where it starts, then iterate. */
    public Replay<String, String> replay(String topic) {
        return replay(topic, Serde.string(), Serde.string());
    }

    public <K, V> Replay<K, V> replay(String topic, Serde<K> keys, Serde<V> values) {
        return new Replay<>(this, topic, keys, values);
    }

    /** Topics, groups and offsets; made on first use and closed with this connection. */
    public synchronized SpindleAdmin admin() {
        checkOpen();
        if (admin == null) {
            admin = new SpindleAdmin(Admin.create(config(Map.of())), bootstrapServers, timeout.toMillis());
        }
        return admin;
    }

    /**
     * A kafka-clients producer of bytes with this connection's settings, {@code extra} on top; for what the
     * {@link SpindleProducer} does not do. The caller closes it.
     */
    public KafkaProducer<byte[], byte[]> newKafkaProducer(Map<String, Object> extra) {
        Map<String, Object> config = new LinkedHashMap<>();
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        config.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, Long.toString(timeout.toMillis()));
        // Kafka insists on delivery.timeout.ms >= linger.ms + request.timeout.ms.
        config.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, Long.toString(Math.max(3 * timeout.toMillis(), 30_000L)));
        config.putAll(extra);
        return new KafkaProducer<>(config(config), new ByteArraySerializer(), new ByteArraySerializer());
    }

    /** A kafka-clients consumer of bytes with this connection's settings, {@code extra} on top. The caller closes it. */
    public KafkaConsumer<byte[], byte[]> newKafkaConsumer(Map<String, Object> extra) {
        Map<String, Object> config = new LinkedHashMap<>();
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        config.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, "false");
        config.putAll(extra);
        return new KafkaConsumer<>(config(config), new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    /**
     * A kafka-clients share consumer (KIP-932) of bytes with this connection's settings, {@code extra} on top (at
     * least group.id). The caller closes it.
     */
    public KafkaShareConsumer<byte[], byte[]> newKafkaShareConsumer(Map<String, Object> extra) {
        return new KafkaShareConsumer<>(config(extra), new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    /** The kafka-clients configuration: bootstrap, client id, timeouts, then {@code defaults}, then the overrides. */
    Map<String, Object> config(Map<String, Object> defaults) {
        Map<String, Object> config = new LinkedHashMap<>();
        config.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        config.put(CommonClientConfigs.CLIENT_ID_CONFIG, clientId + "-" + clients.incrementAndGet());
        config.put(CommonClientConfigs.REQUEST_TIMEOUT_MS_CONFIG, Long.toString(timeout.toMillis()));
        config.put(CommonClientConfigs.DEFAULT_API_TIMEOUT_MS_CONFIG, Long.toString(timeout.toMillis()));
        config.put(CommonClientConfigs.SOCKET_CONNECTION_SETUP_TIMEOUT_MS_CONFIG, Long.toString(Math.min(timeout.toMillis(), 10_000L)));
        config.put(CommonClientConfigs.SOCKET_CONNECTION_SETUP_TIMEOUT_MAX_MS_CONFIG, Long.toString(Math.min(timeout.toMillis(), 10_000L)));
        config.putAll(defaults);
        config.putAll(overrides);
        return config;
    }

    /** Remembers something to close with this connection. */
    <T extends AutoCloseable> T track(T resource) {
        synchronized (this) {
            checkOpen();
            open.add(resource);
        }
        return resource;
    }

    void untrack(AutoCloseable resource) {
        open.remove(resource);
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("This Spindle connection to " + bootstrapServers + " is closed");
        }
    }

    /** Stops the workers (committing what they handled), closes producers, replays and the admin view. */
    @Override
    public void close() {
        List<AutoCloseable> toClose;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            toClose = List.copyOf(open);
            open.clear();
        }
        RuntimeException failure = null;
        for (AutoCloseable resource : toClose) {
            try {
                resource.close();
            } catch (Exception e) {
                failure = failure == null ? new SpindleException("Closing " + resource + " failed", e) : failure;
            }
        }
        synchronized (this) {
            if (admin != null) {
                admin.close();
            }
        }
        if (failure != null) {
            throw failure;
        }
    }

    @Override
    public String toString() {
        return "Spindle(" + bootstrapServers + ")";
    }

    /** How to connect: the bootstrap address, the timeout and any kafka-clients setting. */
    public static final class Builder {
        private final String bootstrapServers;
        private Duration timeout = DEFAULT_TIMEOUT;
        private String clientId;
        private final Map<String, Object> overrides = new LinkedHashMap<>();

        private Builder(String bootstrapServers) {
            Objects.requireNonNull(bootstrapServers, "bootstrapServers");
            if (bootstrapServers.isBlank()) {
                throw new IllegalArgumentException("bootstrapServers is empty: expected host:port[,host:port...]");
            }
            this.bootstrapServers = bootstrapServers.strip();
        }

        /** The bound of every wait: connecting, metadata, a request, an admin call. */
        public Builder timeout(Duration timeout) {
            if (timeout.isNegative() || timeout.isZero() || timeout.toMillis() > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("timeout must be between 1 ms and " + Integer.MAX_VALUE
                        + " ms, not " + timeout);
            }
            this.timeout = timeout;
            return this;
        }

        /** The prefix of every client.id (a counter follows it); "spindle-N" by default. */
        public Builder clientId(String clientId) {
            this.clientId = Objects.requireNonNull(clientId, "clientId");
            return this;
        }

        /** A kafka-clients setting by its Kafka name (e.g. "linger.ms"), for every client; wins over the defaults. */
        public Builder config(String key, Object value) {
            overrides.put(Objects.requireNonNull(key, "key"), Objects.requireNonNull(value, "value"));
            return this;
        }

        public Builder configs(Map<String, ?> settings) {
            settings.forEach(this::config);
            return this;
        }

        public Spindle connect() {
            return new Spindle(this);
        }
    }
}
