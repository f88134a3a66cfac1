package io.spindle.log;

/** A record's timestamp (milliseconds) and offset, as ListOffsets answers by time. */
public record TimestampAndOffset(long timestamp, long offset) {
}
