package io.spindle.broker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spindle.fixtures.RawKafkaConnection;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.message.ApiVersionsResponseData.ApiVersion;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.ApiVersionsRequest;
import org.apache.kafka.common.requests.ApiVersionsResponse;
import org.apache.kafka.common.requests.DescribeAclsRequest;
import org.apache.kafka.common.requests.DescribeAclsResponse;
import org.apache.kafka.common.acl.AclBindingFilter;
import org.apache.kafka.common.requests.MetadataRequest;
import org.apache.kafka.common.requests.MetadataResponse;
import org.apache.kafka.common.requests.RequestHeader;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hostile and malformed input on raw sockets: each gets its Kafka error response or a closed connection, and
 * a well-behaved Admin client on its own connection keeps working before, during and after.
 */
class HostileInputTest {
    private static final int MAX_REQUEST_BYTES = 1024 * 1024;

    @TempDir
    Path dataDir;

    private LocalBroker broker;
    private Admin admin;

    @BeforeEach
    void startBrokerWithAWorkingAdmin() throws Exception {
        broker = LocalBroker.start(dataDir, Map.of("socket.request.max.bytes", Integer.toString(MAX_REQUEST_BYTES)));
        admin = broker.admin();
        admin.createTopics(List.of(new NewTopic("steady", 1, (short) 1))).all().get();
    }

    @AfterEach
    void adminStillWorksThenStop() throws Exception {
        try {
            assertTrue(admin.listTopics().names().get().contains("steady"), "the well-behaved client is unaffected");
            admin.createTopics(List.of(new NewTopic("after-the-storm", 1, (short) 1))).all().get();
        } finally {
            broker.close();
        }
    }

    @Test
    void httpTalkReadAsAnOversizedLengthClosesThatConnection() throws Exception {
        try (RawKafkaConnection raw = RawKafkaConnection.to(broker.bootstrapServers())) {
            raw.sendRaw("GET / HTTP/1.1\r\nHost: spindle\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            assertTrue(raw.closedByBroker());
        }
    }

    @Test
    void garbageFrameWithAnUnknownApiKeyClosesThatConnection() throws Exception {
        byte[] garbage = new byte[40];
        java.util.Arrays.fill(garbage, (byte) 0xA7);
        try (RawKafkaConnection raw = RawKafkaConnection.to(broker.bootstrapServers())) {
            raw.sendFrame(garbage);
            assertTrue(raw.closedByBroker());
        }
    }

    @Test
    void lengthPrefixOneByteOverTheLimitClosesTheConnectionWithoutWaitingForTheBody() throws Exception {
        try (RawKafkaConnection raw = RawKafkaConnection.to(broker.bootstrapServers())) {
            raw.sendRaw(ByteBuffer.allocate(4).putInt(MAX_REQUEST_BYTES + 1).array());
            assertTrue(raw.closedByBroker());
        }
    }

    @Test
    void negativeLengthPrefixClosesTheConnection() throws Exception {
        try (RawKafkaConnection raw = RawKafkaConnection.to(broker.bootstrapServers())) {
            raw.sendRaw(ByteBuffer.allocate(4).putInt(-1).array());
            assertTrue(raw.closedByBroker());
        }
    }

    @Test
    void requestAtTheLimitIsStillRead() throws Exception {
        // A metadata request padded to exactly the limit: the body does not parse (trailing bytes are fine for
        // Kafka's readers, so it is answered), proving the frame was accepted rather than refused for its size.
        MetadataRequest request = MetadataRequest.Builder.allTopics().build((short) 12);
        RequestHeader header = new RequestHeader(ApiKeys.METADATA, (short) 12, "raw-test", 3);
        ByteBuffer serialized = request.serializeWithHeader(header);
        byte[] frame = new byte[MAX_REQUEST_BYTES];
        serialized.get(frame, 0, serialized.remaining());
        try (RawKafkaConnection raw = RawKafkaConnection.to(broker.bootstrapServers())) {
            raw.sendFrame(frame);
            MetadataResponse response = raw.receive(header);
            assertEquals(1, response.brokers().size());
        }
    }

    @Test
    void truncatedFrameFollowedByHangUpLeavesTheBrokerServing() throws Exception {
        try (RawKafkaConnection raw = RawKafkaConnection.to(broker.bootstrapServers())) {
            raw.sendRaw(ByteBuffer.allocate(4 + 10).putInt(200).put(new byte[10]).array());
        }
        try (RawKafkaConnection raw = RawKafkaConnection.to(broker.bootstrapServers())) {
            MetadataResponse response = raw.roundTrip(MetadataRequest.Builder.allTopics().build((short) 12), 1);
            assertNotNull(response.topicMetadata());
        }
    }

    @Test
    void emptyFrameClosesTheConnection() throws Exception {
        try (RawKafkaConnection raw = RawKafkaConnection.to(broker.bootstrapServers())) {
            raw.sendFrame(new byte[0]);
            assertTrue(raw.closedByBroker());
        }
    }

    @Test
    void unknownApiKeyClosesTheConnectionAsKafkaDoes() throws Exception {
        try (RawKafkaConnection raw = RawKafkaConnection.to(broker.bootstrapServers())) {
            raw.sendFrame(RawKafkaConnection.headerOnly((short) 9999, (short) 0, 7));
            assertTrue(raw.closedByBroker());
        }
    }

    @Test
    void bodyThatDoesNotParseClosesTheConnection() throws Exception {
        byte[] header = RawKafkaConnection.headerOnly(ApiKeys.CREATE_TOPICS.id, (short) 4, 8);
        byte[] frame = java.util.Arrays.copyOf(header, header.length + 3);     // a topic array cut short
        frame[header.length] = 0x7f;
        try (RawKafkaConnection raw = RawKafkaConnection.to(broker.bootstrapServers())) {
            raw.sendFrame(frame);
            assertTrue(raw.closedByBroker());
        }
    }

    @Test
    void apiVersionsAtAVersionTheBrokerDoesNotServeIsAnsweredAsV0WithTheSupportedRanges() throws Exception {
        try (RawKafkaConnection raw = RawKafkaConnection.to(broker.bootstrapServers())) {
            ApiVersionsRequest request = new ApiVersionsRequest.Builder().build((short) 3);
            raw.sendClaimingVersion(request, (short) 42, 11);
            RequestHeader v0 = new RequestHeader(ApiKeys.API_VERSIONS, (short) 0, "raw-test", 11);
            ApiVersionsResponse response = raw.receive(v0);
            assertEquals(Errors.UNSUPPORTED_VERSION.code(), response.data().errorCode());
            ApiVersion apiVersions = response.data().apiKeys().find(ApiKeys.API_VERSIONS.id);
            assertNotNull(apiVersions, "the supported ApiVersions range is included");
            assertEquals(0, apiVersions.minVersion());

            // The client retries with a version the broker named; the same connection serves it.
            ApiVersionsResponse retry = raw.roundTrip(new ApiVersionsRequest.Builder().build(apiVersions.maxVersion()), 12);
            assertEquals(Errors.NONE.code(), retry.data().errorCode());
            assertNotNull(retry.data().apiKeys().find(ApiKeys.CREATE_TOPICS.id));
        }
    }

    @Test
    void requestForAnApiTheBrokerDoesNotImplementIsAnsweredWithUnsupportedVersion() throws Exception {
        try (RawKafkaConnection raw = RawKafkaConnection.to(broker.bootstrapServers())) {
            DescribeAclsRequest request = new DescribeAclsRequest.Builder(AclBindingFilter.ANY)
                    .build(ApiKeys.DESCRIBE_ACLS.latestVersion());
            DescribeAclsResponse response = raw.roundTrip(request, 21);
            assertEquals(Errors.UNSUPPORTED_VERSION.code(), response.data().errorCode());

            MetadataResponse next = raw.roundTrip(MetadataRequest.Builder.allTopics().build((short) 12), 22);
            assertEquals(1, next.brokers().size(), "the connection stays usable");
        }
    }

    @Test
    void versionNoKafkaSchemaKnowsClosesTheConnection() throws Exception {
        try (RawKafkaConnection raw = RawKafkaConnection.to(broker.bootstrapServers())) {
            raw.sendClaimingVersion(MetadataRequest.Builder.allTopics().build((short) 12), (short) 99, 31);
            assertTrue(raw.closedByBroker());
        }
    }

    @Test
    void apiVersionsAdvertisesExactlyTheImplementedApis() throws Exception {
        try (RawKafkaConnection raw = RawKafkaConnection.to(broker.bootstrapServers())) {
            ApiVersionsResponse response = raw.roundTrip(new ApiVersionsRequest.Builder().build((short) 4), 41);
            assertEquals(Errors.NONE.code(), response.data().errorCode());
            for (ApiKeys key : List.of(ApiKeys.API_VERSIONS, ApiKeys.METADATA, ApiKeys.CREATE_TOPICS, ApiKeys.DELETE_TOPICS,
                    ApiKeys.CREATE_PARTITIONS, ApiKeys.DESCRIBE_CONFIGS, ApiKeys.ALTER_CONFIGS,
                    ApiKeys.INCREMENTAL_ALTER_CONFIGS, ApiKeys.DESCRIBE_CLUSTER)) {
                ApiVersion range = response.data().apiKeys().find(key.id);
                assertNotNull(range, key.toString());
                assertTrue(range.minVersion() >= key.oldestVersion() && range.maxVersion() <= key.latestVersion(),
                        key + " range " + range);
            }
            assertEquals(null, response.data().apiKeys().find(ApiKeys.DESCRIBE_ACLS.id), "not implemented, not advertised");
        }
    }

    @Test
    void manyHostileConnectionsAtOnceDoNotDisturbTheAdmin() throws Exception {
        for (int round = 0; round < 20; round++) {
            try (RawKafkaConnection oversized = RawKafkaConnection.to(broker.bootstrapServers());
                 RawKafkaConnection unknown = RawKafkaConnection.to(broker.bootstrapServers())) {
                oversized.sendRaw(ByteBuffer.allocate(4).putInt(Integer.MAX_VALUE).array());
                unknown.sendFrame(RawKafkaConnection.headerOnly((short) -7, (short) 0, round));
                assertTrue(admin.describeCluster().nodes().get().size() == 1);
                assertTrue(oversized.closedByBroker());
                assertTrue(unknown.closedByBroker());
            }
        }
    }
}
