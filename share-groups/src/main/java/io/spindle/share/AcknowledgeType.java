package io.spindle.share;

/**
 * What a share consumer says about a record it acquired, with the protocol's codes (ShareFetch and ShareAcknowledge
 * acknowledgement batches).
 */
public enum AcknowledgeType {
    /** The offset holds no record (a compacted or control offset): archived. Sent by the client, never by users. */
    GAP(0),
    /** Processed: acknowledged, never delivered again. */
    ACCEPT(1),
    /** Not processed: available again (archived once the delivery count limit is reached). */
    RELEASE(2),
    /** Unprocessable: archived, never delivered again. */
    REJECT(3),
    /** Still being processed: the acquisition lock is extended by a full lock duration. */
    RENEW(4);

    public final byte code;

    AcknowledgeType(int code) {
        this.code = (byte) code;
    }

    /** The type of a protocol code, or null for an unknown code. */
    public static AcknowledgeType of(byte code) {
        return code >= 0 && code < VALUES.length ? VALUES[code] : null;
    }

    private static final AcknowledgeType[] VALUES = values();
}
