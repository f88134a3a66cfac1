package io.spindle.share;

import org.apache.kafka.common.Uuid;

/**
 * One record of a share group to copy to a dead-letter topic: which record (topic, partition, offset), for which group,
 * after how many deliveries and why, and where to ({@code deadLetterTopic}, already resolved from the group's pattern).
 */
public record DeadLetter(String group, String topic, Uuid topicId, int partition, long offset, int deliveryCount,
                         DeadLetterReason reason, String deadLetterTopic) {
}
