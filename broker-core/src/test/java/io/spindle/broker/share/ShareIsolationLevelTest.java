package io.spindle.broker.share;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spindle.broker.LocalBroker;
import io.spindle.share.SharePartition;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.AcknowledgeType;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaShareConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.InvalidConfigurationException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kafka's group config {@code share.isolation.level} with kafka-clients' {@link KafkaShareConsumer} and a transactional
 * producer: a read_committed share group is handed committed records only, never those of aborted transactions, and
 * those of an open transaction only once it commits; a read_uncommitted one is handed everything.
 */
class ShareIsolationLevelTest {
    private static final String TOPIC = "payments";
    private static final TopicPartition PARTITION = new TopicPartition(TOPIC, 0);
    private static final Duration WAIT = Duration.ofSeconds(60);

    @TempDir
    Path dataDir;
    private LocalBroker broker;
    private Admin admin;
    private KafkaProducer<byte[], byte[]> transactional;
    private final List<KafkaShareConsumer<byte[], byte[]>> consumers = new ArrayList<>();

    @BeforeEach
    void start() {
        broker = LocalBroker.start(dataDir);
        broker.createTopic(TOPIC, 1);
        admin = broker.admin();
        transactional = broker.closeWithBroker(broker.producer(Map.of(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "payer",
                ProducerConfig.LINGER_MS_CONFIG, 0)));
        transactional.initTransactions();
    }

    @AfterEach
    void stop() {
        for (KafkaShareConsumer<byte[], byte[]> consumer : consumers) {
            consumer.close(Duration.ofSeconds(5));
        }
        broker.close();
    }

    private void set(String group, String key, String value) throws Exception {
        admin.incrementalAlterConfigs(Map.of(new ConfigResource(ConfigResource.Type.GROUP, group),
                List.of(new AlterConfigOp(new ConfigEntry(key, value), AlterConfigOp.OpType.SET)))).all().get();
    }

    private void group(String name, String isolation) throws Exception {
        set(name, "share.auto.offset.reset", "earliest");
        if (isolation != null) {
            set(name, "share.isolation.level", isolation);
        }
    }

    private void transaction(boolean commit, String... values) {
        transactional.beginTransaction();
        send(transactional, values);
        if (commit) {
            transactional.commitTransaction();
        } else {
            transactional.abortTransaction();
        }
    }

    private static void send(KafkaProducer<byte[], byte[]> producer, String... values) {
        for (String value : values) {
            producer.send(new ProducerRecord<>(TOPIC, 0, null, value.getBytes(StandardCharsets.UTF_8)));
        }
        producer.flush();
    }

    private void plain(String... values) {
        try (KafkaProducer<byte[], byte[]> producer = broker.producer(Map.of(ProducerConfig.LINGER_MS_CONFIG, 0))) {
            send(producer, values);
        }
    }

    private KafkaShareConsumer<byte[], byte[]> consumer(String group) {
        KafkaShareConsumer<byte[], byte[]> consumer = broker.shareConsumer(group,
                Map.of("share.acknowledgement.mode", "explicit"));
        consumer.subscribe(List.of(TOPIC));
        consumers.add(consumer);
        return consumer;
    }

    /** Polls once, accepting and committing what came; adds the values to {@code into}. */
    private static int pollAccepting(KafkaShareConsumer<byte[], byte[]> consumer, Set<String> into) {
        int count = 0;
        for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(200))) {
            into.add(new String(record.value(), StandardCharsets.UTF_8));
            consumer.acknowledge(record, AcknowledgeType.ACCEPT);
            count++;
        }
        consumer.commitSync();
        return count;
    }

    private long logEnd() throws Exception {
        return admin.listOffsets(Map.of(PARTITION, OffsetSpec.latest())).all().get().get(PARTITION).offset();
    }

    /** The group's share-partition of the topic (it has one partition). */
    private SharePartition sharePartition(String group) {
        return broker.broker().shareCoordinator().sharePartitions(group).values().iterator().next();
    }

    /** Polls until the group is done with every offset of the log (the window start is at the log end). */
    private Set<String> consumeAll(String group) throws Exception {
        KafkaShareConsumer<byte[], byte[]> consumer = consumer(group);
        Set<String> values = new TreeSet<>();
        long end = logEnd();
        await().atMost(WAIT).until(() -> {
            pollAccepting(consumer, values);
            return !broker.broker().shareCoordinator().sharePartitions(group).isEmpty() && startOffset(group) == end;
        });
        return values;
    }

    private long startOffset(String group) {
        SharePartition partition = sharePartition(group);
        synchronized (partition) {
            return partition.startOffset();
        }
    }

    @Test
    void readCommittedGroupGetsExactlyTheCommittedRecordsAndReadUncommittedGetsThemAll() throws Exception {
        group("committed", "read_committed");
        group("everything", null);
        transaction(true, "c-0", "c-1", "c-2");
        transaction(false, "a-0", "a-1", "a-2");
        plain("p-0");
        transaction(false, "a-3");
        transaction(true, "c-3", "c-4");

        assertEquals(new TreeSet<>(Set.of("c-0", "c-1", "c-2", "p-0", "c-3", "c-4")), consumeAll("committed"));
        assertEquals(new TreeSet<>(Set.of("c-0", "c-1", "c-2", "a-0", "a-1", "a-2", "p-0", "a-3", "c-3", "c-4")),
                consumeAll("everything"));
        SharePartition committed = sharePartition("committed");
        synchronized (committed) {
            // Four aborted records and four markers, archived without being delivered.
            assertEquals(8, committed.archivedTotal());
        }
    }

    @Test
    void readCommittedGroupGetsAnOpenTransactionsRecordsOnlyOnceItCommits() throws Exception {
        group("committed", "read_committed");
        plain("before");
        transactional.beginTransaction();
        send(transactional, "open-0", "open-1");
        plain("after");   // behind the open transaction: above the last stable offset too

        KafkaShareConsumer<byte[], byte[]> consumer = consumer("committed");
        Set<String> values = new TreeSet<>();
        await().atMost(WAIT).until(() -> pollAccepting(consumer, values) >= 0 && values.contains("before"));
        for (int i = 0; i < 3; i++) {
            assertEquals(0, pollAccepting(consumer, values), "nothing past the last stable offset: " + values);
        }
        SharePartition partition = sharePartition("committed");
        synchronized (partition) {
            assertEquals(1, partition.endOffset(), "nothing past the open transaction entered the window");
        }

        transactional.commitTransaction();
        await().atMost(WAIT).until(() -> pollAccepting(consumer, values) >= 0 && values.size() == 4);
        assertEquals(new TreeSet<>(Set.of("before", "open-0", "open-1", "after")), values);
    }

    @Test
    void switchingTheIsolationLevelTakesEffectForLaterAcquisitions() throws Exception {
        group("switching", null);
        transaction(false, "aborted-while-uncommitted");
        KafkaShareConsumer<byte[], byte[]> consumer = consumer("switching");
        Set<String> values = new TreeSet<>();
        await().atMost(WAIT).until(() -> pollAccepting(consumer, values) >= 0
                && values.contains("aborted-while-uncommitted"));

        set("switching", "share.isolation.level", "read_committed");
        transaction(false, "aborted-while-committed");
        transaction(true, "committed");
        long end = logEnd();
        await().atMost(WAIT).until(() -> pollAccepting(consumer, values) >= 0 && startOffset("switching") == end);
        assertEquals(new TreeSet<>(Set.of("aborted-while-uncommitted", "committed")), values);

        set("switching", "share.isolation.level", "read_uncommitted");
        transaction(false, "aborted-after-switching-back");
        await().atMost(WAIT).until(() -> pollAccepting(consumer, values) >= 0
                && values.contains("aborted-after-switching-back"));
    }

    @Test
    void describeConfigsShowsTheIsolationLevelAndABadValueIsRefusedNamingIt() throws Exception {
        ConfigResource resource = new ConfigResource(ConfigResource.Type.GROUP, "described");
        Config before = admin.describeConfigs(List.of(resource)).all().get().get(resource);
        assertEquals("read_uncommitted", before.get("share.isolation.level").value());
        assertEquals(ConfigEntry.ConfigSource.DEFAULT_CONFIG, before.get("share.isolation.level").source());
        set("described", "share.isolation.level", "read_committed");
        Config after = admin.describeConfigs(List.of(resource)).all().get().get(resource);
        assertEquals("read_committed", after.get("share.isolation.level").value());
        assertEquals(ConfigEntry.ConfigSource.DYNAMIC_GROUP_CONFIG, after.get("share.isolation.level").source());

        ExecutionException bad = assertThrows(ExecutionException.class,
                () -> set("described", "share.isolation.level", "serializable"));
        assertInstanceOf(InvalidConfigurationException.class, bad.getCause());
        assertTrue(bad.getCause().getMessage().contains("share.isolation.level"), bad.getCause().getMessage());
    }
}
