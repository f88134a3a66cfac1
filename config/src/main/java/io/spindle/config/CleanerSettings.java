package io.spindle.config;

/**
 * What the log cleaner (compaction of topics whose {@code cleanup.policy} includes {@code compact}) takes from the
 * broker's configuration, under Kafka's names; part of {@link StorageSettings}. The per-topic knobs (dirty ratio,
 * compaction lags, tombstone retention) are in {@link TopicConfig}. Every component is checked by its key.
 *
 * @param threads                log.cleaner.threads: background cleaner threads; 0 turns compaction off
 * @param dedupeBufferSize       log.cleaner.dedupe.buffer.size: bytes of key map shared by the threads (each gets
 *                               an equal share); a log with more dirty keys than a share holds takes several passes
 * @param ioMaxBytesPerSecond    log.cleaner.io.max.bytes.per.second: the cap on the cleaners' read plus write rate;
 *                               {@link Double#MAX_VALUE} means none
 * @param backoffMs              log.cleaner.backoff.ms: a cleaner's pause when no log needs cleaning
 */
public record CleanerSettings(int threads, long dedupeBufferSize, double ioMaxBytesPerSecond, long backoffMs) {

    /** @throws ConfigException naming the first setting whose value is not allowed */
    public CleanerSettings {
        BrokerConfig.LOG_CLEANER_THREADS_KEY.check(threads);
        BrokerConfig.LOG_CLEANER_DEDUPE_BUFFER_SIZE_KEY.check(dedupeBufferSize);
        BrokerConfig.LOG_CLEANER_IO_MAX_BYTES_PER_SECOND_KEY.check(ioMaxBytesPerSecond);
        BrokerConfig.LOG_CLEANER_BACKOFF_MS_KEY.check(backoffMs);
    }

    /** The built-in defaults: one thread, a 32 MiB key map, no I/O cap, 15 s back-off. */
    public static CleanerSettings defaults() {
        return new CleanerSettings(BrokerConfig.LOG_CLEANER_THREADS_KEY.defaultValue(),
                BrokerConfig.LOG_CLEANER_DEDUPE_BUFFER_SIZE_KEY.defaultValue(),
                BrokerConfig.LOG_CLEANER_IO_MAX_BYTES_PER_SECOND_KEY.defaultValue(),
                BrokerConfig.LOG_CLEANER_BACKOFF_MS_KEY.defaultValue());
    }

    /** True when the I/O rate is capped. */
    public boolean ioLimited() {
        return ioMaxBytesPerSecond < Double.MAX_VALUE;
    }

    /** These settings with {@code count} cleaner threads. */
    public CleanerSettings withThreads(int count) {
        return new CleanerSettings(count, dedupeBufferSize, ioMaxBytesPerSecond, backoffMs);
    }

    /** These settings with a key map of {@code bytes}. */
    public CleanerSettings withDedupeBufferSize(long bytes) {
        return new CleanerSettings(threads, bytes, ioMaxBytesPerSecond, backoffMs);
    }

    /** These settings with {@code millis} of back-off. */
    public CleanerSettings withBackoffMs(long millis) {
        return new CleanerSettings(threads, dedupeBufferSize, ioMaxBytesPerSecond, millis);
    }
}
