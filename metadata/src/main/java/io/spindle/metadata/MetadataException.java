package io.spindle.metadata;

/**
 * A command the metadata refuses, with the {@link Reason} callers map to their protocol's error code and a message
 * naming the object at fault (topic, broker, partition, epoch). A refused command changes nothing.
 */
public final class MetadataException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** Why a command was refused. Codes are stable: they travel in replies between members. */
    public enum Reason {
        TOPIC_EXISTS(1), UNKNOWN_TOPIC(2), INVALID_TOPIC(3), INVALID_PARTITIONS(4), INVALID_REPLICATION_FACTOR(5),
        INVALID_REPLICA_ASSIGNMENT(6), UNKNOWN_BROKER(7), STALE_BROKER_EPOCH(8), UNKNOWN_PARTITION(9),
        STALE_PARTITION_EPOCH(10), INVALID_PARTITION_CHANGE(11), INVALID_FEATURE_LEVEL(12), INVALID_CONFIG(13),
        /** Not a refusal by the metadata: the quorum could not be reached or answered with a failure. */
        QUORUM_UNAVAILABLE(14), INVALID_COMMAND(15),
        /** A reassignment is cancelled where none is in progress. */
        NO_REASSIGNMENT_IN_PROGRESS(20),
        /** A node to make a voter is one already. */
        DUPLICATE_VOTER(21),
        /** A node to remove from the voters is not one. */
        VOTER_NOT_FOUND(22),
        /** A change of the voters that would be unsafe or cannot be made (the last voter, a node not in the quorum). */
        INVALID_VOTER_CHANGE(23);

        private final int code;

        Reason(int code) {
            this.code = code;
        }

        public int code() {
            return code;
        }

        static Reason ofCode(int code) {
            for (Reason reason : values()) {
                if (reason.code == code) {
                    return reason;
                }
            }
            return INVALID_COMMAND;
        }
    }

    private final Reason reason;

    public MetadataException(Reason reason, String message) {
        super(message);
        this.reason = reason;
    }

    public MetadataException(Reason reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
