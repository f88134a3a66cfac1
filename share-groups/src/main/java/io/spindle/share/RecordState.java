package io.spindle.share;

/** The state of one record in a share-partition's in-flight window. */
public enum RecordState {
    /** May be acquired by the next fetch of any member. */
    AVAILABLE,
    /** Held by one member until it acknowledges it or its acquisition lock expires. Never persisted as such. */
    ACQUIRED,
    /** Accepted by a consumer: done. */
    ACKNOWLEDGED,
    /** Rejected, a gap, or over the delivery count limit: done, never delivered again. */
    ARCHIVED,
    /**
     * Rejected or over the delivery count limit in a group with a dead-letter topic: being copied there, archived once
     * the copy is durable. Never delivered again; not done (the window does not move past it).
     */
    DEAD_LETTERING;

    boolean isFinal() {
        return this == ACKNOWLEDGED || this == ARCHIVED;
    }
}
