package io.spindle.broker.group;

import static io.spindle.broker.group.GroupTestSupport.consumerProperties;
import static io.spindle.broker.group.GroupTestSupport.createTopic;
import static io.spindle.broker.group.GroupTestSupport.produce;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.spindle.broker.LocalBroker;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.CooperativeStickyAssignor;
import org.apache.kafka.clients.consumer.GroupProtocol;
import org.apache.kafka.clients.consumer.RangeAssignor;
import org.apache.kafka.clients.consumer.RoundRobinAssignor;
import org.apache.kafka.clients.consumer.StickyAssignor;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every assignor works: the client-side ones of the classic protocol (the leader assigns, the coordinator stores
 * and hands out, eager or cooperative) and the server-side ones of the consumer protocol.
 */
class AssignorsTest {
    private static final Duration WITHIN = Duration.ofSeconds(30);

    @TempDir
    Path dataDir;
    private LocalBroker broker;
    private final List<PollingConsumer> consumers = new ArrayList<>();

    @BeforeEach
    void start() throws Exception {
        broker = GroupTestSupport.startBroker(dataDir);
        createTopic(broker, "tasks", 6);
    }

    @AfterEach
    void stop() throws Exception {
        for (PollingConsumer c : consumers) {
            c.close();
        }
        broker.close();
    }

    @ParameterizedTest
    @ValueSource(classes = {RangeAssignor.class, RoundRobinAssignor.class, StickyAssignor.class, CooperativeStickyAssignor.class})
    void classicGroupsWorkWithEveryClientSideAssignor(Class<?> assignor) throws Exception {
        Map<String, String> settings = Map.of(ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG, assignor.getName());
        growTheGroupAndReadEverything(GroupProtocol.CLASSIC, settings);
    }

    @ParameterizedTest
    @ValueSource(strings = {"uniform", "range"})
    void consumerGroupsWorkWithEveryServerSideAssignor(String assignor) throws Exception {
        growTheGroupAndReadEverything(GroupProtocol.CONSUMER, Map.of(ConsumerConfig.GROUP_REMOTE_ASSIGNOR_CONFIG, assignor));
    }

    private void growTheGroupAndReadEverything(GroupProtocol protocol, Map<String, String> settings) throws Exception {
        for (String name : List.of("one", "two")) {
            consumers.add(new PollingConsumer(name, consumerProperties(broker, protocol, "crew", settings), "tasks", true));
        }
        await().atMost(WITHIN).until(() -> consumers.stream().allMatch(c -> c.assignment().size() == 3));
        List<String> sent = new ArrayList<>(produce(broker, "tasks", "first", 120));
        consumers.add(new PollingConsumer("three", consumerProperties(broker, protocol, "crew", settings), "tasks", true));
        await().atMost(WITHIN).until(() -> consumers.stream().allMatch(c -> c.assignment().size() == 2));
        sent.addAll(produce(broker, "tasks", "second", 120));

        await().atMost(WITHIN).until(() -> {
            Set<String> read = new HashSet<>();
            consumers.forEach(c -> read.addAll(c.values()));
            return read.containsAll(sent);
        });
        Set<TopicPartition> owned = new HashSet<>();
        consumers.forEach(c -> owned.addAll(c.assignment()));
        assertEquals(6, owned.size(), "each of the six partitions has one owner");
    }
}
