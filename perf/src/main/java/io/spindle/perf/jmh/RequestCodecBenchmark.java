package io.spindle.perf.jmh;

import io.netty.util.ReferenceCountUtil;
import io.spindle.broker.network.SendParts;
import io.spindle.fixtures.Batches;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.message.ProduceResponseData;
import org.apache.kafka.common.network.Send;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ByteBufferAccessor;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.FetchRequest;
import org.apache.kafka.common.requests.FetchResponse;
import org.apache.kafka.common.requests.ProduceRequest;
import org.apache.kafka.common.requests.ProduceResponse;
import org.apache.kafka.common.requests.RequestHeader;
import org.apache.kafka.common.requests.ResponseHeader;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * The protocol work around each request, done as broker-core's KafkaConnection does it with kafka-clients'
 * classes: {@code RequestHeader.parse} then {@code AbstractRequest.parseRequest} on the frame (Produce carrying
 * one 64 KiB batch, which is viewed, not copied; Fetch for one partition), and {@code toSend} of the response
 * turned into the Netty messages the broker writes, by broker-core's SendParts itself.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class RequestCodecBenchmark {
    private static final short PRODUCE_VERSION = 11;
    private static final short FETCH_VERSION = 12;

    private ByteBuffer produceFrame;
    private ByteBuffer fetchFrame;
    private ProduceResponse produceResponse;
    private FetchResponse fetchResponse;

    @Setup
    public void setUp() {
        MemoryRecords records = MemoryRecords.readableRecords(Batches.filled(64, 1024));
        ProduceRequestData produce = new ProduceRequestData().setAcks((short) -1).setTimeoutMs(30_000);
        ProduceRequestData.TopicProduceData topic = new ProduceRequestData.TopicProduceData().setName("bench");
        topic.partitionData().add(new ProduceRequestData.PartitionProduceData().setIndex(0).setRecords(records));
        produce.topicData().add(topic);
        ProduceRequest produceRequest = new ProduceRequest.Builder(PRODUCE_VERSION, PRODUCE_VERSION, produce).build(PRODUCE_VERSION);
        produceFrame = produceRequest.serializeWithHeader(new RequestHeader(ApiKeys.PRODUCE, PRODUCE_VERSION, "bench", 7));

        org.apache.kafka.common.TopicPartition tp = new org.apache.kafka.common.TopicPartition("bench", 0);
        java.util.LinkedHashMap<org.apache.kafka.common.TopicPartition, FetchRequest.PartitionData> fetchData =
                new java.util.LinkedHashMap<>();
        fetchData.put(tp, new FetchRequest.PartitionData(Uuid.ZERO_UUID, 1000, -1, 1024 * 1024, java.util.Optional.empty()));
        FetchRequest fetchRequest = FetchRequest.Builder.forConsumer(FETCH_VERSION, 500, 1, fetchData).build(FETCH_VERSION);
        fetchFrame = fetchRequest.serializeWithHeader(new RequestHeader(ApiKeys.FETCH, FETCH_VERSION, "bench", 8));

        ProduceResponseData produceData = new ProduceResponseData();
        ProduceResponseData.TopicProduceResponse topicResponse = new ProduceResponseData.TopicProduceResponse().setName("bench");
        topicResponse.partitionResponses().add(new ProduceResponseData.PartitionProduceResponse().setIndex(0)
                .setErrorCode(Errors.NONE.code()).setBaseOffset(123456).setLogAppendTimeMs(-1).setLogStartOffset(0));
        produceData.responses().add(topicResponse);
        produceResponse = new ProduceResponse(produceData);

        MemoryRecords fetched = MemoryRecords.readableRecords(Batches.filled(1000, 1024));
        FetchResponseData fetchData2 = new FetchResponseData();
        fetchData2.responses().add(new FetchResponseData.FetchableTopicResponse().setTopic("bench")
                .setPartitions(List.of(new FetchResponseData.PartitionData().setPartitionIndex(0)
                        .setHighWatermark(2000).setLastStableOffset(2000).setLogStartOffset(0).setRecords(fetched))));
        fetchResponse = FetchResponse.of(fetchData2);
    }

    @Benchmark
    public AbstractRequest decodeProduce() {
        ByteBuffer buffer = produceFrame.duplicate();
        RequestHeader header = RequestHeader.parse(buffer);
        return AbstractRequest.parseRequest(header.apiKey(), header.apiVersion(), new ByteBufferAccessor(buffer)).request;
    }

    @Benchmark
    public AbstractRequest decodeFetch() {
        ByteBuffer buffer = fetchFrame.duplicate();
        RequestHeader header = RequestHeader.parse(buffer);
        return AbstractRequest.parseRequest(header.apiKey(), header.apiVersion(), new ByteBufferAccessor(buffer)).request;
    }

    @Benchmark
    public long encodeProduceResponse() throws IOException {
        return drain(produceResponse.toSend(new ResponseHeader(7, ApiKeys.PRODUCE.responseHeaderVersion(PRODUCE_VERSION)),
                PRODUCE_VERSION));
    }

    @Benchmark
    public long encodeFetchResponse() throws IOException {
        return drain(fetchResponse.toSend(new ResponseHeader(8, ApiKeys.FETCH.responseHeaderVersion(FETCH_VERSION)),
                FETCH_VERSION));
    }

    /** Turns the Send into the Netty messages the broker writes (broker-core's SendParts), then frees them. */
    private static long drain(Send send) throws IOException {
        List<Object> parts = SendParts.of(send);
        for (Object part : parts) {
            ReferenceCountUtil.release(part);
        }
        return parts.size();
    }
}
