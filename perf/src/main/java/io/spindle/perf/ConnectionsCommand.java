package io.spindle.perf;

import io.spindle.fixtures.RawKafkaConnection;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.message.ApiVersionsRequestData;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.apache.kafka.common.requests.ApiVersionsRequest;
import org.apache.kafka.common.requests.FetchRequest;
import org.apache.kafka.common.requests.FetchResponse;
import org.apache.kafka.common.requests.ProduceRequest;
import org.apache.kafka.common.requests.ProduceResponse;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code spindle perf connections}: issue 18's "1,000 client connections with bounded memory", on Spindle and Apache
 * Kafka 4.4.0 in turn. Each connection is its own client thread with one socket: ApiVersions, then, until the
 * duration ends, a Produce of a few records (acks=all) followed by a Fetch of its partition from where it last read.
 * Prints, per broker, what the connections did (how many failed, and the slowest one's progress), the broker's anonymous memory idle,
 * at its peak during the load (sampled every 100 ms) and after the connections closed, its file descriptors at the
 * peak, and its CPU.
 */
@Command(name = "connections", sortOptions = false,
        description = "Many client connections producing and fetching at once on Spindle and Apache Kafka 4.4.0, in"
                + " turn: progress of every connection, anonymous memory idle / peak / after, file descriptors, CPU.")
final class ConnectionsCommand implements Callable<Integer> {
    private static final String TOPIC = "connections";
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(120);
    private static final short PRODUCE_VERSION = 12;
    private static final short FETCH_VERSION = 12;
    private static final int RECORDS_PER_PRODUCE = 5;

    @Spec
    CommandSpec spec;

    @Mixin
    BrokerSources sources;

    @Option(names = "--connections", paramLabel = "N", defaultValue = "1000", description = "Client connections (default: ${DEFAULT-VALUE}).")
    int connections;

    @Option(names = "--seconds", paramLabel = "S", defaultValue = "20", description = "How long they produce and fetch (default: ${DEFAULT-VALUE}).")
    int seconds;

    @Option(names = "--partitions", paramLabel = "N", defaultValue = "8", description = "Partitions of the topic (default: ${DEFAULT-VALUE}).")
    int partitions;

    @Option(names = "--record-size", paramLabel = "BYTES", defaultValue = "1024", description = "Bytes per record value (default: ${DEFAULT-VALUE}).")
    int recordSize;

    @Option(names = "--brokers", paramLabel = "WHICH", defaultValue = "both", description = "spindle, kafka or both (default: ${DEFAULT-VALUE}).")
    String brokers;

    @Option(names = "--rounds", paramLabel = "N", defaultValue = "1", description = "Rounds per broker (default: ${DEFAULT-VALUE}).")
    int rounds;

    @Mixin
    WorkDir workDir;

    /** What one round measured of one broker. */
    private record Round(long failed, String firstFailure, long produced, long fetched, long slowestConnection, double anonIdleMiB, double anonPeakMiB,
                         double anonAfterMiB, long peakFds, double cpuSeconds) {
    }

    @Override
    public Integer call() throws Exception {
        CommandLine command = spec.commandLine();
        BrokerSources.requireAtLeast(command, "--connections", connections, 1);
        BrokerSources.requireAtLeast(command, "--seconds", seconds, 1);
        BrokerSources.requireAtLeast(command, "--partitions", partitions, 1);
        BrokerSources.requireAtLeast(command, "--record-size", recordSize, 1);
        BrokerSources.requireAtLeast(command, "--rounds", rounds, 1);
        List<String> names = ScaleCommand.brokerNames(command, brokers);
        Compare.Setup setup = sources.setup(workDir.resolve("spindle-connections-"));
        PrintWriter out = command.getOut();
        double[] fsync = Compare.probeFsync(setup.workDir());
        out.printf(Locale.ROOT, "machine: fdatasync after a 64 KiB append p50 %.2f ms, p99 %.2f ms%n", fsync[0], fsync[1]);
        Path archive = names.contains(SpindleLauncher.NAME)
                ? SpindleLauncher.trainArchive(setup.java(), setup.spindleJar(), setup.workDir(), out) : null;
        for (int round = 1; round <= rounds; round++) {
            for (String name : names) {
                Round r = measure(setup, archive, name, setup.workDir().resolve(name + "-" + round));
                out.printf(Locale.ROOT, "%s, round %d, %d connections for %d s: %d produces acknowledged, %d records"
                                + " fetched, slowest connection %d produces; RssAnon idle %.0f MiB, peak %.0f MiB (%.1f"
                                + " KiB a connection), after %.0f MiB; %d fds at the peak; broker CPU %.1f s%n", name,
                        round, connections, seconds, r.produced(), r.fetched(), r.slowestConnection(), r.anonIdleMiB(),
                        r.anonPeakMiB(), (r.anonPeakMiB() - r.anonIdleMiB()) * 1024 / connections, r.anonAfterMiB(),
                        r.peakFds(), r.cpuSeconds());
                if (r.failed() > 0) {
                    out.printf(Locale.ROOT, "%s, round %d: %d of %d connections failed, the first with %s%n", name, round,
                            r.failed(), connections, r.firstFailure());
                }
                out.println(new Json().put("connections", name).put("round", round).put("count", connections)
                        .put("seconds", seconds).put("failed", r.failed()).put("produced", r.produced()).put("fetched", r.fetched())
                        .put("slowestConnection", r.slowestConnection()).put("anonIdleMiB", r.anonIdleMiB())
                        .put("anonPeakMiB", r.anonPeakMiB()).put("anonAfterMiB", r.anonAfterMiB())
                        .put("peakFds", r.peakFds()).put("cpuSeconds", r.cpuSeconds()));
                out.flush();
            }
        }
        return CommandLine.ExitCode.OK;
    }

    private Round measure(Compare.Setup setup, Path archive, String name, Path dir) throws Exception {
        int port = Compare.freePort();
        try (BrokerProcess broker = ScaleCommand.start(setup, archive, name, dir, port, Compare.freePort(), true)) {
            broker.awaitReady(READY_TIMEOUT);
            Topics.ensure(broker.bootstrap(), TOPIC, partitions);
            double idle = broker.anonMiB();
            double cpuBefore = broker.cpuSeconds();
            AtomicLongArray produced = new AtomicLongArray(connections);
            AtomicLongArray fetched = new AtomicLongArray(connections);
            AtomicReference<Throwable> failure = new AtomicReference<>();
            // Connected one after another before any sends, so the listen backlog of neither broker sets the outcome.
            List<RawKafkaConnection> sockets = new ArrayList<>();
            for (int i = 0; i < connections; i++) {
                sockets.add(RawKafkaConnection.to(broker.bootstrap()));
            }
            AtomicLong failed = new AtomicLong();
            long deadline = System.nanoTime() + Duration.ofSeconds(seconds).toNanos();
            List<Thread> clients = new ArrayList<>();
            for (int i = 0; i < connections; i++) {
                int id = i;
                Thread t = new Thread(() -> {
                    try (RawKafkaConnection c = sockets.get(id)) {
                        client(c, id, deadline, produced, fetched);
                    } catch (Throwable e) {
                        failed.incrementAndGet();
                        failure.compareAndSet(null, e);
                    }
                }, "connection-" + i);
                t.setDaemon(true);
                clients.add(t);
            }
            AtomicLong peakKiB = new AtomicLong();
            AtomicLong peakFds = new AtomicLong();
            Thread sampler = new Thread(() -> sample(broker.pid(), peakKiB, peakFds), "memory-sampler");
            sampler.setDaemon(true);
            sampler.start();
            clients.forEach(Thread::start);
            for (Thread t : clients) {
                t.join(Duration.ofSeconds(seconds + 120).toMillis());
            }
            sampler.interrupt();
            sampler.join();
            long totalProduced = 0;
            long totalFetched = 0;
            long slowest = Long.MAX_VALUE;
            for (int i = 0; i < connections; i++) {
                totalProduced += produced.get(i);
                totalFetched += fetched.get(i);
                slowest = Math.min(slowest, produced.get(i));
            }
            return new Round(failed.get(), failure.get() == null ? "" : failure.get().toString(), totalProduced,
                    totalFetched, slowest, idle, peakKiB.get() / 1024.0, broker.anonMiB(),
                    peakFds.get(), broker.cpuSeconds() - cpuBefore);
        }
    }

    /** The broker's RssAnon and open files, every 100 ms until interrupted, keeping the highest of each. */
    private static void sample(long pid, AtomicLong peakKiB, AtomicLong peakFds) {
        while (!Thread.currentThread().isInterrupted()) {
            peakKiB.accumulateAndGet(ProcessMemory.anonKiB(pid), Math::max);
            peakFds.accumulateAndGet(ScaleCommand.count(Path.of("/proc", Long.toString(pid), "fd"), false), Math::max);
            try {
                Thread.sleep(100);    // a sampling period, not a wait for a condition
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /** One connection: ApiVersions, then produce a few records and fetch its partition from where it read, in turn. */
    private void client(RawKafkaConnection c, int id, long deadline, AtomicLongArray produced,
                        AtomicLongArray fetched) throws IOException {
        c.roundTrip(new ApiVersionsRequest(new ApiVersionsRequestData().setClientSoftwareName("spindle-perf")
                .setClientSoftwareVersion("1"), (short) 3));
        int partition = id % partitions;
        ProduceRequest produce = produce(partition, new byte[recordSize]);
        long fetchOffset = -1;
        while (System.nanoTime() < deadline) {
            ProduceResponse answer = c.roundTrip(produce);
            var result = answer.data().responses().iterator().next().partitionResponses().get(0);
            if (result.errorCode() != Errors.NONE.code()) {
                throw new PerfException("connection " + id + ": produce answered " + Errors.forCode(result.errorCode()));
            }
            produced.incrementAndGet(id);
            if (fetchOffset < 0) {
                fetchOffset = result.baseOffset();
            }
            FetchResponse fetch = c.roundTrip(fetch(partition, fetchOffset));
            var data = fetch.data().responses().get(0).partitions().get(0);
            if (data.errorCode() != Errors.NONE.code()) {
                throw new PerfException("connection " + id + ": fetch answered " + Errors.forCode(data.errorCode()));
            }
            for (var batch : ((MemoryRecords) data.records()).batches()) {
                fetched.addAndGet(id, batch.lastOffset() - fetchOffset + 1);
                fetchOffset = batch.lastOffset() + 1;
            }
        }
    }

    private static ProduceRequest produce(int partition, byte[] value) {
        SimpleRecord[] records = new SimpleRecord[RECORDS_PER_PRODUCE];
        for (int i = 0; i < records.length; i++) {
            records[i] = new SimpleRecord(null, value);
        }
        ProduceRequestData.TopicProduceData topic = new ProduceRequestData.TopicProduceData().setName(TOPIC)
                .setPartitionData(List.of(new ProduceRequestData.PartitionProduceData().setIndex(partition)
                        .setRecords(MemoryRecords.withRecords(Compression.NONE, records))));
        return new ProduceRequest(new ProduceRequestData().setAcks((short) -1).setTimeoutMs(30_000)
                .setTopicData(new ProduceRequestData.TopicProduceDataCollection(List.of(topic).iterator())),
                PRODUCE_VERSION);
    }

    /** A fetch of at most 64 KiB from {@code offset}, answered at once when there is data (min bytes 1). */
    private static FetchRequest fetch(int partition, long offset) {
        return new FetchRequest(new FetchRequestData().setReplicaId(-1).setMaxWaitMs(100).setMinBytes(1)
                .setMaxBytes(256 << 10).setSessionId(0).setSessionEpoch(-1)
                .setTopics(List.of(new FetchRequestData.FetchTopic().setTopic(TOPIC)
                        .setPartitions(List.of(new FetchRequestData.FetchPartition().setPartition(partition)
                                .setFetchOffset(offset).setPartitionMaxBytes(64 << 10))))), FETCH_VERSION);
    }
}
