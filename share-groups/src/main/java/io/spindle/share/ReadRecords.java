package io.spindle.share;

import java.util.function.LongUnaryOperator;

/**
 * What the fetch path read in the log about the records a share-partition is about to acquire
 * ({@link SharePartition#acquire}): when each may first be delivered, and whether the group may see it at all. Asked
 * only about offsets the read returned, in increasing order.
 */
public interface ReadRecords {
    /** Records every group may see at once. */
    ReadRecords NONE = new ReadRecords() {
        @Override
        public long deliverAt(long offset) {
            return 0;
        }

        @Override
        public boolean isDeliverable(long offset) {
            return true;
        }
    };

    /** Records every group may see, each from the time {@code deliverAt} names for its offset (0 or less: at once). */
    static ReadRecords deliveringAt(LongUnaryOperator deliverAt) {
        return new ReadRecords() {
            @Override
            public long deliverAt(long offset) {
                return deliverAt.applyAsLong(offset);
            }

            @Override
            public boolean isDeliverable(long offset) {
                return true;
            }
        };
    }

    /**
     * The epoch millis before which the record at {@code offset} must not be delivered (its {@code spindle.deliver.at}
     * header); 0 (or less) for none. Asked only about records never delivered.
     */
    long deliverAt(long offset);

    /**
     * Whether the group may be handed the record at {@code offset}: false, for a read_committed group, for a record of
     * an aborted transaction or a transaction's control record. Such a record is archived instead of acquired.
     */
    boolean isDeliverable(long offset);
}
