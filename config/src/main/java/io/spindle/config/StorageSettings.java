package io.spindle.config;

import java.nio.file.Path;

/**
 * What the log storage (module log-storage) takes from the broker's configuration: where the logs live, when
 * appends are forced to disk, how often retention runs, the log cleaner and when idle producers are forgotten; {@link BrokerConfig#storage()} builds it once when the
 * configuration is loaded. The settings of each topic's logs (segment size, retention, index interval, ...) are
 * not here: they are per topic, in {@link TopicConfig}, whose broker-wide defaults are
 * {@link BrokerConfig#topicDefaults()}. Every component is checked by its key, so a section built in code is
 * refused with the message a bad setting would get. Units: milliseconds.
 *
 * @param dataDir                  data.dir: one subdirectory per topic partition, as configured (not made absolute)
 * @param flushMode                flush.mode
 * @param flushIntervalMs          flush.interval.ms: with {@link FlushMode#INTERVAL}, the longest time appended data
 *                                 stays unforced
 * @param flushIntervalMessages    flush.interval.messages: with {@link FlushMode#INTERVAL}, the most records a
 *                                 partition appends before it is forced
 * @param retentionCheckIntervalMs log.retention.check.interval.ms: how often retention looks for segments to delete
 * @param cleaner                  the log.cleaner.* settings: compaction of topics whose cleanup.policy has compact
 * @param producerState            the producer.id.expiration.* settings: when a partition forgets an idle producer
 */
public record StorageSettings(Path dataDir, FlushMode flushMode, long flushIntervalMs, long flushIntervalMessages,
                              long retentionCheckIntervalMs, CleanerSettings cleaner,
                              ProducerStateSettings producerState) {

    /** @throws ConfigException naming the first setting whose value is not allowed */
    public StorageSettings {
        BrokerConfig.DATA_DIR_KEY.check(dataDir);
        BrokerConfig.FLUSH_MODE_KEY.check(flushMode);
        BrokerConfig.FLUSH_INTERVAL_MS_KEY.check(flushIntervalMs);
        BrokerConfig.FLUSH_INTERVAL_MESSAGES_KEY.check(flushIntervalMessages);
        BrokerConfig.LOG_RETENTION_CHECK_INTERVAL_MS_KEY.check(retentionCheckIntervalMs);
        if (cleaner == null) {
            throw new ConfigException(BrokerConfig.LOG_CLEANER_THREADS, "Missing log cleaner settings");
        }
        if (producerState == null) {
            throw new ConfigException(BrokerConfig.PRODUCER_ID_EXPIRATION_MS, "Missing producer state settings");
        }
    }

    /** With the default producer state settings. */
    public StorageSettings(Path dataDir, FlushMode flushMode, long flushIntervalMs, long flushIntervalMessages,
                           long retentionCheckIntervalMs, CleanerSettings cleaner) {
        this(dataDir, flushMode, flushIntervalMs, flushIntervalMessages, retentionCheckIntervalMs, cleaner,
                ProducerStateSettings.defaults());
    }

    /** With the default cleaner and producer state settings. */
    public StorageSettings(Path dataDir, FlushMode flushMode, long flushIntervalMs, long flushIntervalMessages,
                           long retentionCheckIntervalMs) {
        this(dataDir, flushMode, flushIntervalMs, flushIntervalMessages, retentionCheckIntervalMs,
                CleanerSettings.defaults());
    }

    /** The built-in defaults with the logs under {@code dataDir}. */
    public static StorageSettings defaults(Path dataDir) {
        StorageSettings d = BrokerConfig.defaults().storage();
        return new StorageSettings(dataDir, d.flushMode, d.flushIntervalMs, d.flushIntervalMessages,
                d.retentionCheckIntervalMs, d.cleaner, d.producerState);
    }

    /** These settings with {@code mode} as the flush mode. */
    public StorageSettings withFlushMode(FlushMode mode) {
        return new StorageSettings(dataDir, mode, flushIntervalMs, flushIntervalMessages, retentionCheckIntervalMs,
                cleaner, producerState);
    }

    /** These settings with {@code settings} for the log cleaner. */
    public StorageSettings withCleaner(CleanerSettings settings) {
        return new StorageSettings(dataDir, flushMode, flushIntervalMs, flushIntervalMessages, retentionCheckIntervalMs,
                settings, producerState);
    }

    /** These settings with {@code settings} for the expiry of idle producers. */
    public StorageSettings withProducerState(ProducerStateSettings settings) {
        return new StorageSettings(dataDir, flushMode, flushIntervalMs, flushIntervalMessages, retentionCheckIntervalMs,
                cleaner, settings);
    }
}
