package io.spindle.broker.cluster;

import io.spindle.broker.partition.Partition;
import io.spindle.broker.partition.Partitions;
import io.spindle.metadata.MetadataImage;
import io.spindle.metadata.PartitionImage;
import io.spindle.metadata.TopicImage;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which partitions this broker leads by the last applied image, and the {@link LeadershipListener}s told when that
 * changes. A partition counts as led once the image names this broker its leader and its log here leads at the image's
 * leader epoch. {@link #applied} is called by the {@link ImageApplier} after each image, on its thread.
 */
final class LeadershipTracker {
    private static final Logger log = LoggerFactory.getLogger(LeadershipTracker.class);

    private record Key(String topic, int partition) {
    }

    private final Partitions partitions;
    private final int nodeId;
    private final List<LeadershipListener> listeners = new CopyOnWriteArrayList<>();
    /** Led partitions and their leader epochs by the last image; null before the first. */
    private Map<Key, Integer> led;

    LeadershipTracker(Partitions partitions, int nodeId) {
        this.partitions = partitions;
        this.nodeId = nodeId;
    }

    /** Adds a listener; call before the first image is applied (at start), so it hears where everything stands. */
    void addListener(LeadershipListener listener) {
        listeners.add(listener);
    }

    /** Tells the listeners what {@code image}, now applied to the logs, changed in this broker's leaderships. */
    void applied(MetadataImage image) {
        Map<Key, Integer> now = new HashMap<>();
        for (TopicImage topic : image.topics().values()) {
            for (PartitionImage wanted : topic.partitions()) {
                Optional<Partition> held = partitions.get(topic.name(), wanted.partition());
                if (wanted.leader() == nodeId && held.isPresent() && !held.get().isOffline()
                        && held.get().leaderEpoch() == wanted.leaderEpoch()) {
                    now.put(new Key(topic.name(), wanted.partition()), wanted.leaderEpoch());
                }
            }
        }
        if (led == null) {
            for (Partition held : partitions.all()) {
                Key key = new Key(held.topic(), held.index());
                if (!now.containsKey(key)) {
                    lost(key);
                }
            }
        } else {
            led.forEach((key, epoch) -> {
                if (!epoch.equals(now.get(key))) {
                    lost(key);
                }
            });
        }
        Map<Key, Integer> before = led == null ? Map.of() : led;
        now.forEach((key, epoch) -> {
            if (!epoch.equals(before.get(key))) {
                for (LeadershipListener listener : listeners) {
                    guarded(() -> listener.becameLeader(key.topic(), key.partition(), epoch), key);
                }
            }
        });
        led = now;
    }

    private void lost(Key key) {
        for (LeadershipListener listener : listeners) {
            guarded(() -> listener.lostLeadership(key.topic(), key.partition()), key);
        }
    }

    private static void guarded(Runnable call, Key key) {
        try {
            call.run();
        } catch (RuntimeException e) {
            log.error("A leadership listener failed for partition {}-{}", key.topic(), key.partition(), e);
        }
    }
}
