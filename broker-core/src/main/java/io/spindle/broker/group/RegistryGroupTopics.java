package io.spindle.broker.group;

import io.spindle.broker.TopicInfo;
import io.spindle.broker.Topics;
import io.spindle.broker.meta.TopicRegistry;
import io.spindle.broker.partition.Partitions;
import io.spindle.groups.GroupTopics;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import org.apache.kafka.common.Uuid;

/** The broker's topics as the group coordinator sees them. Lock-free reads of the registry. */
public final class RegistryGroupTopics implements GroupTopics {
    private final Topics topics;
    private final Partitions partitions;

    public RegistryGroupTopics(Topics topics, Partitions partitions) {
        this.topics = topics;
        this.partitions = partitions;
    }

    @Override
    public OptionalInt partitionCount(String topic) {
        Optional<TopicInfo> info = topics.topic(topic);
        return info.isPresent() ? OptionalInt.of(info.get().partitions()) : OptionalInt.empty();
    }

    @Override
    public Optional<Uuid> topicId(String topic) {
        return topics.topic(topic).map(TopicInfo::id);
    }

    @Override
    public Optional<String> topicName(Uuid topicId) {
        return topics.topic(topicId).map(TopicInfo::name);
    }

    @Override
    public Collection<String> topicNames() {
        List<String> names = new ArrayList<>();
        for (TopicInfo info : topics.all()) {
            if (!TopicRegistry.isInternal(info.name())) {
                names.add(info.name());
            }
        }
        return names;
    }

    @Override
    public OptionalLong logEndOffset(String topic, int partition) {
        // Lag is measured to what consumers can read: the high watermark.
        return partitions.get(topic, partition).map(held -> OptionalLong.of(held.highWatermark())).orElse(OptionalLong.empty());
    }
}
