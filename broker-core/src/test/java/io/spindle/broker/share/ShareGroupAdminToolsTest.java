package io.spindle.broker.share;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.spindle.broker.LocalBroker;
import io.spindle.config.BrokerConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.GroupListing;
import org.apache.kafka.clients.admin.ListGroupsOptions;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.KafkaShareConsumer;
import org.apache.kafka.common.GroupState;
import org.apache.kafka.common.GroupType;
import org.apache.kafka.common.errors.GroupIdNotFoundException;
import org.apache.kafka.common.errors.GroupNotEmptyException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The kafka-clients 4.4 Admin calls kafka-share-groups.sh makes that the other share tests leave out: listing every
 * group with its type and state, and the errors for a share group that does not exist or still has members.
 */
class ShareGroupAdminToolsTest {
    private static final String TOPIC = "tasks";
    private static final Duration WAIT = Duration.ofSeconds(30);

    @TempDir
    Path dataDir;
    private LocalBroker broker;
    private Admin admin;
    private final List<AutoCloseable> clients = new ArrayList<>();

    @BeforeEach
    void start() {
        broker = LocalBroker.start(dataDir, Map.of(BrokerConfig.GROUP_SHARE_AUTO_OFFSET_RESET, "earliest"));
        broker.createTopic(TOPIC, 1);
        admin = broker.admin();
    }

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable client : clients) {
            client.close();
        }
        admin.close();
        broker.close();
    }

    private KafkaShareConsumer<byte[], byte[]> shareMember(String group) {
        KafkaShareConsumer<byte[], byte[]> consumer = broker.shareConsumer(group, Map.of());
        consumer.subscribe(List.of(TOPIC));
        clients.add(consumer);
        await().atMost(WAIT).until(() -> {
            consumer.poll(Duration.ofMillis(50));
            return !admin.describeShareGroups(List.of(group)).all().get().get(group).members().isEmpty();
        });
        return consumer;
    }

    private Optional<GroupListing> listed(ListGroupsOptions options, String group) throws Exception {
        return admin.listGroups(options).all().get().stream().filter(g -> g.groupId().equals(group)).findFirst();
    }

    @Test
    void listGroupsWithoutAFilterShowsShareAndConsumerGroupsEachWithItsTypeAndState() throws Exception {
        shareMember("queue-workers");
        KafkaConsumer<byte[], byte[]> reader = broker.consumer(Map.of("group.id", "log-readers"));
        clients.add(reader);
        reader.subscribe(List.of(TOPIC));
        await().atMost(WAIT).until(() -> {
            reader.poll(Duration.ofMillis(50));
            return !reader.assignment().isEmpty();
        });

        GroupListing share = listed(new ListGroupsOptions(), "queue-workers").orElseThrow();
        assertEquals(Optional.of(GroupType.SHARE), share.type());
        assertEquals(Optional.of(GroupState.STABLE), share.groupState());
        assertEquals("share", share.protocol());
        GroupListing consumer = listed(new ListGroupsOptions(), "log-readers").orElseThrow();
        assertEquals(Optional.of(GroupType.CLASSIC), consumer.type());

        assertEquals(Optional.empty(), listed(ListGroupsOptions.forConsumerGroups(), "queue-workers"));
        assertEquals(Optional.empty(), listed(ListGroupsOptions.forShareGroups(), "log-readers"));
        assertEquals(Optional.empty(), listed(ListGroupsOptions.forShareGroups().inGroupStates(
                Set.of(GroupState.EMPTY)), "queue-workers"), "filtered by state");
    }

    @Test
    void describingOrDeletingAShareGroupThatDoesNotExistFailsWithGroupIdNotFound() {
        ExecutionException described = assertThrows(ExecutionException.class,
                () -> admin.describeShareGroups(List.of("nobody")).all().get());
        assertInstanceOf(GroupIdNotFoundException.class, described.getCause());
        ExecutionException deleted = assertThrows(ExecutionException.class,
                () -> admin.deleteShareGroups(List.of("nobody")).all().get());
        assertInstanceOf(GroupIdNotFoundException.class, deleted.getCause());
    }

    @Test
    void deletingAShareGroupWithMembersFailsWithGroupNotEmptyAndKeepsIt() throws Exception {
        shareMember("busy");
        ExecutionException deleted = assertThrows(ExecutionException.class,
                () -> admin.deleteShareGroups(List.of("busy")).all().get());
        assertInstanceOf(GroupNotEmptyException.class, deleted.getCause());
        assertEquals(1, admin.describeShareGroups(List.of("busy")).all().get().get("busy").members().size());
    }
}
