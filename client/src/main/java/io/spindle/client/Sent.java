package io.spindle.client;

import java.time.Instant;

/** Where the broker put a record it acknowledged. */
public record Sent(String topic, int partition, long offset, Instant timestamp) {
}
