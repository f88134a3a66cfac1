package io.spindle.client;

import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.errors.GroupIdNotFoundException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;

/**
 * Waits for a kafka-clients future and turns its failure into a {@link SpindleException} that names what was
 * being done: Kafka's own messages ("This server does not host this topic-partition.") do not say which topic.
 */
final class KafkaCalls {
    private KafkaCalls() {
    }

    /**
     * @param what      what was being done, e.g. "Describing topic 'orders'"
     * @param topic     the topic concerned, for an unknown-topic error; may be null
     * @param group     the group concerned, for an unknown-group error; may be null
     */
    static <T> T await(Future<T> future, long timeoutMs, String bootstrap, String what, String topic, String group) {
        try {
            // The Admin client enforces its own timeout; this bound only guards against a future never completed.
            return future.get(timeoutMs + 5_000, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SpindleException(what + " was interrupted", e);
        } catch (ExecutionException e) {
            throw translate(e.getCause(), timeoutMs, bootstrap, what, topic, group);
        } catch (java.util.concurrent.TimeoutException e) {
            throw unreachable(bootstrap, timeoutMs, what, e);
        }
    }

    static RuntimeException translate(Throwable cause, long timeoutMs, String bootstrap, String what, String topic,
                                      String group) {
        if (cause instanceof UnknownTopicOrPartitionException && topic != null) {
            return new UnknownTopicException(topic, cause);
        }
        if (cause instanceof GroupIdNotFoundException && group != null) {
            return new UnknownGroupException(group, cause);
        }
        if (cause instanceof TimeoutException) {
            return unreachable(bootstrap, timeoutMs, what, cause);
        }
        if (cause instanceof SpindleException spindle) {
            return spindle;
        }
        return new SpindleException(what + " failed", cause);
    }

    static BrokerUnreachableException unreachable(String bootstrap, long timeoutMs, String what, Throwable cause) {
        return new BrokerUnreachableException(what + ": no answer from the broker at " + bootstrap + " within "
                + timeoutMs + " ms", cause);
    }
}
