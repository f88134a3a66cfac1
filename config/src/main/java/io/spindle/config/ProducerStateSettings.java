package io.spindle.config;

/**
 * How long a partition remembers an idle producer (its epoch and last sequences, for the idempotence checks and
 * DescribeProducers), under Kafka's names; part of {@link StorageSettings}. Every component is checked by its key.
 * Units: milliseconds.
 *
 * @param idExpirationMs              producer.id.expiration.ms: a producer whose last batch or marker in a partition
 *                                    carries a timestamp this much older than the broker's clock, and that has no
 *                                    transaction open there, is forgotten by that partition
 * @param idExpirationCheckIntervalMs producer.id.expiration.check.interval.ms: how often the partitions look for such
 *                                    producers
 */
public record ProducerStateSettings(int idExpirationMs, int idExpirationCheckIntervalMs) {

    /** @throws ConfigException naming the first setting whose value is not allowed */
    public ProducerStateSettings {
        BrokerConfig.PRODUCER_ID_EXPIRATION_MS_KEY.check(idExpirationMs);
        BrokerConfig.PRODUCER_ID_EXPIRATION_CHECK_INTERVAL_MS_KEY.check(idExpirationCheckIntervalMs);
    }

    /** Kafka's defaults: a producer idle for a day is forgotten, looked for every ten minutes. */
    public static ProducerStateSettings defaults() {
        return new ProducerStateSettings(BrokerConfig.PRODUCER_ID_EXPIRATION_MS_KEY.defaultValue(),
                BrokerConfig.PRODUCER_ID_EXPIRATION_CHECK_INTERVAL_MS_KEY.defaultValue());
    }
}
