package io.spindle.broker.group;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import io.spindle.broker.LocalBroker;
import io.spindle.fixtures.RawKafkaConnection;
import java.nio.file.Path;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerPartitionAssignor;
import org.apache.kafka.clients.consumer.internals.ConsumerProtocol;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.DeleteGroupsRequestData;
import org.apache.kafka.common.message.DescribeGroupsRequestData;
import org.apache.kafka.common.message.FindCoordinatorRequestData;
import org.apache.kafka.common.message.HeartbeatRequestData;
import org.apache.kafka.common.message.JoinGroupRequestData;
import org.apache.kafka.common.message.JoinGroupRequestData.JoinGroupRequestProtocol;
import org.apache.kafka.common.message.JoinGroupRequestData.JoinGroupRequestProtocolCollection;
import org.apache.kafka.common.message.LeaveGroupRequestData.MemberIdentity;
import org.apache.kafka.common.message.ListGroupsRequestData;
import org.apache.kafka.common.message.OffsetCommitRequestData;
import org.apache.kafka.common.message.OffsetCommitRequestData.OffsetCommitRequestPartition;
import org.apache.kafka.common.message.OffsetCommitRequestData.OffsetCommitRequestTopic;
import org.apache.kafka.common.message.SyncGroupRequestData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.DeleteGroupsRequest;
import org.apache.kafka.common.requests.DeleteGroupsResponse;
import org.apache.kafka.common.requests.DescribeGroupsRequest;
import org.apache.kafka.common.requests.DescribeGroupsResponse;
import org.apache.kafka.common.requests.FindCoordinatorRequest;
import org.apache.kafka.common.requests.FindCoordinatorResponse;
import org.apache.kafka.common.requests.HeartbeatRequest;
import org.apache.kafka.common.requests.HeartbeatResponse;
import org.apache.kafka.common.requests.JoinGroupRequest;
import org.apache.kafka.common.requests.JoinGroupResponse;
import org.apache.kafka.common.requests.LeaveGroupRequest;
import org.apache.kafka.common.requests.LeaveGroupResponse;
import org.apache.kafka.common.requests.ListGroupsRequest;
import org.apache.kafka.common.requests.ListGroupsResponse;
import org.apache.kafka.common.requests.OffsetCommitRequest;
import org.apache.kafka.common.requests.OffsetCommitResponse;
import org.apache.kafka.common.requests.OffsetFetchRequest;
import org.apache.kafka.common.requests.OffsetFetchResponse;
import org.apache.kafka.common.requests.SyncGroupRequest;
import org.apache.kafka.common.requests.SyncGroupResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every version of every classic group API that kafka-clients 4.4 knows, as older clients (librdkafka among
 * them) send them: a whole join / sync / heartbeat / commit / fetch / leave cycle per version.
 */
class GroupApiVersionsTest {
    private static final String TOPIC = "versions";

    @TempDir
    Path dataDir;
    private LocalBroker broker;
    private RawKafkaConnection raw;
    private int correlation;

    @BeforeEach
    void start() throws Exception {
        broker = GroupTestSupport.startBroker(dataDir);
        GroupTestSupport.createTopic(broker, TOPIC, 1);
        raw = RawKafkaConnection.to(broker.bootstrapServers());
    }

    @AfterEach
    void stop() throws Exception {
        raw.close();
        broker.close();
    }

    @Test
    void findCoordinatorAnswersWithThisBrokerAtEveryVersion() throws Exception {
        for (short v = ApiKeys.FIND_COORDINATOR.oldestVersion(); v <= ApiKeys.FIND_COORDINATOR.latestVersion(); v++) {
            FindCoordinatorRequestData data = new FindCoordinatorRequestData().setKeyType((byte) 0);
            if (v < FindCoordinatorRequest.MIN_BATCHED_VERSION) {
                data.setKey("g");
            } else {
                data.setCoordinatorKeys(List.of("g", "h"));
            }
            FindCoordinatorResponse response = raw.roundTrip(new FindCoordinatorRequest.Builder(data).build(v), ++correlation);
            if (v < FindCoordinatorRequest.MIN_BATCHED_VERSION) {
                assertEquals(Errors.NONE, response.error(), "v" + v);
                assertEquals(broker.port(), response.data().port(), "v" + v);
            } else {
                assertEquals(2, response.coordinators().size(), "v" + v);
                response.coordinators().forEach(c -> assertEquals(broker.port(), c.port()));
            }
        }
    }

    @Test
    void aWholeClassicCycleWorksAtEveryVersion() throws Exception {
        short joinMax = ApiKeys.JOIN_GROUP.latestVersion();
        for (short v = 0; v <= joinMax; v++) {
            cycle("group-v" + v, v);
        }
    }

    private void cycle(String group, short joinVersion) throws Exception {
        short syncVersion = (short) Math.min(joinVersion, ApiKeys.SYNC_GROUP.latestVersion());
        short heartbeatVersion = (short) Math.min(joinVersion, ApiKeys.HEARTBEAT.latestVersion());
        short leaveVersion = (short) Math.min(joinVersion, ApiKeys.LEAVE_GROUP.latestVersion());
        short commitVersion = (short) Math.max(ApiKeys.OFFSET_COMMIT.oldestVersion(), Math.min(joinVersion + 1, ApiKeys.OFFSET_COMMIT.latestVersion()));
        short fetchVersion = (short) Math.max(ApiKeys.OFFSET_FETCH.oldestVersion(), Math.min(joinVersion + 1, ApiKeys.OFFSET_FETCH.latestVersion()));
        String at = " (JoinGroup v" + joinVersion + ")";

        byte[] subscription = bytes(ConsumerProtocol.serializeSubscription(new ConsumerPartitionAssignor.Subscription(List.of(TOPIC))));
        JoinGroupRequestProtocolCollection protocols = new JoinGroupRequestProtocolCollection();
        protocols.add(new JoinGroupRequestProtocol().setName("range").setMetadata(subscription));
        JoinGroupRequestData joinData = new JoinGroupRequestData().setGroupId(group).setMemberId("")
                .setProtocolType("consumer").setProtocols(protocols).setSessionTimeoutMs(10_000).setRebalanceTimeoutMs(10_000);
        JoinGroupResponse joined = raw.roundTrip(new JoinGroupRequest.Builder(joinData).build(joinVersion), ++correlation);
        if (joined.error() == Errors.MEMBER_ID_REQUIRED) {
            joinData.setMemberId(joined.data().memberId());
            joined = raw.roundTrip(new JoinGroupRequest.Builder(joinData).build(joinVersion), ++correlation);
        }
        assertEquals(Errors.NONE, joined.error(), "join" + at);
        String memberId = joined.data().memberId();
        int generation = joined.data().generationId();

        byte[] assignment = bytes(ConsumerProtocol.serializeAssignment(
                new ConsumerPartitionAssignor.Assignment(List.of(new TopicPartition(TOPIC, 0)))));
        SyncGroupRequestData syncData = new SyncGroupRequestData().setGroupId(group).setMemberId(memberId)
                .setGenerationId(generation).setAssignments(List.of(new SyncGroupRequestData.SyncGroupRequestAssignment()
                        .setMemberId(memberId).setAssignment(assignment)));
        if (syncVersion >= 5) {
            syncData.setProtocolType("consumer").setProtocolName("range");
        }
        SyncGroupResponse synced = raw.roundTrip(new SyncGroupRequest.Builder(syncData).build(syncVersion), ++correlation);
        assertEquals(Errors.NONE, synced.error(), "sync" + at);

        HeartbeatResponse beat = raw.roundTrip(new HeartbeatRequest.Builder(new HeartbeatRequestData().setGroupId(group)
                .setMemberId(memberId).setGenerationId(generation)).build(heartbeatVersion), ++correlation);
        assertEquals(Errors.NONE, beat.error(), "heartbeat" + at);

        OffsetCommitRequestTopic topic = new OffsetCommitRequestTopic().setPartitions(List.of(
                new OffsetCommitRequestPartition().setPartitionIndex(0).setCommittedOffset(42)));
        if (commitVersion >= 10) {
            topic.setTopicId(broker.broker().topics().topic(TOPIC).orElseThrow().id());
        } else {
            topic.setName(TOPIC);
        }
        OffsetCommitRequestData commitData = new OffsetCommitRequestData().setGroupId(group).setMemberId(memberId)
                .setGenerationIdOrMemberEpoch(generation).setTopics(List.of(topic));
        OffsetCommitResponse committed = raw.roundTrip(OffsetCommitRequest.Builder.forTopicIdsOrNames(commitData)
                .build(commitVersion), ++correlation);
        assertEquals(Errors.NONE.code(), committed.data().topics().get(0).partitions().get(0).errorCode(), "commit v" + commitVersion + at);

        OffsetFetchRequest fetch = OffsetFetchRequest.Builder.forTopicIdsOrNames(new org.apache.kafka.common.message.OffsetFetchRequestData()
                .setGroups(List.of(new org.apache.kafka.common.message.OffsetFetchRequestData.OffsetFetchRequestGroup()
                        .setGroupId(group).setTopics(List.of(new org.apache.kafka.common.message.OffsetFetchRequestData.OffsetFetchRequestTopics()
                                .setName(TOPIC).setTopicId(broker.broker().topics().topic(TOPIC).orElseThrow().id())
                                .setPartitionIndexes(List.of(0)))))), false).build(fetchVersion);
        OffsetFetchResponse fetched = raw.roundTrip(fetch, ++correlation);
        assertEquals(42, fetched.group(group).topics().get(0).partitions().get(0).committedOffset(), "fetch v" + fetchVersion + at);

        LeaveGroupResponse left = raw.roundTrip(new LeaveGroupRequest.Builder(group,
                List.of(new MemberIdentity().setMemberId(memberId))).build(leaveVersion), ++correlation);
        assertEquals(Errors.NONE, left.topLevelError(), "leave" + at);
    }

    @Test
    void listDescribeAndDeleteWorkAtEveryVersion() throws Exception {
        try (RawGroupClient member = new RawGroupClient(broker)) {
            member.commit("stored-only", "", -1, new TopicPartition(TOPIC, 0), 1);
        }
        for (short v = ApiKeys.LIST_GROUPS.oldestVersion(); v <= ApiKeys.LIST_GROUPS.latestVersion(); v++) {
            ListGroupsResponse listed = raw.roundTrip(new ListGroupsRequest.Builder(new ListGroupsRequestData()).build(v), ++correlation);
            assertEquals(Errors.NONE.code(), listed.data().errorCode(), "ListGroups v" + v);
            assertEquals("stored-only", listed.data().groups().get(0).groupId(), "ListGroups v" + v);
        }
        for (short v = ApiKeys.DESCRIBE_GROUPS.oldestVersion(); v <= ApiKeys.DESCRIBE_GROUPS.latestVersion(); v++) {
            DescribeGroupsResponse described = raw.roundTrip(new DescribeGroupsRequest.Builder(new DescribeGroupsRequestData()
                    .setGroups(List.of("stored-only", "missing"))).build(v), ++correlation);
            assertEquals("Empty", described.data().groups().get(0).groupState(), "DescribeGroups v" + v);
            if (v >= 6) {
                assertEquals(Errors.GROUP_ID_NOT_FOUND.code(), described.data().groups().get(1).errorCode());
            } else {
                assertEquals("Dead", described.data().groups().get(1).groupState(), "DescribeGroups v" + v);
            }
        }
        for (short v = ApiKeys.DELETE_GROUPS.oldestVersion(); v <= ApiKeys.DELETE_GROUPS.latestVersion(); v++) {
            DeleteGroupsResponse deleted = raw.roundTrip(new DeleteGroupsRequest.Builder(new DeleteGroupsRequestData()
                    .setGroupsNames(List.of("missing-" + v))).build(v), ++correlation);
            assertEquals(Errors.GROUP_ID_NOT_FOUND, deleted.get("missing-" + v), "DeleteGroups v" + v);
        }
        DeleteGroupsResponse deleted = raw.roundTrip(new DeleteGroupsRequest.Builder(new DeleteGroupsRequestData()
                .setGroupsNames(List.of("stored-only"))).build(), ++correlation);
        assertEquals(Errors.NONE, deleted.get("stored-only"));
        assertNotEquals(Uuid.ZERO_UUID, broker.broker().topics().topic(TOPIC).orElseThrow().id());
    }

    private static byte[] bytes(java.nio.ByteBuffer buffer) {
        byte[] array = new byte[buffer.remaining()];
        buffer.get(array);
        return array;
    }
}
