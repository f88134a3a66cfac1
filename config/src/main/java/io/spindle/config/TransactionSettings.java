package io.spindle.config;

/**
 * The transaction coordinator's settings (module transactions), defined by the {@code transaction.*} and
 * {@code transactional.id.*} keys of {@link BrokerConfig}, under Kafka's broker setting names;
 * {@link BrokerConfig#transactions()} builds it once when the configuration is loaded. Every component is checked
 * by its key, so a section built in code is refused with the message a bad setting would get. Units: milliseconds
 * and bytes.
 *
 * @param maxTimeoutMs            transaction.max.timeout.ms: the longest transaction.timeout.ms a producer may ask for
 * @param abortCheckIntervalMs    transaction.abort.timed.out.transaction.cleanup.interval.ms: how often open
 *                                transactions past their timeout are looked for and aborted
 * @param idExpirationMs          transactional.id.expiration.ms: how long an idle transactional id is remembered
 * @param stateLogSegmentBytes    transaction.state.log.segment.bytes: segment.bytes of __transaction_state
 */
public record TransactionSettings(int maxTimeoutMs, int abortCheckIntervalMs, int idExpirationMs,
                                  int stateLogSegmentBytes) {

    /** @throws ConfigException naming the first setting whose value is not allowed */
    public TransactionSettings {
        BrokerConfig.TRANSACTION_MAX_TIMEOUT_MS_KEY.check(maxTimeoutMs);
        BrokerConfig.TRANSACTION_ABORT_TIMED_OUT_TRANSACTION_CLEANUP_INTERVAL_MS_KEY.check(abortCheckIntervalMs);
        BrokerConfig.TRANSACTIONAL_ID_EXPIRATION_MS_KEY.check(idExpirationMs);
        BrokerConfig.TRANSACTION_STATE_LOG_SEGMENT_BYTES_KEY.check(stateLogSegmentBytes);
    }

    /** Kafka's defaults, except the state log's segment size (4 MiB, as __consumer_offsets here). */
    public static TransactionSettings defaults() {
        return BrokerConfig.defaults().transactions();
    }
}
