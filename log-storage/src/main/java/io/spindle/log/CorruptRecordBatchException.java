package io.spindle.log;

/** A batch whose length, CRC32C or record count does not hold together. Maps to CORRUPT_MESSAGE. */
public final class CorruptRecordBatchException extends InvalidRecordBatchException {
    public CorruptRecordBatchException(String message) {
        super(message);
    }
}
