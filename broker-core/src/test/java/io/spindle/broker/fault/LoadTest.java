package io.spindle.broker.fault;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.util.internal.PlatformDependent;
import io.spindle.broker.LocalBroker;
import io.spindle.fixtures.RawKafkaConnection;
import java.io.DataOutputStream;
import java.io.IOException;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.apache.kafka.common.requests.FetchRequest;
import org.apache.kafka.common.requests.FetchResponse;
import org.apache.kafka.common.requests.ProduceRequest;
import org.apache.kafka.common.requests.ProduceResponse;
import org.apache.kafka.common.requests.RequestHeader;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Load and backpressure. 200 connections produce (acks=all, flush.mode=fsync) and fetch at once: every one of
 * them makes progress, and the broker's memory stays bounded — heap after GC back where it started, direct memory
 * (Netty's count and the JVM's direct buffer pool) under a fixed ceiling throughout. And a producer that writes
 * faster than the broker can take (it never reads its responses) is stopped at the socket: the broker stops
 * reading it instead of buffering its requests.
 *
 * <p>10 seconds by default; a minute: {@code mvn -o -pl broker-core verify -Plong -Dtest=LoadTest}.
 */
class LoadTest {
    private static final String TOPIC = "load";
    private static final int PARTITIONS = 8;
    private static final int CONNECTIONS = 200;
    private static final long DIRECT_CEILING = 256L << 20;

    @TempDir
    Path dataDir;

    @Test
    void twoHundredConnectionsProducingAndFetchingForTenSecondsAllProgressInBoundedMemory() throws Exception {
        load(Duration.ofSeconds(10));
    }

    @Test
    @Tag("long")
    void twoHundredConnectionsProducingAndFetchingForAMinuteAllProgressInBoundedMemory() throws Exception {
        load(Duration.ofMinutes(1));
    }

    private void load(Duration duration) throws Exception {
        try (LocalBroker broker = LocalBroker.start(dataDir, Map.of("flush.mode", "fsync"))) {
            broker.admin().createTopics(List.of(new NewTopic(TOPIC, PARTITIONS, (short) 1))).all().get();
            long heapBefore = heapAfterGc();
            AtomicLongArray produced = new AtomicLongArray(CONNECTIONS);
            AtomicLongArray fetched = new AtomicLongArray(CONNECTIONS);
            AtomicReference<Throwable> failure = new AtomicReference<>();
            long deadline = System.nanoTime() + duration.toNanos();
            List<Thread> clients = new ArrayList<>();
            for (int i = 0; i < CONNECTIONS; i++) {
                int id = i;
                Thread t = new Thread(() -> {
                    try (RawKafkaConnection c = RawKafkaConnection.to(broker.bootstrapServers())) {
                        client(c, id, deadline, produced, fetched);
                    } catch (Throwable e) {
                        failure.compareAndSet(null, e);
                    }
                }, "load-client-" + i);
                t.setDaemon(true);
                clients.add(t);
            }
            MemorySampler sampler = new MemorySampler();
            sampler.start();
            clients.forEach(Thread::start);
            for (Thread t : clients) {
                t.join(duration.toMillis() + 60_000);
            }
            sampler.stop();
            if (failure.get() != null) {
                throw new AssertionError("a client failed", failure.get());
            }
            long totalProduced = 0;
            long totalFetched = 0;
            for (int i = 0; i < CONNECTIONS; i++) {
                assertTrue(produced.get(i) > 0, "connection " + i + " never had a produce acknowledged");
                assertTrue(fetched.get(i) > 0, "connection " + i + " never fetched a record");
                totalProduced += produced.get(i);
                totalFetched += fetched.get(i);
            }
            long heapAfter = heapAfterGc();
            System.out.printf("load: %d connections, %s: %d batches produced, %d records fetched; max direct %d MiB"
                            + " (Netty %d MiB), heap after GC %d -> %d MiB%n", CONNECTIONS, duration, totalProduced,
                    totalFetched, sampler.maxDirect.get() >> 20, sampler.maxNettyDirect.get() >> 20, heapBefore >> 20,
                    heapAfter >> 20);
            assertTrue(sampler.maxDirect.get() < DIRECT_CEILING, "direct memory reached " + (sampler.maxDirect.get() >> 20) + " MiB");
            assertTrue(sampler.maxNettyDirect.get() < DIRECT_CEILING, "Netty direct memory reached "
                    + (sampler.maxNettyDirect.get() >> 20) + " MiB");
            assertTrue(heapAfter - heapBefore < (128L << 20), "heap after GC grew from " + (heapBefore >> 20) + " to "
                    + (heapAfter >> 20) + " MiB");
        }
    }

    /** One connection: a produce of 5 records, then a fetch of its partition from where it last read, until the deadline. */
    private static void client(RawKafkaConnection c, int id, long deadline, AtomicLongArray produced,
                               AtomicLongArray fetched) throws IOException {
        int partition = id % PARTITIONS;
        long fetchOffset = 0;
        int correlation = 0;
        byte[] value = new byte[200];
        while (System.nanoTime() < deadline) {
            ProduceResponse produce = c.roundTrip(produce(partition, value), ++correlation);
            short error = produce.data().responses().iterator().next().partitionResponses().get(0).errorCode();
            assertEquals(Errors.NONE.code(), error, "produce of connection " + id);
            produced.incrementAndGet(id);
            FetchResponse fetch = c.roundTrip(fetch(partition, fetchOffset), ++correlation);
            var data = fetch.data().responses().get(0).partitions().get(0);
            assertEquals(Errors.NONE.code(), data.errorCode(), "fetch of connection " + id);
            for (var batch : ((MemoryRecords) data.records()).batches()) {
                fetched.addAndGet(id, batch.lastOffset() - fetchOffset + 1);
                fetchOffset = batch.lastOffset() + 1;
            }
        }
    }

    private static ProduceRequest produce(int partition, byte[] value) {
        SimpleRecord[] records = new SimpleRecord[5];
        for (int i = 0; i < records.length; i++) {
            records[i] = new SimpleRecord(("k" + i).getBytes(), value);
        }
        MemoryRecords batch = MemoryRecords.withRecords(Compression.NONE, records);
        ProduceRequestData.TopicProduceData topic = new ProduceRequestData.TopicProduceData().setName(TOPIC)
                .setPartitionData(List.of(new ProduceRequestData.PartitionProduceData().setIndex(partition).setRecords(batch)));
        return new ProduceRequest(new ProduceRequestData().setAcks((short) -1).setTimeoutMs(30_000)
                .setTopicData(new ProduceRequestData.TopicProduceDataCollection(List.of(topic).iterator())), (short) 12);
    }

    private static FetchRequest fetch(int partition, long offset) {
        return new FetchRequest(new FetchRequestData().setMaxWaitMs(100).setMinBytes(1).setMaxBytes(256 << 10)
                .setSessionId(0).setSessionEpoch(-1)
                .setTopics(List.of(new FetchRequestData.FetchTopic().setTopic(TOPIC)
                        .setPartitions(List.of(new FetchRequestData.FetchPartition().setPartition(partition)
                                .setFetchOffset(offset).setPartitionMaxBytes(64 << 10))))), (short) 12);
    }

    @Test
    void aProducerThatNeverReadsItsResponsesIsStoppedAtTheSocketNotBuffered() throws Exception {
        try (LocalBroker broker = LocalBroker.start(dataDir, Map.of("flush.mode", "fsync"))) {
            broker.admin().createTopics(List.of(new NewTopic(TOPIC, 1, (short) 1))).all().get();
            byte[] value = new byte[100 << 10];
            ProduceRequest request = produce(0, value);
            ByteBuffer frameBody = request.serializeWithHeader(new RequestHeader(ApiKeys.PRODUCE, (short) 12, "flood", 1));
            byte[] body = new byte[frameBody.remaining()];
            frameBody.get(body);
            AtomicLong written = new AtomicLong();
            MemorySampler sampler = new MemorySampler();
            sampler.start();
            try (Socket socket = new Socket("127.0.0.1", broker.port())) {
                socket.setReceiveBufferSize(64 << 10);
                DataOutputStream out = new DataOutputStream(socket.getOutputStream());
                Thread flood = new Thread(() -> {
                    try {
                        while (true) {
                            out.writeInt(body.length);
                            out.write(body);
                            written.addAndGet(4 + body.length);
                        }
                    } catch (IOException closed) {
                        // the socket was closed at the end of the test
                    }
                }, "flooding-producer");
                flood.setDaemon(true);
                flood.start();
                // The writes stall: the client reads no responses, so once its receive buffer and the broker's
                // outbound buffer are full the broker stops reading the connection and TCP pushes back on the writer.
                // Until then the broker appends what it reads (fsync mode); what it holds in memory stays bounded.
                long[] last = {-1};
                await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofSeconds(2)).until(() -> {
                    long now = written.get();
                    boolean stalled = now == last[0];
                    last[0] = now;
                    return stalled;
                });
                sampler.stop();
                System.out.printf("flooding producer stalled after %d MiB written; max direct %d MiB (Netty %d MiB)%n",
                        written.get() >> 20, sampler.maxDirect.get() >> 20, sampler.maxNettyDirect.get() >> 20);
                assertTrue(sampler.maxNettyDirect.get() < DIRECT_CEILING, "Netty direct memory reached "
                        + (sampler.maxNettyDirect.get() >> 20) + " MiB under one flooding connection");
                assertTrue(sampler.maxDirect.get() < DIRECT_CEILING, "direct memory reached "
                        + (sampler.maxDirect.get() >> 20) + " MiB under one flooding connection");
                assertTrue(broker.admin().listTopics().names().get().contains(TOPIC), "the broker still serves others");
            }
        }
    }

    private static long heapAfterGc() {
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    /** Samples direct memory every 50 ms. */
    private static final class MemorySampler {
        final AtomicLong maxDirect = new AtomicLong();
        final AtomicLong maxNettyDirect = new AtomicLong();
        private volatile boolean running = true;
        private final Thread thread = new Thread(this::run, "memory-sampler");

        void start() {
            thread.setDaemon(true);
            thread.start();
        }

        void stop() throws InterruptedException {
            running = false;
            thread.join();
        }

        private void run() {
            BufferPoolMXBean direct = ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class).stream()
                    .filter(b -> b.getName().equals("direct")).findFirst().orElseThrow();
            while (running) {
                maxDirect.accumulateAndGet(direct.getMemoryUsed(), Math::max);
                maxNettyDirect.accumulateAndGet(PlatformDependent.usedDirectMemory(), Math::max);
                java.util.concurrent.locks.LockSupport.parkNanos(50_000_000L);
            }
        }
    }
}
