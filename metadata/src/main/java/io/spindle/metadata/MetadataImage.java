package io.spindle.metadata;

import java.util.Collection;
import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.UUID;

/**
 * What the cluster agrees on after the metadata log up to {@link #offset()}: brokers, topics with their partitions,
 * the producer-id blocks handed out, the finalized feature levels (among them {@value #METADATA_VERSION}) and the
 * configs groups set for themselves (Kafka's GROUP config resources, kept by its controller as this quorum keeps them).
 * Immutable: a command yields a new image ({@link MetadataCommand#applyTo}), so a reader holds a consistent view
 * for as long as it likes without locks. Maps iterate in key order, so two members' images at the same offset are
 * equal and encode to the same bytes.
 *
 * @param offset              the metadata log index of the last command that changed this image; 0 for the empty one
 * @param brokers             registered brokers by id
 * @param topics              topics by name
 * @param nextProducerId      the first producer id of the next block to hand out
 * @param lastProducerIdBlock the last block handed to each broker, by broker id
 * @param features            finalized feature levels by feature name
 * @param groupConfigs        each group's own configs (consumer.*, share.*) by group id; a group without any is absent.
 *                            The broker checks the values before it submits them, as for topic configs
 */
public record MetadataImage(long offset, SortedMap<Integer, BrokerRegistration> brokers,
                            SortedMap<String, TopicImage> topics, long nextProducerId,
                            SortedMap<Integer, ProducerIdBlock> lastProducerIdBlock, SortedMap<String, Short> features,
                            SortedMap<String, SortedMap<String, String>> groupConfigs) {
    /** The feature that versions the metadata itself (Kafka's name). */
    public static final String METADATA_VERSION = "metadata.version";

    /** The image before the first command. */
    public static final MetadataImage EMPTY = new MetadataImage(0, new TreeMap<>(), new TreeMap<>(), 0,
            new TreeMap<>(), new TreeMap<>(), new TreeMap<>());

    public MetadataImage {
        brokers = frozen(brokers);
        topics = frozen(topics);
        lastProducerIdBlock = frozen(lastProducerIdBlock);
        features = frozen(features);
        TreeMap<String, SortedMap<String, String>> groups = new TreeMap<>();
        groupConfigs.forEach((group, configs) -> groups.put(group, frozen(configs)));
        groupConfigs = Collections.unmodifiableSortedMap(groups);
    }

    public Optional<BrokerRegistration> broker(int id) {
        return Optional.ofNullable(brokers.get(id));
    }

    public Optional<TopicImage> topic(String name) {
        return Optional.ofNullable(topics.get(name));
    }

    /** The topic with this id; a scan, as ids are looked up only on partition changes. */
    public Optional<TopicImage> topic(UUID id) {
        return topics.values().stream().filter(t -> t.id().equals(id)).findFirst();
    }

    /** Brokers that are registered and not fenced, by id. */
    public Collection<BrokerRegistration> liveBrokers() {
        return brokers.values().stream().filter(b -> !b.fenced()).toList();
    }

    /** The finalized level of a feature, 0 when never set. */
    public short featureLevel(String feature) {
        return features.getOrDefault(feature, (short) 0);
    }

    /** The configs group {@code group} set itself; empty when none. */
    public SortedMap<String, String> groupConfigs(String group) {
        return groupConfigs.getOrDefault(group, Collections.emptySortedMap());
    }

    MetadataImage withOffset(long newOffset) {
        return new MetadataImage(newOffset, brokers, topics, nextProducerId, lastProducerIdBlock, features,
                groupConfigs);
    }

    private static <K, V> SortedMap<K, V> frozen(SortedMap<K, V> map) {
        Objects.requireNonNull(map);
        return Collections.unmodifiableSortedMap(new TreeMap<>(map));
    }
}
