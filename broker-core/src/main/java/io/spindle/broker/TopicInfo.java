package io.spindle.broker;

import io.spindle.config.TopicConfig;
import org.apache.kafka.common.Uuid;

/** A topic as the broker knows it: name, its stable id (kept across restarts), partition count, config. */
public record TopicInfo(String name, Uuid id, int partitions, TopicConfig config) {
}
