package io.spindle.broker.group;

import io.spindle.broker.TopicInfo;
import io.spindle.broker.Topics;
import org.apache.kafka.common.Uuid;

/** Topic id to name and back, for the offset APIs whose newest versions name topics by id. */
final class GroupTopicIds {
    private final Topics topics;

    GroupTopicIds(Topics topics) {
        this.topics = topics;
    }

    /** The topic's name, or null when no topic has that id. */
    String name(Uuid id) {
        return topics.topic(id).map(TopicInfo::name).orElse(null);
    }

    /** The topic's id, or the zero id when there is no such topic. */
    Uuid id(String name) {
        return topics.topic(name).map(TopicInfo::id).orElse(Uuid.ZERO_UUID);
    }
}
