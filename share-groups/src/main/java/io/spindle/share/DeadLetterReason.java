package io.spindle.share;

import java.util.Locale;

/** Why a record goes to its share group's dead-letter topic (the {@code spindle.dlq.reason} header says it). */
public enum DeadLetterReason {
    /** A consumer acknowledged it with REJECT. */
    REJECTED,
    /** It was delivered {@code share.delivery.count.limit} times and then released or its lock timed out. */
    DELIVERY_LIMIT;

    /** The {@code __dlq.errors.message} header of a Kafka dead-letter queue: why, in a sentence. */
    public String message() {
        return this == REJECTED ? "Rejected by a consumer of the share group."
                : "Delivered as many times as the share group's delivery count limit allows.";
    }

    /** The header value: {@code rejected} or {@code delivery-limit}. */
    public String headerValue() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
}
