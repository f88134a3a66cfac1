package io.spindle.share;

import java.util.Locale;

/** Why a record goes to its share group's dead-letter topic (the {@code spindle.dlq.reason} header says it). */
public enum DeadLetterReason {
    /** A consumer acknowledged it with REJECT. */
    REJECTED,
    /** It was delivered {@code share.delivery.count.limit} times and then released or its lock timed out. */
    DELIVERY_LIMIT;

    /** The header value: {@code rejected} or {@code delivery-limit}. */
    public String headerValue() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
}
