package io.spindle.broker.partition;

import io.spindle.log.LogIOException;

/**
 * A partition whose storage failed was asked to append or read. Kafka clients get KAFKA_STORAGE_ERROR for it.
 * The message names the partition and the failure that took it offline.
 */
public final class PartitionOfflineException extends RuntimeException {
    PartitionOfflineException(String partition, LogIOException cause) {
        super(partition + " is offline since a write or fsync failed (" + cause.getMessage()
                + "); it takes no appends and serves no reads until the broker restarts and recovers it", cause);
    }
}
