package io.spindle.log;

/**
 * A batch larger than the topic's segment.bytes: no segment can hold it. Maps to RECORD_LIST_TOO_LARGE, as Kafka
 * answers it, not to MESSAGE_TOO_LARGE: kafka-clients answers MESSAGE_TOO_LARGE by splitting the batch and resending
 * the halves under the batch's old sequence numbers, which an idempotent producer whose later batches were appended
 * meanwhile can never get in (OUT_OF_ORDER_SEQUENCE_NUMBER until its delivery timeout).
 */
public final class BatchLargerThanSegmentException extends InvalidRecordBatchException {
    public BatchLargerThanSegmentException(String message) {
        super(message);
    }
}
