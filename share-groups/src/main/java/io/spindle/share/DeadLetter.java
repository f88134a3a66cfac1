package io.spindle.share;

import io.spindle.config.ShareDeadLetterQueue;
import org.apache.kafka.common.Uuid;

/**
 * One record of a share group to copy to a dead-letter topic: which record (topic, partition, offset), for which group,
 * after how many deliveries and why, and where to ({@code deadLetterTopic}, already resolved from the group's configs).
 * When {@code queue} is {@linkplain ShareDeadLetterQueue#enabled() enabled} the target is the group's Kafka dead-letter
 * queue ({@code errors.deadletterqueue.topic.name}) and Kafka's rules for it apply; otherwise Spindle's
 * {@code spindle.share.dead.letter.topic}.
 */
public record DeadLetter(String group, String topic, Uuid topicId, int partition, long offset, int deliveryCount,
                         DeadLetterReason reason, String deadLetterTopic,
                         ShareDeadLetterQueue queue) {
}
