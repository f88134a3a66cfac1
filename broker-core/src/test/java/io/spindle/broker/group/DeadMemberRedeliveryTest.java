package io.spindle.broker.group;

import static io.spindle.broker.group.GroupTestSupport.consumerProperties;
import static io.spindle.broker.group.GroupTestSupport.createTopic;
import static io.spindle.broker.group.GroupTestSupport.produce;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spindle.broker.LocalBroker;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.GroupProtocol;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.ConsumerGroupHeartbeatRequestData;
import org.apache.kafka.common.message.ConsumerGroupHeartbeatResponseData;
import org.apache.kafka.common.message.JoinGroupResponseData;
import org.apache.kafka.common.message.SyncGroupResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * At-least-once: a member that falls silent without committing (a raw client that stops heartbeating) is
 * removed after its session timeout, its partitions go to the remaining member, and the records it had
 * been delivered are delivered again.
 */
class DeadMemberRedeliveryTest {
    private static final String TOPIC = "jobs";
    private static final String GROUP = "workers";
    private static final int PARTITIONS = 4;
    private static final int RAW_SESSION_MS = 2_000;

    @TempDir
    Path dataDir;
    private LocalBroker broker;
    private PollingConsumer survivor;

    @BeforeEach
    void start() throws Exception {
        broker = GroupTestSupport.startBroker(dataDir);
        createTopic(broker, TOPIC, PARTITIONS);
    }

    @AfterEach
    void stop() throws Exception {
        if (survivor != null) {
            survivor.close();
        }
        broker.close();
    }

    @Test
    void classicMemberThatStopsHeartbeatingLosesItsPartitionsAfterSessionTimeoutAndItsRecordsAreRedelivered() throws Exception {
        survivor = new PollingConsumer("survivor", consumerProperties(broker, GroupProtocol.CLASSIC, GROUP, Map.of()), TOPIC, true);
        await().atMost(Duration.ofSeconds(30)).until(() -> survivor.assignment().size() == PARTITIONS);

        List<TopicPartition> deadOnes;
        try (RawGroupClient raw = new RawGroupClient(broker)) {
            JoinGroupResponseData joined = raw.joinWithId(GROUP, TOPIC, RAW_SESSION_MS, RAW_SESSION_MS);
            assertEquals(Errors.NONE.code(), joined.errorCode());
            SyncGroupResponseData synced = raw.sync(GROUP, joined.memberId(), joined.generationId(), Map.of());
            assertEquals(Errors.NONE.code(), synced.errorCode());
            deadOnes = RawGroupClient.partitionsOf(synced);
            // From here on the raw member says nothing more: no heartbeat, no commit, no leave.
        }
        assertEquals(PARTITIONS / 2, deadOnes.size(), "the raw member got its share: " + deadOnes);
        await().atMost(Duration.ofSeconds(10)).until(() -> survivor.assignment().size() == PARTITIONS / 2);

        redeliveryAfterSilence(deadOnes);
    }

    @Test
    void consumerProtocolMemberThatStopsHeartbeatingLosesItsPartitionsAfterSessionTimeoutAndItsRecordsAreRedelivered()
            throws Exception {
        survivor = new PollingConsumer("survivor", consumerProperties(broker, GroupProtocol.CONSUMER, GROUP, Map.of()), TOPIC, true);
        await().atMost(Duration.ofSeconds(30)).until(() -> survivor.assignment().size() == PARTITIONS);
        Uuid topicId = broker.broker().topics().topic(TOPIC).orElseThrow().id();

        Set<Integer> owned = new TreeSet<>();
        try (RawGroupClient raw = new RawGroupClient(broker)) {
            String memberId = Uuid.randomUuid().toString();
            ConsumerGroupHeartbeatResponseData response = raw.consumerHeartbeat(GROUP, memberId, 0, List.of(TOPIC), List.of());
            assertEquals(Errors.NONE.code(), response.errorCode(), response.errorMessage());
            int[] epoch = {response.memberEpoch()};
            owned.addAll(RawGroupClient.partitionsOf(response.assignment(), topicId));
            // Heartbeat as the client would, at the interval the coordinator asked for, reporting what it owns.
            await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(GroupTestSupport.CONSUMER_HEARTBEAT_MS))
                    .until(() -> {
                        List<ConsumerGroupHeartbeatRequestData.TopicPartitions> mine = List.of(
                                new ConsumerGroupHeartbeatRequestData.TopicPartitions().setTopicId(topicId)
                                        .setPartitions(new ArrayList<>(owned)));
                        ConsumerGroupHeartbeatResponseData next = raw.consumerHeartbeat(GROUP, memberId, epoch[0], null, mine);
                        assertEquals(Errors.NONE.code(), next.errorCode(), next.errorMessage());
                        epoch[0] = next.memberEpoch();
                        if (next.assignment() != null) {
                            owned.clear();
                            owned.addAll(RawGroupClient.partitionsOf(next.assignment(), topicId));
                        }
                        return owned.size() == PARTITIONS / 2;
                    });
            // Silent from here on.
        }
        assertEquals(PARTITIONS / 2, owned.size(), "the raw member got its share: " + owned);
        await().atMost(Duration.ofSeconds(10)).until(() -> survivor.assignment().size() == PARTITIONS / 2);
        List<TopicPartition> deadOnes = new ArrayList<>();
        owned.forEach(p -> deadOnes.add(new TopicPartition(TOPIC, p)));

        redeliveryAfterSilence(deadOnes);
    }

    /** Records go to the silent member's partitions and it reads them; the survivor must read them again. */
    private void redeliveryAfterSilence(List<TopicPartition> deadOnes) throws Exception {
        long silentSince = System.nanoTime();
        List<String> sent = produce(broker, TOPIC, "job", 200);
        List<String> deliveredToDead = readAsIfByTheDeadMember(deadOnes);
        assertFalse(deliveredToDead.isEmpty());
        assertTrue(survivor.values().stream().noneMatch(deliveredToDead::contains), "the survivor has not seen them yet");

        await().atMost(Duration.ofSeconds(20)).until(() -> survivor.assignment().size() == PARTITIONS);
        await().atMost(Duration.ofSeconds(20)).until(() -> new HashSet<>(survivor.values()).containsAll(sent));
        long tookMs = (System.nanoTime() - silentSince) / 1_000_000;
        assertTrue(tookMs >= 1_000, "the partitions moved only after the silent member's session ran out, took " + tookMs + " ms");
    }

    private List<String> readAsIfByTheDeadMember(List<TopicPartition> partitions) {
        Properties properties = broker.clientProperties();
        properties.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, org.apache.kafka.common.serialization.StringDeserializer.class.getName());
        properties.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, org.apache.kafka.common.serialization.StringDeserializer.class.getName());
        properties.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        List<String> values = new ArrayList<>();
        try (KafkaConsumer<String, String> reader = new KafkaConsumer<>(properties)) {
            reader.assign(partitions);
            Map<TopicPartition, Long> ends = reader.endOffsets(partitions);
            long expected = ends.values().stream().mapToLong(Long::longValue).sum();
            await().atMost(Duration.ofSeconds(20)).until(() -> {
                for (ConsumerRecord<String, String> r : reader.poll(Duration.ofMillis(100))) {
                    values.add(r.value());
                }
                return values.size() >= expected;
            });
        }
        return values;
    }
}
