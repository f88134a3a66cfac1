package io.spindle.broker.cluster;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spindle.broker.LocalBroker;
import io.spindle.broker.LocalCluster;
import io.spindle.fixtures.Batches;
import io.spindle.fixtures.RawKafkaConnection;
import io.spindle.groups.GroupCoordinator;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.OffsetFetchRequestData;
import org.apache.kafka.common.message.OffsetFetchResponseData;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.requests.OffsetFetchRequest;
import org.apache.kafka.common.requests.OffsetFetchResponse;
import org.apache.kafka.common.requests.ProduceRequest;
import org.apache.kafka.common.requests.ProduceResponse;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A broker leads, and coordinates, only within its session with the metadata quorum (docs/cluster.md, "Broker
 * session"): cut off from the quorum, it may have been fenced and replaced by a broker taking newer commits.
 */
class QuorumSessionTest {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final String GROUP = "billing";
    private static final TopicPartition ORDERS = new TopicPartition("orders", 0);

    @Test
    void aBrokerCutOffFromTheQuorumStopsCoordinatingAndLeadingAfterItsSession(@TempDir Path root) throws Exception {
        try (LocalCluster cluster = LocalCluster.start(root, 3, Map.of())) {
            await().atMost(WAIT).until(cluster::ready);
            MetadataAuthority anyView = cluster.broker(1).broker().metadataAuthority();
            await().atMost(WAIT).until(() -> anyView.coordinatorFor(GroupCoordinator.OFFSETS_TOPIC).isPresent());
            int cutId = anyView.coordinatorFor(GroupCoordinator.OFFSETS_TOPIC).get().id();
            int otherId = cutId % 3 + 1;
            LocalBroker cut = cluster.broker(cutId);
            cluster.admin(otherId).createTopics(List.of(new NewTopic(ORDERS.topic(),
                    Map.of(0, List.of(cutId, otherId, otherId % 3 + 1))))).all().get();
            cluster.admin(otherId).alterConsumerGroupOffsets(GROUP, Map.of(ORDERS, new OffsetAndMetadata(5))).all().get();
            MetadataAuthority cutView = cut.broker().metadataAuthority();
            await().atMost(WAIT).until(() -> cutView.partition(ORDERS.topic(), 0)
                    .filter(leadership -> leadership.leader() == cutId).isPresent());
            assertTrue(cutView.mayLead());
            assertEquals(Errors.NONE, produce(cut));
            OffsetFetchResponseData.OffsetFetchResponseGroup before = offsetFetch(cut);
            assertEquals(Errors.NONE.code(), before.errorCode());
            assertEquals(5, before.topics().get(0).partitions().get(0).committedOffset());

            ((QuorumAuthority) cutView).quorum().close();

            await().atMost(WAIT).until(() -> offsetFetch(cut).errorCode() == Errors.NOT_COORDINATOR.code());
            assertEquals(Errors.NOT_LEADER_OR_FOLLOWER, produce(cut), "no produce either");
            // The others fenced it and carry on: a new coordinator serves the commit.
            await().atMost(WAIT).until(() -> cluster.admin(otherId).listConsumerGroupOffsets(GROUP)
                    .partitionsToOffsetAndMetadata().get().get(ORDERS).offset() == 5);
        }
    }

    private static OffsetFetchResponseData.OffsetFetchResponseGroup offsetFetch(LocalBroker broker) throws IOException {
        try (RawKafkaConnection raw = RawKafkaConnection.to(broker.bootstrapServers())) {
            OffsetFetchResponse fetched = raw.roundTrip(OffsetFetchRequest.Builder.forTopicIdsOrNames(
                    new OffsetFetchRequestData().setGroups(List.of(new OffsetFetchRequestData.OffsetFetchRequestGroup()
                            .setGroupId(GROUP).setTopics(List.of(new OffsetFetchRequestData.OffsetFetchRequestTopics()
                                    .setName(ORDERS.topic()).setPartitionIndexes(List.of(0)))))), false)
                    .build((short) 8));
            return fetched.data().groups().get(0);
        }
    }

    private static Errors produce(LocalBroker broker) throws IOException {
        ProduceRequestData produce = new ProduceRequestData().setAcks((short) 1).setTimeoutMs(5_000);
        produce.topicData().add(new ProduceRequestData.TopicProduceData().setName(ORDERS.topic()).setPartitionData(
                List.of(new ProduceRequestData.PartitionProduceData().setIndex(0).setRecords(
                        MemoryRecords.readableRecords(Batches.batch("order", 1, 1_000L))))));
        try (RawKafkaConnection raw = RawKafkaConnection.to(broker.bootstrapServers())) {
            ProduceResponse produced = raw.roundTrip(new ProduceRequest.Builder((short) 12, (short) 12, produce)
                    .build((short) 12));
            return Errors.forCode(produced.data().responses().iterator().next().partitionResponses().get(0)
                    .errorCode());
        }
    }
}
