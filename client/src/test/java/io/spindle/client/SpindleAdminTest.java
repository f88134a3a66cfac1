package io.spindle.client;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spindle.test.EmbeddedBroker;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@EmbeddedBroker
@ExtendWith(ConnectedSpindle.class)
class SpindleAdminTest {

    @Test
    void topicIsCreatedDescribedReconfiguredAndDeleted(Spindle spindle) {
        SpindleAdmin admin = spindle.admin();
        admin.createTopic("lifecycle", 2, Map.of("retention.ms", "60000"));
        spindle.producer().send("lifecycle", 1, "k", "v", Map.of()).join();

        SpindleAdmin.TopicInfo info = admin.describeTopic("lifecycle");
        assertEquals(List.of(new SpindleAdmin.PartitionInfo(0, 0, 0), new SpindleAdmin.PartitionInfo(1, 0, 1)),
                info.partitions());
        assertEquals("60000", info.configs().get("retention.ms"));

        admin.alterTopicConfig("lifecycle", Map.of("max.message.bytes", "2048"), Set.of("retention.ms"));
        Map<String, String> configs = admin.describeTopic("lifecycle").configs();
        assertEquals("2048", configs.get("max.message.bytes"));
        assertFalse(configs.containsKey("retention.ms"), configs.toString());

        admin.deleteTopic("lifecycle");
        assertFalse(admin.listTopics(false).contains("lifecycle"));
    }

    @Test
    void unknownTopicIsATypedErrorNamingIt(Spindle spindle) {
        UnknownTopicException error = assertThrows(UnknownTopicException.class,
                () -> spindle.admin().describeTopic("missing"));

        assertEquals("missing", error.topic());
    }

    @Test
    void lagIsEndMinusCommittedPerPartition(Spindle spindle) {
        for (int i = 0; i < 5; i++) {
            spindle.producer().send("lagging", 0, null, "v" + i, Map.of()).join();
        }
        ConsumerWorker<String, String> worker = spindle.consume("slow", List.of("lagging"), r -> { });
        await().atMost(Duration.ofSeconds(30)).until(() -> worker.handled() == 5);
        worker.close();
        spindle.producer().send("lagging", 0, null, "v5", Map.of()).join();
        spindle.producer().send("lagging", 0, null, "v6", Map.of()).join();

        List<SpindleAdmin.PartitionLag> lag = spindle.admin().lag("slow");

        assertEquals(List.of(new SpindleAdmin.PartitionLag("slow", "lagging", 0, 5, 7, 2, null)), lag);
    }

    @Test
    void unknownGroupIsATypedErrorNamingIt(Spindle spindle) {
        UnknownGroupException error = assertThrows(UnknownGroupException.class, () -> spindle.admin().lag("ghosts"));

        assertEquals("Consumer group 'ghosts' does not exist", error.getMessage());
    }

    @Test
    void unreachableBrokerFailsWithinTheTimeoutNamingTheAddress() throws IOException {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = socket.getLocalPort();
        }
        String address = "127.0.0.1:" + closedPort;
        try (Spindle spindle = Spindle.builder(address).timeout(Duration.ofSeconds(1)).connect()) {
            long start = System.nanoTime();

            BrokerUnreachableException error = assertThrows(BrokerUnreachableException.class,
                    () -> spindle.admin().listTopics(false));

            assertTrue(error.getMessage().contains(address), error.getMessage());
            assertTrue(System.nanoTime() - start < Duration.ofSeconds(5).toNanos(), "took more than 5 s");
        }
    }
}
