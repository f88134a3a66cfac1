package io.spindle.broker.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.spindle.broker.LocalBroker;
import io.spindle.fixtures.RawKafkaConnection;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.DescribeTopicsOptions;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.admin.TopicListing;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.message.DescribeTopicPartitionsRequestData;
import org.apache.kafka.common.message.DescribeTopicPartitionsRequestData.Cursor;
import org.apache.kafka.common.message.DescribeTopicPartitionsRequestData.TopicRequest;
import org.apache.kafka.common.message.DescribeTopicPartitionsResponseData;
import org.apache.kafka.common.message.DescribeTopicPartitionsResponseData.DescribeTopicPartitionsResponseTopic;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.DescribeTopicPartitionsRequest;
import org.apache.kafka.common.requests.DescribeTopicPartitionsResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import java.util.concurrent.ExecutionException;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** DescribeTopicPartitions (KIP-966) on a single broker: its pages and cursors, and kafka-clients' describeTopics. */
class DescribeTopicPartitionsTest {
    static LocalBroker broker;

    @BeforeAll
    static void start() {
        broker = LocalBroker.startInTempDir(Map.of());
        broker.createTopic("alpha", 3);
        broker.createTopic("beta", 2);
    }

    @AfterAll
    static void stop() {
        broker.close();
    }

    @Test
    void pagesOfTwoPartitionsFollowTheCursorAcrossTopicsInNameOrder() throws Exception {
        try (RawKafkaConnection raw = new RawKafkaConnection(broker.host(), broker.port())) {
            DescribeTopicPartitionsResponseData first = describe(raw, List.of("beta", "alpha"), 2, null);
            assertEquals(List.of("alpha:0", "alpha:1"), partitions(first));
            assertEquals("alpha", first.nextCursor().topicName());
            assertEquals(2, first.nextCursor().partitionIndex());

            DescribeTopicPartitionsResponseData second = describe(raw, List.of("beta", "alpha"), 2,
                    new Cursor().setTopicName("alpha").setPartitionIndex(2));
            assertEquals(List.of("alpha:2", "beta:0"), partitions(second));
            assertEquals("beta", second.nextCursor().topicName());
            assertEquals(1, second.nextCursor().partitionIndex());

            DescribeTopicPartitionsResponseData last = describe(raw, List.of("beta", "alpha"), 2,
                    new Cursor().setTopicName("beta").setPartitionIndex(1));
            assertEquals(List.of("beta:1"), partitions(last));
            assertNull(last.nextCursor());
        }
    }

    @Test
    void aPageThatEndsWithATopicPointsTheCursorAtTheNextTopic() throws Exception {
        try (RawKafkaConnection raw = new RawKafkaConnection(broker.host(), broker.port())) {
            DescribeTopicPartitionsResponseData page = describe(raw, List.of("alpha", "beta"), 3, null);
            assertEquals(List.of("alpha:0", "alpha:1", "alpha:2"), partitions(page));
            assertEquals("beta", page.nextCursor().topicName());
            assertEquals(0, page.nextCursor().partitionIndex());
        }
    }

    @Test
    void aMissingTopicIsUnknownAndACursorOutsideTheRequestIsInvalid() throws Exception {
        try (RawKafkaConnection raw = new RawKafkaConnection(broker.host(), broker.port())) {
            DescribeTopicPartitionsResponseData missing = describe(raw, List.of("absent", "beta"), 100, null);
            DescribeTopicPartitionsResponseTopic absent = missing.topics().find("absent");
            assertEquals(Errors.UNKNOWN_TOPIC_OR_PARTITION.code(), absent.errorCode());
            assertEquals(List.of("beta:0", "beta:1"), partitions(missing));

            DescribeTopicPartitionsResponseData invalid = describe(raw, List.of("beta"), 100,
                    new Cursor().setTopicName("alpha").setPartitionIndex(0));
            assertEquals(Errors.INVALID_REQUEST.code(), invalid.topics().find("beta").errorCode());
        }
    }

    @Test
    void everyTopicIsDescribedWhenNoneIsNamed() throws Exception {
        try (RawKafkaConnection raw = new RawKafkaConnection(broker.host(), broker.port())) {
            DescribeTopicPartitionsResponseData all = describe(raw, List.of(), 2000, null);
            assertEquals(List.of("alpha:0", "alpha:1", "alpha:2", "beta:0", "beta:1"),
                    partitions(all).stream().filter(p -> !p.startsWith("__")).toList());
            assertEquals(true, all.topics().find("__consumer_offsets").isInternal());
        }
    }

    /** kafka-clients 4.4's describeTopics goes through DescribeTopicPartitions and follows the cursor itself. */
    @Test
    void kafkaClientsDescribeTopicsPagesThroughEveryPartition() throws Exception {
        Map<String, TopicDescription> described = broker.admin().describeTopics(List.of("alpha", "beta"),
                new DescribeTopicsOptions().partitionSizeLimitPerResponse(1)).allTopicNames().get();
        assertEquals(List.of(0, 1, 2), described.get("alpha").partitions().stream().map(TopicPartitionInfo::partition)
                .toList());
        assertEquals(2, described.get("beta").partitions().size());
        assertEquals(broker.broker().config().nodeId(), described.get("alpha").partitions().get(0).leader().id());
        ExecutionException missing = assertThrows(ExecutionException.class, () -> broker.admin()
                .describeTopics(List.of("absent")).allTopicNames().get());
        assertInstanceOf(UnknownTopicOrPartitionException.class, missing.getCause());
    }

    private static DescribeTopicPartitionsResponseData describe(RawKafkaConnection raw, List<String> topics, int limit,
                                                                Cursor cursor) throws Exception {
        DescribeTopicPartitionsRequestData data = new DescribeTopicPartitionsRequestData()
                .setTopics(topics.stream().map(name -> new TopicRequest().setName(name)).toList())
                .setResponsePartitionLimit(limit).setCursor(cursor);
        DescribeTopicPartitionsResponse response = raw.roundTrip(new DescribeTopicPartitionsRequest.Builder(data)
                .build((short) 0));
        return response.data();
    }

    private static List<String> partitions(DescribeTopicPartitionsResponseData data) {
        List<String> seen = new ArrayList<>();
        for (DescribeTopicPartitionsResponseTopic topic : data.topics()) {
            topic.partitions().forEach(p -> seen.add(topic.name() + ":" + p.partitionIndex()));
        }
        return seen;
    }
}
