package io.spindle.groups;

/**
 * How far a group is behind on one partition.
 *
 * @param logEndOffset the partition's log end offset, -1 when the partition no longer exists
 * @param lag          {@code logEndOffset - committedOffset}, never negative; -1 when the partition no longer exists
 */
public record PartitionLag(String topic, int partition, long committedOffset, long logEndOffset, long lag) {
}
