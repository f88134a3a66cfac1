package io.spindle.txn;

/** Hands out producer ids never handed out before (the broker's durable allocator). May block on disk. */
@FunctionalInterface
public interface ProducerIds {
    /** @throws io.spindle.log.LogStorageException when the reservation cannot be made durable */
    long allocate();
}
