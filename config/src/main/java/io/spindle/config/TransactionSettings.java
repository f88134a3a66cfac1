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
 * @param version                 transaction.version: the finalized level of Kafka's feature of that name (0 to 2)
 *                                offered in ApiVersions; 2 (KIP-890 part 2) lets clients use EndTxn v5, Produce v12+
 *                                and TxnOffsetCommit v5, below it they keep to transaction version 1
 */
public record TransactionSettings(int maxTimeoutMs, int abortCheckIntervalMs, int idExpirationMs,
                                  int stateLogSegmentBytes, int version) {

    /** @throws ConfigException naming the first setting whose value is not allowed */
    public TransactionSettings {
        BrokerConfig.TRANSACTION_MAX_TIMEOUT_MS_KEY.check(maxTimeoutMs);
        BrokerConfig.TRANSACTION_ABORT_TIMED_OUT_TRANSACTION_CLEANUP_INTERVAL_MS_KEY.check(abortCheckIntervalMs);
        BrokerConfig.TRANSACTIONAL_ID_EXPIRATION_MS_KEY.check(idExpirationMs);
        BrokerConfig.TRANSACTION_STATE_LOG_SEGMENT_BYTES_KEY.check(stateLogSegmentBytes);
        BrokerConfig.TRANSACTION_VERSION_KEY.check(version);
    }

    /** Whether clients are offered transaction version 2 (KIP-890 part 2). */
    public boolean offersVersion2() {
        return version >= 2;
    }

    /** Kafka's defaults, except the state log's segment size (4 MiB, as __consumer_offsets here). */
    public static TransactionSettings defaults() {
        return BrokerConfig.defaults().transactions();
    }
}
