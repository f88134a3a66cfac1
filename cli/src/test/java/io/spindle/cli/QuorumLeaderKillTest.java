package io.spindle.cli;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spindle.fixtures.RawKafkaConnection;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.CreateTopicsResult;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.message.CreateTopicsRequestData;
import org.apache.kafka.common.message.CreateTopicsRequestData.CreatableTopic;
import org.apache.kafka.common.message.CreateTopicsResponseData.CreatableTopicResult;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.message.MetadataResponseData.MetadataResponseTopic;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.CreateTopicsRequest;
import org.apache.kafka.common.requests.CreateTopicsResponse;
import org.apache.kafka.common.requests.MetadataRequest;
import org.apache.kafka.common.requests.MetadataResponse;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * kill -9 of the broker whose metadata quorum member leads (DescribeCluster's controller), three brokers as child
 * processes, while topics are being created from the other brokers: through kafka-clients' Admin client bootstrapped
 * on them, and with raw CreateTopics requests sent to one of them. Once the killed broker is back, every topic whose
 * creation was answered with success exists exactly once, on every broker, with its partitions (one log directory per
 * partition over the three data directories) and the topic id its creation answered; every creation is asked again
 * and gets TOPIC_ALREADY_EXISTS, or succeeds where the first attempt did not create it; no topic appears that nobody
 * asked for.
 *
 * <p>A first attempt may itself be answered TOPIC_ALREADY_EXISTS: the Admin client's CreateTopics in flight when the
 * leader dies was committed but not answered, and the client's own retry to the new controller finds the topic (seen
 * in the runs of this test, as with Kafka's controller). The test accepts that, and holds such a topic to exist once.
 * Raw CreateTopics sent to a follower were all answered with success in those runs: the follower's submission reaches
 * the new quorum leader and is applied once.
 */
class QuorumLeaderKillTest {
    private static final Map<String, String> SETTINGS = Map.of("broker.session.timeout.ms", "3000",
            "broker.heartbeat.interval.ms", "500");
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final int CREATES_AROUND_A_KILL = 3;

    @TempDir
    Path tempDir;

    @Test
    void topicsCreatedWhileTheQuorumLeaderIsKilledExistExactlyOnceWithTheirPartitions() throws Exception {
        killLeadersWhileCreating(1);
    }

    @Tag("long")
    @Test
    void topicsCreatedWhileThreeQuorumLeadersInTurnAreKilledExistExactlyOnceWithTheirPartitions() throws Exception {
        killLeadersWhileCreating(3);
    }

    /** What one creation attempt was answered: the error (NONE for success) and, on success, the topic id. */
    private record Outcome(Errors error, Uuid topicId, String detail) {
    }

    private void killLeadersWhileCreating(int kills) throws Exception {
        try (ClusterProcesses cluster = ClusterProcesses.start(3, tempDir, SETTINGS)) {
            Map<String, Integer> partitions = new ConcurrentHashMap<>();
            Map<String, Outcome> firstAttempts = new ConcurrentHashMap<>();
            for (int kill = 1; kill <= kills; kill++) {
                int leader = quorumLeader(cluster);
                List<Integer> followers = IntStream.rangeClosed(1, 3).filter(node -> node != leader).boxed().toList();
                String others = followers.stream().map(cluster::bootstrapServers).collect(Collectors.joining(","));
                createWhileKilling(cluster, leader, followers.get(0), others, "k" + kill + "-", partitions, firstAttempts);
                cluster.restart(leader);
            }

            Map<String, Uuid> created = new HashMap<>();
            firstAttempts.forEach((topic, outcome) -> {
                if (outcome.error() == Errors.NONE) {
                    created.put(topic, outcome.topicId());
                }
            });
            assertTrue(created.size() >= 4 * CREATES_AROUND_A_KILL * kills, "creations that succeeded: " + firstAttempts);
            try (Admin admin = ClusterUpCommandTest.admin(cluster.bootstrapServers())) {
                for (String topic : firstAttempts.keySet()) {
                    Outcome again = createThroughAdmin(admin, topic, partitions.get(topic));
                    if (created.containsKey(topic)) {
                        assertEquals(Errors.TOPIC_ALREADY_EXISTS, again.error(), topic + " was created once already: " + again);
                    } else {
                        assertTrue(again.error() == Errors.NONE || again.error() == Errors.TOPIC_ALREADY_EXISTS,
                                topic + ", first " + firstAttempts.get(topic) + ", asked again: " + again);
                    }
                }
            }
            for (int node = 1; node <= 3; node++) {
                int broker = node;
                await().atMost(WAIT).untilAsserted(() -> assertEveryTopicOnce(cluster, broker, partitions, created));
            }
            await().atMost(WAIT).untilAsserted(() -> assertEveryPartitionInOneDataDirectory(cluster, partitions));
        }
    }

    /**
     * Creates topics from two threads until each has had {@value #CREATES_AROUND_A_KILL} succeed, kills broker
     * {@code leader}, and goes on until each thread has had as many succeed after the kill.
     */
    private void createWhileKilling(ClusterProcesses cluster, int leader, int follower, String others, String prefix,
                                    Map<String, Integer> partitions, Map<String, Outcome> firstAttempts) throws Exception {
        AtomicBoolean stop = new AtomicBoolean();
        Map<String, List<Outcome>> answered = new ConcurrentHashMap<>();
        ExecutorService creators = Executors.newFixedThreadPool(2);
        try (Admin admin = ClusterUpCommandTest.admin(others)) {
            List<Future<?>> running = new ArrayList<>();
            running.add(creators.submit(() -> createUntilStopped(prefix + "admin-", stop, partitions, firstAttempts,
                    answered, (topic, count) -> createThroughAdmin(admin, topic, count))));
            running.add(creators.submit(() -> createUntilStopped(prefix + "raw-", stop, partitions, firstAttempts,
                    answered, (topic, count) -> createThroughBroker(cluster.bootstrapServers(follower), topic, count))));
            await().atMost(WAIT).until(() -> succeeded(answered, prefix + "admin-") >= CREATES_AROUND_A_KILL
                    && succeeded(answered, prefix + "raw-") >= CREATES_AROUND_A_KILL);
            long adminBefore = succeeded(answered, prefix + "admin-");
            long rawBefore = succeeded(answered, prefix + "raw-");
            cluster.kill(leader);
            // The two brokers left are a majority: both ways of creating work again once they have elected a leader.
            await().atMost(WAIT).until(() -> succeeded(answered, prefix + "admin-") >= adminBefore + CREATES_AROUND_A_KILL
                    && succeeded(answered, prefix + "raw-") >= rawBefore + CREATES_AROUND_A_KILL);
            stop.set(true);
            for (Future<?> creator : running) {
                creator.get(WAIT.toSeconds(), TimeUnit.SECONDS);
            }
        } finally {
            creators.shutdownNow();
        }
    }

    private static long succeeded(Map<String, List<Outcome>> answered, String prefix) {
        return answered.getOrDefault(prefix, List.of()).stream().filter(o -> o.error() == Errors.NONE).count();
    }

    @FunctionalInterface
    private interface Creation {
        Outcome create(String topic, int partitions) throws Exception;
    }

    private static Void createUntilStopped(String prefix, AtomicBoolean stop, Map<String, Integer> partitions,
                                           Map<String, Outcome> firstAttempts, Map<String, List<Outcome>> answered,
                                           Creation creation) throws Exception {
        for (int i = 0; !stop.get(); i++) {
            String topic = prefix + i;
            int count = i % 3 + 1;
            partitions.put(topic, count);
            Outcome outcome = creation.create(topic, count);
            firstAttempts.put(topic, outcome);
            answered.computeIfAbsent(prefix, p -> new CopyOnWriteArrayList<>()).add(outcome);
        }
        return null;
    }

    private static Outcome createThroughAdmin(Admin admin, String topic, int partitions) throws InterruptedException {
        CreateTopicsResult result = admin.createTopics(List.of(new NewTopic(topic, partitions, (short) 1)));
        try {
            result.all().get(30, TimeUnit.SECONDS);
            return new Outcome(Errors.NONE, result.topicId(topic).get(), "");
        } catch (ExecutionException e) {
            return new Outcome(e.getCause() instanceof TopicExistsException ? Errors.TOPIC_ALREADY_EXISTS
                    : Errors.forException(e.getCause()), null, String.valueOf(e.getCause()));
        } catch (TimeoutException e) {
            return new Outcome(Errors.REQUEST_TIMED_OUT, null, "no answer within 30 s");
        }
    }

    /** CreateTopics v7 sent to the broker at {@code bootstrap} itself (the Admin client would send it to the controller). */
    private static Outcome createThroughBroker(String bootstrap, String topic, int partitions) {
        CreateTopicsRequestData data = new CreateTopicsRequestData().setTimeoutMs(20_000);
        data.topics().add(new CreatableTopic().setName(topic).setNumPartitions(partitions).setReplicationFactor((short) 1));
        try (RawKafkaConnection connection = RawKafkaConnection.to(bootstrap)) {
            CreateTopicsResponse response = connection.roundTrip(new CreateTopicsRequest.Builder(data).build((short) 7));
            CreatableTopicResult result = response.data().topics().find(topic);
            return new Outcome(Errors.forCode(result.errorCode()), result.topicId(), String.valueOf(result.errorMessage()));
        } catch (IOException e) {
            return new Outcome(Errors.NETWORK_EXCEPTION, null, e.toString());
        }
    }

    /** The node id DescribeCluster names as the controller: the broker whose quorum member leads. */
    private static int quorumLeader(ClusterProcesses cluster) {
        try (Admin admin = ClusterUpCommandTest.admin(cluster.bootstrapServers())) {
            return await().atMost(WAIT).until(() -> {
                var controller = admin.describeCluster().controller().get(10, TimeUnit.SECONDS);
                return controller == null ? -1 : controller.id();
            }, id -> id >= 1 && id <= 3);
        }
    }

    /**
     * Broker {@code node}'s Metadata lists each topic once, every topic created there with its partitions, each with a
     * leader, and the topic id its creation answered; and no topic but the ones asked for (and the internal ones).
     */
    private static void assertEveryTopicOnce(ClusterProcesses cluster, int node, Map<String, Integer> partitions,
                                             Map<String, Uuid> created) throws IOException {
        MetadataResponse response;
        try (RawKafkaConnection connection = RawKafkaConnection.to(cluster.bootstrapServers(node))) {
            response = connection.roundTrip(new MetadataRequest.Builder(new MetadataRequestData().setTopics(null)
                    .setAllowAutoTopicCreation(false)).build((short) 12));
        }
        List<String> names = response.data().topics().stream().map(MetadataResponseTopic::name).toList();
        assertEquals(names.size(), names.stream().distinct().count(), "broker " + node + " lists a topic twice: " + names);
        List<String> unasked = names.stream().filter(n -> !n.startsWith("__") && !partitions.containsKey(n)).toList();
        assertEquals(List.of(), unasked, "broker " + node + " lists topics nobody asked for");
        for (String topic : partitions.keySet()) {
            MetadataResponseTopic described = response.data().topics().find(topic);
            assertTrue(described != null && described.errorCode() == Errors.NONE.code(),
                    "broker " + node + " does not know " + topic);
            assertEquals(partitions.get(topic), described.partitions().size(), topic + " on broker " + node);
            assertTrue(described.partitions().stream().allMatch(p -> p.leaderId() >= 1),
                    topic + " has a partition without a leader on broker " + node);
            if (created.containsKey(topic)) {
                assertEquals(created.get(topic), described.topicId(), topic + " has another id than its creation answered");
            }
        }
    }

    /** With one replica per partition, each partition's log directory is in exactly one broker's data directory. */
    private static void assertEveryPartitionInOneDataDirectory(ClusterProcesses cluster, Map<String, Integer> partitions) {
        Map<String, List<Integer>> holders = new HashMap<>();
        partitions.forEach((topic, count) -> IntStream.range(0, count).forEach(p -> holders.put(topic + "-" + p,
                IntStream.rangeClosed(1, 3).filter(node -> Files.isDirectory(cluster.nodeDir(node).resolve(topic + "-" + p)))
                        .boxed().toList())));
        Map<String, List<Integer>> wrong = holders.entrySet().stream().filter(e -> e.getValue().size() != 1)
                .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue));
        assertEquals(Map.of(), wrong, "partitions held by other than exactly one broker");
    }
}
