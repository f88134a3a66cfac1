package io.spindle.broker.data;

import org.apache.kafka.common.errors.ApiException;
import io.spindle.broker.partition.PartitionOfflineException;
import io.spindle.log.CorruptRecordBatchException;
import io.spindle.log.InvalidProducerEpochException;
import io.spindle.log.LogClosedException;
import io.spindle.log.LogIOException;
import io.spindle.log.OffsetOutOfRangeException;
import io.spindle.log.OutOfOrderSequenceException;
import io.spindle.log.BatchLargerThanSegmentException;
import io.spindle.log.RecordBatchTooLargeException;
import io.spindle.log.RecordDeletionRefusedException;
import io.spindle.log.RecordWithoutKeyException;
import io.spindle.log.UnsupportedMagicException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import org.apache.kafka.common.protocol.Errors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Kafka error code for each failure the storage engine reports. The codes drive client behaviour
 * (retry, refresh metadata, give up), so each mapping follows what a Kafka broker answers for the same cause.
 */
public final class StorageErrors {
    private static final Logger LOG = LoggerFactory.getLogger(StorageErrors.class);

    private StorageErrors() {
    }

    /** The failure itself, without the wrappers futures put around it. */
    public static Throwable unwrap(Throwable failure) {
        Throwable cause = failure;
        while ((cause instanceof CompletionException || cause instanceof ExecutionException) && cause.getCause() != null) {
            cause = cause.getCause();
        }
        return cause;
    }

    /**
     * The error code of a failed storage call. A closed log (partition deleted, or the broker shutting down) and
     * a writer that no longer takes work answer NOT_LEADER_OR_FOLLOWER: the client refreshes its metadata and
     * retries, which is what it should do in both cases. Anything unexpected is logged here, once per failure.
     */
    public static Errors of(Throwable failure, String what) {
        Throwable cause = unwrap(failure);
        if (cause instanceof CorruptRecordBatchException) {
            return Errors.CORRUPT_MESSAGE;
        }
        if (cause instanceof UnsupportedMagicException) {
            return Errors.UNSUPPORTED_FOR_MESSAGE_FORMAT;
        }
        if (cause instanceof RecordWithoutKeyException) {
            return Errors.INVALID_RECORD;
        }
        if (cause instanceof RecordBatchTooLargeException) {
            return Errors.MESSAGE_TOO_LARGE;
        }
        if (cause instanceof BatchLargerThanSegmentException) {
            return Errors.RECORD_LIST_TOO_LARGE;
        }
        if (cause instanceof OutOfOrderSequenceException) {
            return Errors.OUT_OF_ORDER_SEQUENCE_NUMBER;
        }
        if (cause instanceof InvalidProducerEpochException) {
            return Errors.INVALID_PRODUCER_EPOCH;
        }
        if (cause instanceof OffsetOutOfRangeException) {
            return Errors.OFFSET_OUT_OF_RANGE;
        }
        if (cause instanceof RecordDeletionRefusedException) {
            return Errors.POLICY_VIOLATION;
        }
        if (cause instanceof LogClosedException || cause instanceof RejectedExecutionException) {
            return Errors.NOT_LEADER_OR_FOLLOWER;
        }
        if (cause instanceof LogIOException || cause instanceof PartitionOfflineException) {
            // The storage engine logs disk errors once with the path; no second line here.
            return Errors.KAFKA_STORAGE_ERROR;
        }
        if (cause instanceof ApiException api) {
            return Errors.forException(api);   // the partition's own refusals (not leader, not enough replicas)
        }
        LOG.error("Unexpected failure in {}", what, cause);
        return Errors.UNKNOWN_SERVER_ERROR;
    }
}
