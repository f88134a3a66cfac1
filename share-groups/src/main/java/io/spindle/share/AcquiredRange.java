package io.spindle.share;

/** Consecutive offsets acquired by one fetch, all with the same delivery count (the protocol's AcquiredRecords). */
public record AcquiredRange(long firstOffset, long lastOffset, int deliveryCount) {
    public long count() {
        return lastOffset - firstOffset + 1;
    }
}
