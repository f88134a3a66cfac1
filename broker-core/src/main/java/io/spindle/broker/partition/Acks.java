package io.spindle.broker.partition;

/** What a producer asked to wait for before it is answered (the Produce request's {@code acks}). */
public enum Acks {
    /** acks=0: no answer at all. */
    NONE,
    /** acks=1: the leader has appended the batch. */
    LEADER,
    /** acks=-1 (all): every in-sync replica holds the batch as durably as its flush mode promises. */
    ALL;

    /** The value of a Produce request's {@code acks}, or null when it is not 0, 1 or -1. */
    public static Acks of(short acks) {
        return switch (acks) {
            case 0 -> NONE;
            case 1 -> LEADER;
            case -1 -> ALL;
            default -> null;
        };
    }
}
