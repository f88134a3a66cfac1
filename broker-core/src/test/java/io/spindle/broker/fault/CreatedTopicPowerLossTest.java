package io.spindle.broker.fault;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Future;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * A topic's partitions are created in one batch (their directories, one fsync of the data directory for all of them,
 * the logs opened in parallel, no checkpoint written for a log that holds nothing): that must still leave a created
 * topic, and what is acknowledged in it, in place after a kill -9 and a power cut (crashfs drops every write and
 * directory change not forced). Skipped where crashfs cannot run ({@link CrashFs#requireAvailable}).
 */
class CreatedTopicPowerLossTest {
    private static final String TOPIC = "fresh";
    private static final int PARTITIONS = 24;
    /** crashfs holds every file in memory, a preallocated segment too: small ones, as the other power-loss tests. */
    private static final Map<String, String> SMALL_SEGMENTS = Map.of("log.segment.bytes", "131072");

    @TempDir(cleanup = CleanupMode.ON_SUCCESS)
    Path work;

    @Test
    void aTopicCreatedRightBeforeKillAndPowerCutComesBackWithEveryPartitionWritable() throws Exception {
        try (CrashFs disk = CrashFs.requireAvailable(work).mount();
             BrokerProcess broker = new BrokerProcess(disk.root().resolve("data"), work, SMALL_SEGMENTS)) {
            broker.start();
            createTopic(broker.bootstrapServers());
            Crash.powerLoss(broker, disk).happen();

            assertEquals(PARTITIONS, partitionsOf(broker.bootstrapServers()));
            produceOneToEach(broker.bootstrapServers());
            assertEachPartitionHoldsItsOneRecord(broker.bootstrapServers());
            broker.kill();
        }
    }

    @Test
    void recordsAcknowledgedInANewTopicSurviveKillAndPowerCut() throws Exception {
        try (CrashFs disk = CrashFs.requireAvailable(work).mount();
             BrokerProcess broker = new BrokerProcess(disk.root().resolve("data"), work, SMALL_SEGMENTS)) {
            broker.start();
            createTopic(broker.bootstrapServers());
            produceOneToEach(broker.bootstrapServers());
            Crash.powerLoss(broker, disk).happen();

            assertEachPartitionHoldsItsOneRecord(broker.bootstrapServers());
            broker.kill();
        }
    }

    private static void createTopic(String bootstrap) throws Exception {
        try (Admin admin = Admin.create(adminProperties(bootstrap))) {
            admin.createTopics(List.of(new NewTopic(TOPIC, PARTITIONS, (short) 1))).all().get();
        }
    }

    private static int partitionsOf(String bootstrap) throws Exception {
        try (Admin admin = Admin.create(adminProperties(bootstrap))) {
            TopicDescription description = admin.describeTopics(List.of(TOPIC)).allTopicNames().get().get(TOPIC);
            return description.partitions().size();
        }
    }

    private static Properties adminProperties(String bootstrap) {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        return p;
    }

    /** One record, acks=all, to each partition: its value names the partition. Waits for every acknowledgement. */
    private static void produceOneToEach(String bootstrap) throws Exception {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p)) {
            List<Future<?>> sends = new ArrayList<>();
            for (int partition = 0; partition < PARTITIONS; partition++) {
                sends.add(producer.send(new ProducerRecord<>(TOPIC, partition, null, value(partition))));
            }
            for (Future<?> send : sends) {
                send.get();
            }
        }
    }

    private static void assertEachPartitionHoldsItsOneRecord(String bootstrap) {
        Map<Integer, List<String>> read = LogReader.read(bootstrap, TOPIC, PARTITIONS,
                r -> new String(r.value(), StandardCharsets.UTF_8));
        for (int partition = 0; partition < PARTITIONS; partition++) {
            assertEquals(List.of(new String(value(partition), StandardCharsets.UTF_8)), read.get(partition),
                    "partition " + partition);
        }
    }

    private static byte[] value(int partition) {
        return ("record of partition " + partition).getBytes(StandardCharsets.UTF_8);
    }
}
