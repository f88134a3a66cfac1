package io.spindle.broker.group;

import static io.spindle.broker.group.GroupTestSupport.consumerProperties;
import static io.spindle.broker.group.GroupTestSupport.createTopic;
import static io.spindle.broker.group.GroupTestSupport.produce;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.spindle.broker.LocalBroker;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.GroupProtocol;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** KafkaConsumer 4.4 groups on Spindle, with group.protocol=classic and =consumer: who reads what. */
class ConsumerGroupMembershipTest {
    private static final Duration WITHIN = Duration.ofSeconds(30);

    @TempDir
    Path dataDir;
    private LocalBroker broker;
    private final List<PollingConsumer> consumers = new ArrayList<>();

    @BeforeEach
    void start() {
        broker = GroupTestSupport.startBroker(dataDir);
    }

    @AfterEach
    void stop() throws Exception {
        for (PollingConsumer c : consumers) {
            c.close();
        }
        broker.close();
    }

    private PollingConsumer consumer(GroupProtocol protocol, String name, String group, String topic, Map<String, String> extra,
                                     boolean commit) {
        PollingConsumer c = new PollingConsumer(name, consumerProperties(broker, protocol, group, extra), topic, commit);
        consumers.add(c);
        return c;
    }

    @ParameterizedTest
    @EnumSource(GroupProtocol.class)
    void threeConsumersOnSixPartitionsEachOwnTwoAndTogetherReadEveryRecordOnce(GroupProtocol protocol) throws Exception {
        createTopic(broker, "orders", 6);
        List<PollingConsumer> members = List.of(
                consumer(protocol, "a", "billing", "orders", Map.of(), true),
                consumer(protocol, "b", "billing", "orders", Map.of(), true),
                consumer(protocol, "c", "billing", "orders", Map.of(), true));
        await().atMost(WITHIN).until(() -> members.stream().allMatch(m -> m.assignment().size() == 2));
        List<String> sent = produce(broker, "orders", "order", 600);

        await().atMost(WITHIN).until(() -> members.stream().mapToInt(m -> m.values().size()).sum() >= sent.size());
        Set<TopicPartition> all = new HashSet<>();
        List<String> read = new ArrayList<>();
        for (PollingConsumer m : members) {
            assertNull(m.failure(), m.name + " failed");
            assertEquals(2, m.assignment().size(), m.name + " owns " + m.assignment());
            all.addAll(m.assignment());
            read.addAll(m.values());
        }
        assertEquals(6, all.size(), "every partition has exactly one owner");
        assertEquals(sent.size(), read.size(), "no record was read twice");
        assertEquals(new TreeSet<>(sent), new TreeSet<>(read), "every record was read");
    }

    @ParameterizedTest
    @EnumSource(GroupProtocol.class)
    void whenAMemberClosesAndAnotherJoinsPartitionsMoveAndNoRecordIsSkipped(GroupProtocol protocol) throws Exception {
        createTopic(broker, "payments", 6);
        PollingConsumer a = consumer(protocol, "a", "ledger", "payments", Map.of(), true);
        PollingConsumer b = consumer(protocol, "b", "ledger", "payments", Map.of(), true);
        await().atMost(WITHIN).until(() -> a.assignment().size() == 3 && b.assignment().size() == 3);
        List<String> sent = new ArrayList<>(produce(broker, "payments", "before", 300));
        await().atMost(WITHIN).until(() -> a.values().size() + b.values().size() >= 300);

        a.close();
        await().atMost(WITHIN).until(() -> b.assignment().size() == 6);
        sent.addAll(produce(broker, "payments", "between", 300));
        PollingConsumer c = consumer(protocol, "c", "ledger", "payments", Map.of(), true);
        await().atMost(WITHIN).until(() -> b.assignment().size() == 3 && c.assignment().size() == 3);
        sent.addAll(produce(broker, "payments", "after", 300));

        await().atMost(WITHIN).until(() -> {
            Set<String> read = new HashSet<>(a.values());
            read.addAll(b.values());
            read.addAll(c.values());
            return read.containsAll(sent);
        });
        Set<TopicPartition> owned = new HashSet<>(b.assignment());
        owned.addAll(c.assignment());
        assertEquals(6, owned.size(), "b and c share all six partitions: " + b.assignment() + " / " + c.assignment());
    }

    @ParameterizedTest
    @EnumSource(GroupProtocol.class)
    void twoGroupsOnOneTopicEachReadEveryRecord(GroupProtocol protocol) throws Exception {
        createTopic(broker, "news", 3);
        List<PollingConsumer> first = List.of(consumer(protocol, "f1", "readers", "news", Map.of(), true),
                consumer(protocol, "f2", "readers", "news", Map.of(), true));
        PollingConsumer archive = consumer(protocol, "archive", "archivers", "news", Map.of(), true);
        await().atMost(WITHIN).until(() -> first.get(0).assignment().size() + first.get(1).assignment().size() == 3
                && archive.assignment().size() == 3);
        List<String> sent = produce(broker, "news", "story", 300);

        await().atMost(WITHIN).until(() -> archive.values().size() >= sent.size()
                && first.get(0).values().size() + first.get(1).values().size() >= sent.size());
        List<String> readByFirst = new ArrayList<>(first.get(0).values());
        readByFirst.addAll(first.get(1).values());
        assertEquals(new TreeSet<>(sent), new TreeSet<>(readByFirst), "group 'readers' read every record");
        assertEquals(new TreeSet<>(sent), new TreeSet<>(archive.values()), "group 'archivers' read every record");
        assertEquals(sent.size(), archive.values().size(), "each record once per group");
    }

    @ParameterizedTest
    @EnumSource(GroupProtocol.class)
    void aStaticMemberThatRejoinsWithinItsSessionGetsItsPartitionsBackWithoutARebalance(GroupProtocol protocol) throws Exception {
        createTopic(broker, "metrics", 4);
        Map<String, String> staticSettings = Map.of(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG, "host-1",
                ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, "20000");
        PollingConsumer stayer = consumer(protocol, "stayer", "dashboards", "metrics", Map.of(), true);
        PollingConsumer bouncer = consumer(protocol, "bouncer", "dashboards", "metrics",
                protocol == GroupProtocol.CLASSIC ? staticSettings : Map.of(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG, "host-1"), true);
        await().atMost(WITHIN).until(() -> stayer.assignment().size() == 2 && bouncer.assignment().size() == 2);
        Set<TopicPartition> before = bouncer.assignment();
        int stayerRebalances = stayer.assignedCallbacks();

        bouncer.close();
        PollingConsumer back = consumer(protocol, "back", "dashboards", "metrics",
                protocol == GroupProtocol.CLASSIC ? staticSettings : Map.of(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG, "host-1"), true);
        await().atMost(WITHIN).until(() -> back.assignment().size() == 2);

        assertEquals(before, back.assignment(), "the static member got its own partitions back");
        assertEquals(2, stayer.assignment().size());
        assertEquals(stayerRebalances, stayer.assignedCallbacks(), "the other member saw no rebalance");
    }
}
