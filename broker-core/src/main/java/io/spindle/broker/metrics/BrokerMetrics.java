package io.spindle.broker.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.FunctionTimer;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.spindle.broker.partition.Partitions;
import io.spindle.log.LogManager;
import io.spindle.log.PartitionLog;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The broker's meters, in one Prometheus registry, named in Prometheus style (snake_case, {@code _total}
 * counters, seconds and bytes as base units):
 * <ul>
 *   <li>per topic-partition ({@code topic}, {@code partition} labels): records and bytes in, bytes out, log
 *       start and end offsets, bytes on disk, segments, fsyncs and fsync time; at most
 *       {@code metrics.partition.series.max} partitions get them, and a deleted partition's meters go with it;</li>
 *   <li>per API ({@code api} label): requests, errors by error code, request latency histogram;</li>
 *   <li>the log cleaner's ({@link CleanerMeters}), with a dirty ratio per compacted partition;</li>
 *   <li>connections open, accepted and closed; append-to-durable latency;</li>
 *   <li>JVM and process: memory, GC, threads, classes, CPU, open files, uptime, resident memory and its
 *       anonymous, file-backed and shared parts ({@link ResidentMemory}).</li>
 * </ul>
 * Consumer-group meters are added by whoever owns the groups through {@link #registry()}.
 *
 * <p>Thread-safe; the recording methods allocate nothing once a meter exists.
 */
public final class BrokerMetrics implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(BrokerMetrics.class);

    private final PrometheusMeterRegistry registry = newRegistry();
    private final int partitionSeriesMax;
    /** "topic-partition" → its log and that log's meters; an entry is made and dropped atomically with its meters. */
    private final Map<String, PartitionMeters> partitionMeters = new ConcurrentHashMap<>();
    /** How many entries {@link #partitionMeters} holds or is making: the cap is checked against this. */
    private final AtomicInteger meteredPartitions = new AtomicInteger();
    /** The partitions past the cap, without meters of their own. */
    private final Set<String> partitionsWithoutMeters = ConcurrentHashMap.newKeySet();
    private final AtomicBoolean capLogged = new AtomicBoolean();
    private final Map<String, ApiMeters> apiMeters = new ConcurrentHashMap<>();
    private final AtomicInteger openConnections = new AtomicInteger();
    private final Counter connectionsAccepted;
    private final Counter connectionsClosed;
    private final Timer durableLatency;
    private final List<AutoCloseable> binders = new ArrayList<>();
    private volatile CleanerMeters cleanerMeters;
    private final List<Runnable> beforeScrape = new java.util.concurrent.CopyOnWriteArrayList<>();

    private record ApiMeters(Counter requests, Timer latency, Map<Short, Counter> errors) {
    }

    /** One partition log's meters, and which log they read (a deleted partition's new log gets new ones). */
    private record PartitionMeters(PartitionLog log, List<Meter> meters) {
    }

    public BrokerMetrics(int partitionSeriesMax) {
        this.partitionSeriesMax = partitionSeriesMax;
        Gauge.builder("spindle.connections.open", openConnections, AtomicInteger::get)
                .description("Client connections open now").register(registry);
        connectionsAccepted = Counter.builder("spindle.connections.accepted")
                .description("Client connections accepted").register(registry);
        connectionsClosed = Counter.builder("spindle.connections.closed")
                .description("Client connections closed").register(registry);
        durableLatency = Timer.builder("spindle.produce.durable.latency")
                .description("From append to the fsync that made it durable (flush.mode=fsync)")
                .publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofNanos(50_000))
                .maximumExpectedValue(Duration.ofSeconds(10))
                .register(registry);
        Gauge.builder("spindle.partitions.unmetered", partitionsWithoutMeters, Set::size)
                .description("Topic-partitions past metrics.partition.series.max, without meters of their own")
                .register(registry);
        ResidentMemory.bindTo(registry);
    }

    /**
     * Binds the JVM's own meters (process CPU time, memory pools, GC, threads, classes, processor, file descriptors,
     * uptime). Their first use loads the JVM's management beans (JMX), about 100 ms of an empty broker's start on two cores, so the
     * broker calls this once it serves rather than before: a scrape in between lacks the {@code jvm_*} series.
     * Call once.
     */
    public void bindJvmMeters() {
        java.lang.management.OperatingSystemMXBean os = java.lang.management.ManagementFactory.getOperatingSystemMXBean();
        if (os instanceof com.sun.management.OperatingSystemMXBean unix) {
            FunctionCounter.builder("process.cpu", unix, b -> b.getProcessCpuTime() / 1e9).baseUnit("seconds")
                    .description("CPU time used by the broker process").register(registry);
        }
        new JvmMemoryMetrics().bindTo(registry);
        JvmGcMetrics gc = new JvmGcMetrics();
        gc.bindTo(registry);
        synchronized (binders) {
            binders.add(gc);
        }
        new JvmThreadMetrics().bindTo(registry);
        new ClassLoaderMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new FileDescriptorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
    }

    /**
     * The registry with its filters in place before any meter exists: a filter added later does not apply to the
     * meters already registered, and Micrometer says so with a WARN on every start (QuietStartTest).
     */
    private static PrometheusMeterRegistry newRegistry() {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        // ProcessorMetrics reports CPU time in nanoseconds; Prometheus wants seconds (process_cpu_seconds_total,
        // registered in the constructor as process.cpu).
        registry.config().meterFilter(MeterFilter.denyNameStartsWith("process.cpu.time"));
        return registry;
    }

    public PrometheusMeterRegistry registry() {
        return registry;
    }

    /** Counts the partitions that are offline because their storage failed. */
    public void bind(Partitions partitions) {
        Gauge.builder("spindle.partitions.offline", partitions, held -> held.offline().size())
                .description("Partitions offline because a write or fsync failed; a restart recovers them")
                .register(registry);
    }

    /**
     * Meters every partition log the manager will open (dropping them when a log is deleted), and its log cleaner. The
     * logs already open get theirs from {@link #meterOpenLogs}.
     */
    public void bind(LogManager logs) {
        logs.setDurableLatencyListener(nanos -> durableLatency.record(nanos, TimeUnit.NANOSECONDS));
        CleanerMeters cleaner = new CleanerMeters(registry, logs.cleaner());
        cleanerMeters = cleaner;
        beforeScrape(cleaner::refresh);
        Gauge.builder("spindle.producer.ids", logs, LogManager::producerIdCount)
                .description("Producers the partitions remember (idempotence state), summed; each is forgotten "
                        + "producer.id.expiration.ms after its last write unless its transaction is open (Kafka's "
                        + "ProducerIdCount)")
                .register(registry);
        logs.addLifecycleListenerForNewLogs(new LogManager.LifecycleListener() {
            @Override
            public void opened(PartitionLog log) {
                addPartition(log);
            }

            @Override
            public void deleted(PartitionLog log) {
                removePartition(log);
            }
        });
    }

    /**
     * Registers the meters of every partition log {@code logs} (bound with {@link #bind(LogManager)}) holds now, on a
     * thread of its own, and returns that thread. At a start with 10,000 partitions these 110,000 registrations were
     * half of the main thread's time (docs/benchmarks.md); the broker serves meanwhile, and a scrape in between lacks
     * some partitions' series. Races with the logs' creation and deletion are safe: a log created meanwhile that this
     * pass also sees gets its meters once, and one deleted meanwhile keeps none.
     */
    public Thread meterOpenLogs(LogManager logs) {
        Thread thread = new Thread(() -> {
            for (PartitionLog log : logs.logs()) {
                addPartition(log);
                if (logs.get(log.topic(), log.partition()).orElse(null) != log) {
                    // Deleted while or before its meters were made: its deletion may have found nothing to remove.
                    removePartition(log);
                }
            }
        }, "spindle-partition-meters");
        thread.setDaemon(true);
        thread.start();
        return thread;
    }

    /**
     * Registers {@code log}'s meters unless its partition has them (from this log, or from an earlier log of the
     * partition whose deletion is on its way) or the cap is reached. Made inside the map's entry computation, so that
     * two threads adding the same partition (the listener of a new log and {@link #meterOpenLogs}) register once:
     * Micrometer hands both the same meters, and the loser removing "its" copies would remove the winner's.
     */
    private void addPartition(PartitionLog log) {
        String key = log.topic() + "-" + log.partition();
        boolean[] added = new boolean[1];
        partitionMeters.computeIfAbsent(key, k -> {
            if (meteredPartitions.incrementAndGet() > partitionSeriesMax) {
                meteredPartitions.decrementAndGet();
                if (partitionsWithoutMeters.add(k) && capLogged.compareAndSet(false, true)) {
                    LOG.warn("metrics.partition.series.max={} reached: {} and later partitions get no meters of their"
                            + " own", partitionSeriesMax, k);
                }
                return null;
            }
            added[0] = true;
            return new PartitionMeters(log, register(log));
        });
        if (added[0] && cleanerMeters != null) {
            cleanerMeters.track(log);
        }
    }

    private List<Meter> register(PartitionLog log) {
        Tags tags = Tags.of("topic", log.topic(), "partition", Integer.toString(log.partition()));
        return List.of(
                FunctionCounter.builder("spindle.partition.records.in", log, PartitionLog::appendedRecords)
                        .description("Records appended").tags(tags).register(registry),
                FunctionCounter.builder("spindle.partition.in", log, PartitionLog::appendedBytes).baseUnit("bytes")
                        .description("Bytes of record batches appended").tags(tags).register(registry),
                FunctionCounter.builder("spindle.partition.out", log, PartitionLog::bytesRead).baseUnit("bytes")
                        .description("Bytes of record batches handed to fetches").tags(tags).register(registry),
                Gauge.builder("spindle.partition.log.end.offset", log, PartitionLog::logEndOffset)
                        .description("The offset the next record will get").tags(tags).register(registry),
                Gauge.builder("spindle.partition.durable.offset", log, PartitionLog::durableOffset)
                        .description("Everything below this offset has been forced to disk").tags(tags).register(registry),
                Gauge.builder("spindle.partition.log.start.offset", log, PartitionLog::logStartOffset)
                        .description("The first offset still held").tags(tags).register(registry),
                Gauge.builder("spindle.partition.size", log, PartitionLog::sizeInBytes).baseUnit("bytes")
                        .description("Bytes of record batches on disk").tags(tags).register(registry),
                Gauge.builder("spindle.partition.segments", log, PartitionLog::segmentCount)
                        .description("Segment files").tags(tags).register(registry),
                Gauge.builder("spindle.partition.producer.ids", log, PartitionLog::producerIdCount)
                        .description("Producers this partition remembers (idempotence state)").tags(tags)
                        .register(registry),
                Gauge.builder("spindle.partition.offline", log, held -> held.isOffline() ? 1 : 0)
                        .description("1 once a write or fsync of this partition failed (it takes no writes until a"
                                + " restart recovers it), else 0").tags(tags).register(registry),
                FunctionTimer.builder("spindle.partition.fsync", log, PartitionLog::fsyncCount,
                                PartitionLog::fsyncNanos, TimeUnit.NANOSECONDS)
                        .description("fsync rounds and the time spent in them").tags(tags).register(registry));
    }

    /** Drops {@code log}'s meters, if its partition's meters are its own (not those of a newer log of the partition). */
    private void removePartition(PartitionLog log) {
        String key = log.topic() + "-" + log.partition();
        boolean[] removed = new boolean[1];
        partitionMeters.computeIfPresent(key, (k, held) -> {
            if (held.log() != log) {
                return held;
            }
            held.meters().forEach(registry::remove);
            meteredPartitions.decrementAndGet();
            removed[0] = true;
            return null;
        });
        if (removed[0]) {
            if (cleanerMeters != null) {
                cleanerMeters.untrack(log);
            }
        } else {
            partitionsWithoutMeters.remove(key);
        }
    }

    /** How many partitions have meters of their own now (for tests). */
    int partitionsWithMeters() {
        return partitionMeters.size();
    }

    /** Records one handled request: its API, the error code it answered with (0 for none), its latency. */
    public void recordRequest(String api, short errorCode, long nanos) {
        ApiMeters meters = apiMeters.computeIfAbsent(api, a -> new ApiMeters(
                Counter.builder("spindle.requests").tag("api", a).description("Requests handled").register(registry),
                Timer.builder("spindle.request.latency").tag("api", a)
                        .description("From a request's arrival to its response being ready")
                        .publishPercentileHistogram()
                        .minimumExpectedValue(Duration.ofNanos(10_000))
                        .maximumExpectedValue(Duration.ofSeconds(30))
                        .register(registry),
                new ConcurrentHashMap<>()));
        meters.requests().increment();
        meters.latency().record(nanos, TimeUnit.NANOSECONDS);
        if (errorCode != 0) {
            meters.errors().computeIfAbsent(errorCode, code -> Counter.builder("spindle.request.errors")
                    .tag("api", api).tag("error", org.apache.kafka.common.protocol.Errors.forCode(code).name())
                    .description("Requests answered with an error, by error code").register(registry)).increment();
        }
    }

    public void connectionOpened() {
        openConnections.incrementAndGet();
        connectionsAccepted.increment();
    }

    public void connectionClosed() {
        openConnections.decrementAndGet();
        connectionsClosed.increment();
    }

    /** Runs before every scrape, to refresh meters that copy state owned elsewhere (consumer groups). */
    public void beforeScrape(Runnable refresh) {
        beforeScrape.add(refresh);
    }

    /** The Prometheus text format, or OpenMetrics when {@code accept} asks for it. */
    public String scrape(String accept) {
        beforeScrape.forEach(Runnable::run);
        if (accept != null && accept.contains("application/openmetrics-text")) {
            return registry.scrape("application/openmetrics-text; version=1.0.0; charset=utf-8");
        }
        return registry.scrape();
    }

    @Override
    public void close() {
        List<AutoCloseable> bound;
        synchronized (binders) {
            bound = List.copyOf(binders);
        }
        for (AutoCloseable binder : bound) {
            try {
                binder.close();
            } catch (Exception e) {
                LOG.debug("closing a meter binder failed: {}", e.toString());
            }
        }
        registry.close();
    }
}
