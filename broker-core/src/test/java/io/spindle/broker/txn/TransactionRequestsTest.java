package io.spindle.broker.txn;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.spindle.broker.LocalBroker;
import io.spindle.fixtures.RawKafkaConnection;
import io.spindle.txn.TransactionState;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.AddPartitionsToTxnRequestData.AddPartitionsToTxnTopic;
import org.apache.kafka.common.message.AddPartitionsToTxnRequestData.AddPartitionsToTxnTopicCollection;
import org.apache.kafka.common.message.AddPartitionsToTxnRequestData.AddPartitionsToTxnTransaction;
import org.apache.kafka.common.message.AddPartitionsToTxnRequestData.AddPartitionsToTxnTransactionCollection;
import org.apache.kafka.common.message.AddOffsetsToTxnRequestData;
import org.apache.kafka.common.message.EndTxnRequestData;
import org.apache.kafka.common.message.FindCoordinatorRequestData;
import org.apache.kafka.common.message.InitProducerIdRequestData;
import org.apache.kafka.common.message.TxnOffsetCommitRequestData;
import org.apache.kafka.common.message.TxnOffsetCommitRequestData.TxnOffsetCommitRequestPartition;
import org.apache.kafka.common.message.TxnOffsetCommitRequestData.TxnOffsetCommitRequestTopic;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AddOffsetsToTxnRequest;
import org.apache.kafka.common.requests.AddOffsetsToTxnResponse;
import org.apache.kafka.common.requests.AddPartitionsToTxnRequest;
import org.apache.kafka.common.requests.AddPartitionsToTxnResponse;
import org.apache.kafka.common.requests.EndTxnRequest;
import org.apache.kafka.common.requests.EndTxnResponse;
import org.apache.kafka.common.requests.FindCoordinatorRequest;
import org.apache.kafka.common.requests.FindCoordinatorResponse;
import org.apache.kafka.common.requests.InitProducerIdRequest;
import org.apache.kafka.common.requests.InitProducerIdResponse;
import org.apache.kafka.common.requests.TxnOffsetCommitRequest;
import org.apache.kafka.common.requests.TxnOffsetCommitResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The transactional requests on a raw socket, at the versions and with the errors kafka-clients relies on. */
class TransactionRequestsTest {
    private static final TopicPartition P0 = new TopicPartition("orders", 0);

    @TempDir
    Path dataDir;
    private LocalBroker broker;
    private RawKafkaConnection client;

    @BeforeEach
    void start() throws Exception {
        broker = LocalBroker.start(dataDir, Map.of());
        broker.createTopic(P0.topic(), 1);
        client = new RawKafkaConnection(broker.host(), broker.port());
    }

    @AfterEach
    void stop() throws Exception {
        client.close();
        broker.close();
    }

    private InitProducerIdResponse init(String transactionalId) throws Exception {
        return client.roundTrip(new InitProducerIdRequest.Builder(new InitProducerIdRequestData()
                .setTransactionalId(transactionalId).setTransactionTimeoutMs(60_000)
                .setProducerId(-1L).setProducerEpoch((short) -1)).build((short) 5));
    }

    private Map<TopicPartition, Errors> addPartitionsV3(String transactionalId, InitProducerIdResponse init,
                                                        TopicPartition partition) throws Exception {
        AddPartitionsToTxnResponse response = client.roundTrip(AddPartitionsToTxnRequest.Builder.forClient(
                transactionalId, init.data().producerId(), init.data().producerEpoch(), List.of(partition)).build((short) 3));
        return response.errors().get(AddPartitionsToTxnResponse.V3_AND_BELOW_TXN_ID);
    }

    private Map<TopicPartition, Errors> verifyOnlyV5(String transactionalId, InitProducerIdResponse init) throws Exception {
        AddPartitionsToTxnTopicCollection topics = new AddPartitionsToTxnTopicCollection();
        topics.add(new AddPartitionsToTxnTopic().setName(P0.topic()).setPartitions(List.of(P0.partition())));
        AddPartitionsToTxnTransactionCollection transactions = new AddPartitionsToTxnTransactionCollection();
        transactions.add(new AddPartitionsToTxnTransaction().setTransactionalId(transactionalId)
                .setProducerId(init.data().producerId()).setProducerEpoch(init.data().producerEpoch())
                .setVerifyOnly(true).setTopics(topics));
        AddPartitionsToTxnResponse response = client.roundTrip(
                AddPartitionsToTxnRequest.Builder.forBroker(transactions).build((short) 5));
        return response.errors().get(transactionalId);
    }

    @ParameterizedTest(name = "v{0}")
    @ValueSource(shorts = {0, 1, 2, 3, 4})
    void aWholeTransactionWithOffsetsCommitsAtEveryServedVersion(short version) throws Exception {
        String id = "tx-v" + version;
        InitProducerIdResponse init = init(id);
        long producerId = init.data().producerId();
        short epoch = init.data().producerEpoch();

        AddPartitionsToTxnResponse added = client.roundTrip(AddPartitionsToTxnRequest.Builder.forClient(id, producerId,
                epoch, List.of(P0)).build((short) Math.min(version, 3)));
        AddOffsetsToTxnResponse offsets = client.roundTrip(new AddOffsetsToTxnRequest.Builder(new AddOffsetsToTxnRequestData()
                .setTransactionalId(id).setProducerId(producerId).setProducerEpoch(epoch).setGroupId("g")).build(version));
        TxnOffsetCommitResponse committed = client.roundTrip(TxnOffsetCommitRequest.Builder.forTopicNames(
                new TxnOffsetCommitRequestData().setTransactionalId(id).setGroupId("g").setProducerId(producerId)
                        .setProducerEpoch(epoch).setTopics(List.of(new TxnOffsetCommitRequestTopic().setName(P0.topic())
                                .setPartitions(List.of(new TxnOffsetCommitRequestPartition().setPartitionIndex(0)
                                        .setCommittedOffset(3))))), false).build(version));
        EndTxnResponse ended = client.roundTrip(new EndTxnRequest.Builder(new EndTxnRequestData().setTransactionalId(id)
                .setProducerId(producerId).setProducerEpoch(epoch).setCommitted(true), false).build(version));

        assertEquals(Map.of(P0, Errors.NONE), added.errors().get(AddPartitionsToTxnResponse.V3_AND_BELOW_TXN_ID));
        assertEquals(Errors.NONE.code(), offsets.data().errorCode());
        assertEquals(Map.of(Errors.NONE, 1), committed.errorCounts());
        assertEquals(Errors.NONE, ended.error());
    }

    @Test
    void findCoordinatorAnswersTransactionKeysWithThisBroker() throws Exception {
        FindCoordinatorResponse response = client.roundTrip(new FindCoordinatorRequest.Builder(
                new FindCoordinatorRequestData().setKeyType((byte) 1).setCoordinatorKeys(List.of("tx", ""))).build((short) 6));

        assertEquals(Errors.NONE.code(), response.coordinators().get(0).errorCode());
        assertEquals(broker.port(), response.coordinators().get(0).port());
        assertEquals(Errors.INVALID_REQUEST.code(), response.coordinators().get(1).errorCode());
    }

    @Test
    void anUnknownPartitionIsRefusedAndTheOthersOfTheRequestAreNotAttempted() throws Exception {
        InitProducerIdResponse init = init("tx");
        AddPartitionsToTxnResponse response = client.roundTrip(AddPartitionsToTxnRequest.Builder.forClient("tx",
                init.data().producerId(), init.data().producerEpoch(), List.of(P0, new TopicPartition("nope", 0)))
                .build((short) 3));

        assertEquals(Map.of(P0, Errors.OPERATION_NOT_ATTEMPTED, new TopicPartition("nope", 0), Errors.UNKNOWN_TOPIC_OR_PARTITION),
                response.errors().get(AddPartitionsToTxnResponse.V3_AND_BELOW_TXN_ID));
    }

    @Test
    void verifyOnlyAnswersFromTheTransactionWithoutAddingToIt() throws Exception {
        InitProducerIdResponse init = init("tx");

        assertEquals(Map.of(P0, Errors.INVALID_TXN_STATE), verifyOnlyV5("tx", init));
        assertEquals(Map.of(P0, Errors.NONE), addPartitionsV3("tx", init, P0));
        assertEquals(Map.of(P0, Errors.NONE), verifyOnlyV5("tx", init));
    }

    @Test
    void aFencedProducerIsToldProducerFencedFromVersionTwoAndInvalidProducerEpochBefore() throws Exception {
        InitProducerIdResponse old = init("tx");
        init("tx");
        EndTxnRequestData end = new EndTxnRequestData().setTransactionalId("tx").setProducerId(old.data().producerId())
                .setProducerEpoch(old.data().producerEpoch()).setCommitted(true);

        EndTxnResponse v1 = client.roundTrip(new EndTxnRequest.Builder(end, false).build((short) 1));
        EndTxnResponse v4 = client.roundTrip(new EndTxnRequest.Builder(end, false).build((short) 4));

        assertEquals(Errors.INVALID_PRODUCER_EPOCH, v1.error());
        assertEquals(Errors.PRODUCER_FENCED, v4.error());
    }

    private TxnOffsetCommitResponse commitOffset(String transactionalId, InitProducerIdResponse init, short version)
            throws Exception {
        return client.roundTrip(TxnOffsetCommitRequest.Builder.forTopicNames(new TxnOffsetCommitRequestData()
                .setTransactionalId(transactionalId).setGroupId("g").setProducerId(init.data().producerId())
                .setProducerEpoch(init.data().producerEpoch()).setTopics(List.of(new TxnOffsetCommitRequestTopic()
                        .setName(P0.topic()).setPartitions(List.of(new TxnOffsetCommitRequestPartition()
                                .setPartitionIndex(0).setCommittedOffset(3))))), true).build(version));
    }

    private EndTxnResponse endV5(String transactionalId, long producerId, short epoch, boolean commit) throws Exception {
        return client.roundTrip(new EndTxnRequest.Builder(new EndTxnRequestData().setTransactionalId(transactionalId)
                .setProducerId(producerId).setProducerEpoch(epoch).setCommitted(commit), true).build((short) 5));
    }

    @Test
    void txnOffsetCommitVersionFiveAddsItsGroupWhereVersionFourNeedsAddOffsetsToTxn() throws Exception {
        InitProducerIdResponse init = init("tx");

        TxnOffsetCommitResponse v4 = commitOffset("tx", init, (short) 4);
        TxnOffsetCommitResponse v5 = commitOffset("tx", init, (short) 5);

        assertEquals(Map.of(Errors.INVALID_TXN_STATE, 1), v4.errorCounts());
        assertEquals(Map.of(Errors.NONE, 1), v5.errorCounts());
        assertEquals(Set.of("g"), broker.broker().transactionCoordinator().describe("tx").orElseThrow().groups());
    }

    @Test
    void endTxnVersionFiveAnswersTheBumpedEpochAndTheSameToARetry() throws Exception {
        InitProducerIdResponse init = init("tx");
        long producerId = init.data().producerId();
        short epoch = init.data().producerEpoch();
        addPartitionsV3("tx", init, P0);

        EndTxnResponse first = endV5("tx", producerId, epoch, false);
        await().atMost(Duration.ofSeconds(10)).until(() -> broker.broker().transactionCoordinator().describe("tx")
                .orElseThrow().state() == TransactionState.COMPLETE_ABORT);
        EndTxnResponse retry = endV5("tx", producerId, epoch, false);
        EndTxnResponse commitAtTheAbortsEpoch = endV5("tx", producerId, epoch, true);
        EndTxnResponse emptyAbort = endV5("tx", producerId, first.data().producerEpoch(), false);

        assertEquals(Errors.NONE, first.error());
        assertEquals(producerId, first.data().producerId());
        assertEquals(epoch + 1, first.data().producerEpoch());
        assertEquals(first.data(), retry.data());
        assertEquals(Errors.INVALID_PRODUCER_EPOCH, commitAtTheAbortsEpoch.error());
        assertEquals(Errors.NONE, emptyAbort.error());
        assertEquals(epoch + 2, emptyAbort.data().producerEpoch());
    }
}
