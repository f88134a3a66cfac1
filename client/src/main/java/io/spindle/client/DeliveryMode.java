package io.spindle.client;

/** When a {@link ConsumerWorker} commits a record's offset relative to handling it. */
public enum DeliveryMode {
    /**
     * Commit after the handler returned. A crash between the two redelivers the record; a handler that keeps
     * failing is retried, then the record goes to the dead-letter topic {@code <topic>.dlq}.
     */
    AT_LEAST_ONCE,
    /**
     * Commit each polled batch before handling it. A crash or a handler failure loses the records concerned;
     * none is ever handled twice. Failures are logged and counted, never retried.
     */
    AT_MOST_ONCE,
    /**
     * One transaction per polled batch holds what the handler sent (through its {@link TransactionalSender}) and
     * the batch's offsets; read_committed consumers of the output see each batch's sends once, or never. A handler
     * failure aborts the transaction and the batch is handled again, with the worker's backoff; a record failing
     * more than its retries goes to the dead-letter topic inside the transaction. Set by
     * {@link ConsumerWorker.Builder#startExactlyOnce}.
     */
    EXACTLY_ONCE
}
