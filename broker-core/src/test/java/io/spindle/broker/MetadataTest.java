package io.spindle.broker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spindle.fixtures.RawKafkaConnection;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.MetadataRequest;
import org.apache.kafka.common.requests.MetadataResponse;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Metadata requests as clients send them: by name, by id, with and without auto-creation. */
class MetadataTest {
    private static final short VERSION = 12;

    @TempDir
    Path dataDir;

    @Test
    void unknownTopicIsCreatedWithTheBrokerDefaultsWhenTheRequestAndTheBrokerAllowIt() throws Exception {
        try (LocalBroker broker = LocalBroker.start(dataDir, Map.of("num.partitions", "3"));
             RawKafkaConnection raw = RawKafkaConnection.to(broker.bootstrapServers())) {
            MetadataResponse response = raw.roundTrip(new MetadataRequest.Builder(List.of("auto-made"), true).build(VERSION), 1);
            assertEquals(Map.of(), response.errors());
            MetadataResponse.TopicMetadata topic = response.topicMetadata().iterator().next();
            assertEquals("auto-made", topic.topic());
            assertEquals(3, topic.partitionMetadata().size());
            assertEquals(broker.broker().topics().topic("auto-made").orElseThrow().id(), topic.topicId());
            assertTrue(topic.partitionMetadata().stream().allMatch(p -> p.leaderId.orElse(-1) == 0));
        }
    }

    @Test
    void unknownTopicStaysUnknownWhenTheRequestDoesNotAllowCreation() throws Exception {
        try (LocalBroker broker = LocalBroker.start(dataDir); RawKafkaConnection raw = RawKafkaConnection.to(broker.bootstrapServers())) {
            MetadataResponse response = raw.roundTrip(new MetadataRequest.Builder(List.of("not-made"), false).build(VERSION), 1);
            assertEquals(Map.of("not-made", Errors.UNKNOWN_TOPIC_OR_PARTITION), response.errors());
            assertFalse(broker.broker().topics().topic("not-made").isPresent());
        }
    }

    @Test
    void unknownTopicStaysUnknownWhenTheBrokerDisablesAutoCreation() throws Exception {
        try (LocalBroker broker = LocalBroker.start(dataDir, Map.of("auto.create.topics.enable", "false"));
             RawKafkaConnection raw = RawKafkaConnection.to(broker.bootstrapServers())) {
            MetadataResponse response = raw.roundTrip(new MetadataRequest.Builder(List.of("not-made"), true).build(VERSION), 1);
            assertEquals(Map.of("not-made", Errors.UNKNOWN_TOPIC_OR_PARTITION), response.errors());
            assertFalse(broker.broker().topics().topic("not-made").isPresent());
        }
    }

    @Test
    void invalidTopicNameIsReportedAsInvalidAndNotCreated() throws Exception {
        try (LocalBroker broker = LocalBroker.start(dataDir); RawKafkaConnection raw = RawKafkaConnection.to(broker.bootstrapServers())) {
            MetadataResponse response = raw.roundTrip(new MetadataRequest.Builder(List.of("bad name!"), true).build(VERSION), 1);
            assertEquals(Map.of("bad name!", Errors.INVALID_TOPIC_EXCEPTION), response.errors());
        }
    }

    @Test
    void topicsAreFoundByIdAndAnUnknownIdIsReported() throws Exception {
        try (LocalBroker broker = LocalBroker.start(dataDir); RawKafkaConnection raw = RawKafkaConnection.to(broker.bootstrapServers())) {
            Uuid id = broker.admin().createTopics(List.of(new NewTopic("by-id", 2, (short) 1))).topicId("by-id").get();
            Uuid unknown = Uuid.randomUuid();
            MetadataResponse response = raw.roundTrip(MetadataRequest.Builder.forTopicIds(Set.of(id, unknown)).build(VERSION), 1);
            Map<Uuid, Errors> errors = response.errorsByTopicId();
            assertEquals(Map.of(unknown, Errors.UNKNOWN_TOPIC_ID), errors);
            MetadataResponse.TopicMetadata found = response.topicMetadata().stream()
                    .filter(topic -> id.equals(topic.topicId())).findFirst().orElseThrow();
            assertEquals("by-id", found.topic());
            assertEquals(2, found.partitionMetadata().size());
        }
    }

    @Test
    void everyResponseNamesThisBrokerItsAdvertisedAddressAndItAsController() throws Exception {
        try (LocalBroker broker = LocalBroker.start(dataDir, Map.of("advertised.host", "spindle.example", "node.id", "7"));
             RawKafkaConnection raw = RawKafkaConnection.to(broker.bootstrapServers())) {
            MetadataResponse response = raw.roundTrip(MetadataRequest.Builder.allTopics().build(VERSION), 1);
            assertEquals(1, response.brokers().size());
            var node = response.brokers().iterator().next();
            assertEquals(7, node.id());
            assertEquals("spindle.example", node.host());
            assertEquals(broker.port(), node.port());
            assertEquals(7, response.controller().id());
            assertEquals(broker.broker().clusterId(), response.clusterId());
        }
    }
}
