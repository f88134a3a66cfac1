package io.spindle.broker.data;

import java.util.List;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.FetchRequestData.FetchPartition;
import org.apache.kafka.common.message.FetchRequestData.FetchTopic;
import org.apache.kafka.common.message.InitProducerIdRequestData;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.message.ProduceRequestData.PartitionProduceData;
import org.apache.kafka.common.message.ProduceRequestData.TopicProduceData;
import org.apache.kafka.common.message.ProduceRequestData.TopicProduceDataCollection;
import org.apache.kafka.common.message.ProduceResponseData.PartitionProduceResponse;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.requests.FetchRequest;
import org.apache.kafka.common.requests.FetchResponse;
import org.apache.kafka.common.requests.InitProducerIdRequest;
import org.apache.kafka.common.requests.ProduceRequest;
import org.apache.kafka.common.requests.ProduceResponse;

/** Exact Kafka requests for raw-socket tests, built with kafka-clients' message classes. */
final class KafkaRequests {
    static final short PRODUCE_BY_NAME = 12;
    static final short PRODUCE_BY_ID = 13;
    static final short FETCH_BY_NAME = 12;
    static final short FETCH_LATEST = 18;

    private KafkaRequests() {
    }

    /** Produce of one partition's records, topic named (version 12). */
    static ProduceRequest produce(String topic, int partition, MemoryRecords records, short acks, String transactionalId) {
        return produce(PRODUCE_BY_NAME, topic, partition, records, acks, transactionalId);
    }

    /** Produce of one partition's records at a version below 13 (topic named). */
    static ProduceRequest produce(short version, String topic, int partition, MemoryRecords records, short acks,
                                  String transactionalId) {
        TopicProduceData topicData = new TopicProduceData().setName(topic)
                .setPartitionData(List.of(new PartitionProduceData().setIndex(partition).setRecords(records)));
        return new ProduceRequest(new ProduceRequestData()
                .setAcks(acks)
                .setTimeoutMs(30_000)
                .setTransactionalId(transactionalId)
                .setTopicData(new TopicProduceDataCollection(List.of(topicData).iterator())), version);
    }

    static ProduceRequest produce(String topic, int partition, MemoryRecords records) {
        return produce(topic, partition, records, (short) -1, null);
    }

    /** Produce of one partition's records, topic by id (version 13). */
    static ProduceRequest produceById(Uuid topicId, int partition, MemoryRecords records) {
        TopicProduceData topicData = new TopicProduceData().setTopicId(topicId)
                .setPartitionData(List.of(new PartitionProduceData().setIndex(partition).setRecords(records)));
        return new ProduceRequest(new ProduceRequestData()
                .setAcks((short) -1)
                .setTimeoutMs(30_000)
                .setTopicData(new TopicProduceDataCollection(List.of(topicData).iterator())), PRODUCE_BY_ID);
    }

    /** The single partition answer of a single-partition produce. */
    static PartitionProduceResponse onlyPartition(ProduceResponse response) {
        return response.data().responses().iterator().next().partitionResponses().get(0);
    }

    /** A sessionless full fetch of one partition; by name below version 13, by id from 13. */
    static FetchRequest fetch(short version, String topic, Uuid topicId, int partition, long offset, int maxWaitMs, int minBytes) {
        return fetch(version, topic, topicId, partition, offset, maxWaitMs, minBytes, 0, -1);
    }

    static FetchRequest fetch(short version, String topic, Uuid topicId, int partition, long offset, int maxWaitMs, int minBytes,
                              int sessionId, int sessionEpoch) {
        FetchTopic fetchTopic = new FetchTopic()
                .setPartitions(List.of(new FetchPartition().setPartition(partition).setFetchOffset(offset)
                        .setPartitionMaxBytes(1 << 20)));
        if (version >= 13) {
            fetchTopic.setTopicId(topicId);
        } else {
            fetchTopic.setTopic(topic);
        }
        return new FetchRequest(new FetchRequestData()
                .setMaxWaitMs(maxWaitMs)
                .setMinBytes(minBytes)
                .setMaxBytes(50 << 20)
                .setSessionId(sessionId)
                .setSessionEpoch(sessionEpoch)
                .setTopics(List.of(fetchTopic)), version);
    }

    /** The single partition answer of a single-partition fetch. */
    static FetchResponseData.PartitionData onlyPartition(FetchResponse response) {
        return response.data().responses().get(0).partitions().get(0);
    }

    static InitProducerIdRequest initProducerId(String transactionalId) {
        return initProducerId((short) 5, transactionalId);
    }

    static InitProducerIdRequest initProducerId(short version, String transactionalId) {
        return new InitProducerIdRequest.Builder(new InitProducerIdRequestData()
                .setTransactionalId(transactionalId)
                .setTransactionTimeoutMs(60_000)
                .setProducerId(-1L)
                .setProducerEpoch((short) -1)).build(version);
    }
}
