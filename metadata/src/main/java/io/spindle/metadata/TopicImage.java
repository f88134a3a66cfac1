package io.spindle.metadata;

import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.UUID;

/**
 * A topic as the quorum knows it: its id (which outlives a delete and re-create of the same name), its name, the
 * configs set on it (only those given; the rest are the broker's defaults) and its partitions, indexed from 0.
 */
public record TopicImage(UUID id, String name, Map<String, String> configs, List<PartitionImage> partitions) {
    public TopicImage {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(name, "name");
        configs = Collections.unmodifiableMap(new TreeMap<>(configs));
        partitions = List.copyOf(partitions);
        for (int i = 0; i < partitions.size(); i++) {
            if (partitions.get(i).partition() != i) {
                throw new IllegalArgumentException("Topic " + name + ": partition at index " + i + " says it is "
                        + partitions.get(i).partition());
            }
        }
    }

    public PartitionImage partition(int index) {
        return partitions.get(index);
    }
}
