package io.spindle.perf;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.TopicExistsException;

/** Topic set-up for a run, through the Admin API, the same way against any broker. */
final class Topics {
    private static final long TIMEOUT_SECONDS = 60;

    private Topics() {
    }

    static Admin admin(String bootstrap) {
        Properties p = new Properties();
        p.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(CommonClientConfigs.CLIENT_ID_CONFIG, "spindle-perf-admin");
        return Admin.create(p);
    }

    /**
     * Creates {@code topic} with {@code partitions} partitions and replication factor 1, or accepts an existing one
     * with that many partitions; returns once every partition has a leader.
     */
    static void ensure(String bootstrap, String topic, int partitions) throws InterruptedException {
        ensure(bootstrap, topic, partitions, Map.of());
    }

    /** As above, creating the topic with the topic settings {@code configs} (an existing topic keeps its own). */
    static void ensure(String bootstrap, String topic, int partitions, Map<String, String> configs)
            throws InterruptedException {
        ensure(bootstrap, topic, partitions, (short) 1, configs);
    }

    /** As above, with {@code replicationFactor} replicas of each partition if the topic is created. */
    static void ensure(String bootstrap, String topic, int partitions, short replicationFactor, Map<String, String> configs)
            throws InterruptedException {
        try (Admin admin = admin(bootstrap)) {
            try {
                admin.createTopics(List.of(new NewTopic(topic, partitions, replicationFactor).configs(configs))).all()
                        .get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof TopicExistsException)) {
                    throw new PerfException("Cannot create topic " + topic + " with " + partitions + " partitions on "
                            + bootstrap, e.getCause());
                }
            } catch (TimeoutException e) {
                throw new PerfException("Creating topic " + topic + " on " + bootstrap + " took over "
                        + TIMEOUT_SECONDS + " s", e);
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(TIMEOUT_SECONDS);
            while (true) {
                TopicDescription description = describe(admin, topic, bootstrap);
                if (description != null && description.partitions().size() != partitions) {
                    throw new PerfException("Topic " + topic + " on " + bootstrap + " exists with "
                            + description.partitions().size() + " partitions, not " + partitions);
                }
                if (description != null && description.partitions().stream().allMatch(p -> p.leader() != null)
                        && leadersServe(admin, description)) {
                    return;
                }
                if (System.nanoTime() > deadline) {
                    throw new PerfException("Topic " + topic + " on " + bootstrap + " has no leader for every partition after "
                            + TIMEOUT_SECONDS + " s");
                }
                Thread.sleep(20);
            }
        }
    }

    /**
     * Whether every partition's leader answers ListOffsets for it. Metadata can name a leader before that leader
     * has loaded the partition (Kafka, right after creation); a first produce then gets NOT_LEADER_OR_FOLLOWER,
     * which sends an idempotent producer into a slow retry of out-of-order sequences. Asking first avoids it.
     */
    private static boolean leadersServe(Admin admin, TopicDescription description) throws InterruptedException {
        Map<TopicPartition, OffsetSpec> specs = new java.util.HashMap<>();
        description.partitions().forEach(p -> specs.put(new TopicPartition(description.name(), p.partition()),
                OffsetSpec.latest()));
        try {
            admin.listOffsets(specs).all().get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
            return true;
        } catch (ExecutionException | TimeoutException e) {
            return false;
        }
    }

    /** Sets one topic setting through IncrementalAlterConfigs; returns once the broker has accepted it. */
    static void alter(String bootstrap, String topic, String key, String value) throws InterruptedException {
        alter(bootstrap, new ConfigResource(ConfigResource.Type.TOPIC, topic), key, value);
    }

    /** As above, for any resource: a topic, or a group (share.auto.offset.reset of a share group). */
    static void alter(String bootstrap, ConfigResource resource, String key, String value) throws InterruptedException {
        try (Admin admin = admin(bootstrap)) {
            admin.incrementalAlterConfigs(Map.of(resource, List.of(new AlterConfigOp(new ConfigEntry(key, value),
                    AlterConfigOp.OpType.SET)))).all().get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (ExecutionException | TimeoutException e) {
            throw new PerfException("Cannot set " + key + "=" + value + " on " + resource.type().name().toLowerCase(Locale.ROOT)
                    + " " + resource.name() + " on " + bootstrap, e);
        }
    }

    private static TopicDescription describe(Admin admin, String topic, String bootstrap) throws InterruptedException {
        try {
            return admin.describeTopics(List.of(topic)).allTopicNames().get(TIMEOUT_SECONDS, TimeUnit.SECONDS).get(topic);
        } catch (ExecutionException e) {
            return null;    // not yet known to the broker's metadata: asked again
        } catch (TimeoutException e) {
            throw new PerfException("Describing topic " + topic + " on " + bootstrap + " took over " + TIMEOUT_SECONDS + " s", e);
        }
    }

    /** The sum over the topic's partitions of their end offsets (for a fresh topic, the records in it). */
    static long endOffsetSum(String bootstrap, String topic) throws InterruptedException {
        try (Admin admin = admin(bootstrap)) {
            return endOffsetSum(admin, bootstrap, topic);
        }
    }

    /** As above, through an Admin client the caller keeps open (for repeated looks). */
    static long endOffsetSum(Admin admin, String bootstrap, String topic) throws InterruptedException {
        try {
            TopicDescription description = admin.describeTopics(List.of(topic)).allTopicNames()
                    .get(TIMEOUT_SECONDS, TimeUnit.SECONDS).get(topic);
            Map<TopicPartition, OffsetSpec> specs = new java.util.HashMap<>();
            description.partitions().forEach(p -> specs.put(new TopicPartition(topic, p.partition()), OffsetSpec.latest()));
            return admin.listOffsets(specs).all().get(TIMEOUT_SECONDS, TimeUnit.SECONDS).values().stream()
                    .mapToLong(info -> info.offset()).sum();
        } catch (ExecutionException | TimeoutException e) {
            throw new PerfException("Cannot list the end offsets of topic " + topic + " on " + bootstrap, e);
        }
    }
}
