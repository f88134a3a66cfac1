package io.spindle.broker.metrics;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.spindle.log.PartitionLog;
import io.spindle.log.compact.LogCleaner;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The log cleaner's meters: the cleaner-wide ones ({@code spindle_log_cleaner_*}: cleans, bytes read and written,
 * failures, the last clean's duration, the time since a thread last ran, the highest dirty ratio) and, for each
 * metered partition whose cleanup.policy compacts, its dirty ratio and the time since it was last cleaned (labels
 * {@code topic}, {@code partition}).
 *
 * <p>A partition's policy can change at any moment (IncrementalAlterConfigs), so its per-partition meters are added
 * or removed at each scrape ({@link #refresh()}) rather than when the partition opens: a partition that stops
 * compacting has no dirty-ratio series, not a stale one.
 *
 * <p>Thread-safe: {@link #track}, {@link #untrack} and {@link #refresh} may race; the one monitor orders them.
 */
final class CleanerMeters {
    private final MeterRegistry registry;
    private final LogCleaner cleaner;
    /** "topic-partition" → its log, for every partition that has meters of its own. */
    private final Map<String, PartitionLog> tracked = new ConcurrentHashMap<>();
    /** "topic-partition" → its cleaner meters, for those of the tracked partitions that compact. */
    private final Map<String, List<Meter>> registered = new ConcurrentHashMap<>();

    CleanerMeters(MeterRegistry registry, LogCleaner cleaner) {
        this.registry = registry;
        this.cleaner = cleaner;
        FunctionCounter.builder("spindle.log.cleaner.runs", cleaner, LogCleaner::runs)
                .description("Cleans done (or failed) by the log cleaner threads").register(registry);
        FunctionCounter.builder("spindle.log.cleaner.read", cleaner, LogCleaner::bytesRead).baseUnit("bytes")
                .description("Bytes of segment files the log cleaners read").register(registry);
        FunctionCounter.builder("spindle.log.cleaner.written", cleaner, LogCleaner::bytesWritten).baseUnit("bytes")
                .description("Bytes of cleaned segment files the log cleaners wrote").register(registry);
        FunctionCounter.builder("spindle.log.cleaner.failures", cleaner, LogCleaner::failures)
                .description("Cleans that failed; each leaves its partition uncleanable until a restart")
                .register(registry);
        Gauge.builder("spindle.log.cleaner.last.run", cleaner, LogCleaner::lastRunSeconds).baseUnit("seconds")
                .description("How long the last clean took").register(registry);
        Gauge.builder("spindle.log.cleaner.time.since.last.run", cleaner, LogCleaner::secondsSinceLastRound)
                .baseUnit("seconds")
                .description("Since a cleaner thread last finished a round (a clean, or a look that found nothing)")
                .register(registry);
        Gauge.builder("spindle.log.cleaner.max.dirty.ratio", cleaner, LogCleaner::maxDirtyRatio)
                .description("The highest dirty ratio among compacted partitions when a cleaner last looked")
                .register(registry);
        Gauge.builder("spindle.log.cleaner.uncleanable.partitions", cleaner, c -> c.uncleanablePartitions().size())
                .description("Partitions whose clean failed; they are not compacted again until a restart")
                .register(registry);
    }

    /** Gives the partition cleaner meters from the next scrape on, while its policy compacts. */
    void track(PartitionLog log) {
        tracked.put(key(log), log);
    }

    /** Drops the partition's cleaner meters (it was deleted). */
    synchronized void untrack(PartitionLog log) {
        String key = key(log);
        tracked.remove(key);
        remove(key);
    }

    /** Adds the meters of the tracked partitions that now compact, removes those of the ones that no longer do. */
    synchronized void refresh() {
        tracked.forEach((key, log) -> {
            boolean compacts = log.config().cleanupPolicy().compacts();
            if (compacts && !registered.containsKey(key)) {
                registered.put(key, register(log));
            } else if (!compacts) {
                remove(key);
            }
        });
    }

    private List<Meter> register(PartitionLog log) {
        Tags tags = Tags.of("topic", log.topic(), "partition", Integer.toString(log.partition()));
        String name = key(log);
        return List.of(
                Gauge.builder("spindle.log.cleaner.dirty.ratio", log, held -> cleaner.dirtyRatio(held.cleanable()))
                        .description("Bytes not yet cleaned over the bytes of the cleanable log (no active segment)")
                        .tags(tags).register(registry),
                Gauge.builder("spindle.log.cleaner.time.since.last.clean", cleaner,
                                held -> held.secondsSinceLastClean(name)).baseUnit("seconds")
                        .description("Since the cleaner last cleaned this partition, or since the broker started")
                        .tags(tags).register(registry));
    }

    private void remove(String key) {
        List<Meter> meters = registered.remove(key);
        if (meters != null) {
            meters.forEach(registry::remove);
        }
    }

    private static String key(PartitionLog log) {
        return log.topic() + "-" + log.partition();
    }
}
