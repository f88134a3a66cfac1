package io.spindle.perf;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Properties;
import org.HdrHistogram.Histogram;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;

/**
 * Consumer catch-up: one kafka-clients consumer assigned every partition of a topic reads it from the beginning
 * as fast as it can. It reads {@code records} records, or with 0 everything up to the end offsets it finds when it
 * starts (the last stable offsets with {@code isolation} read_committed, which skips aborted records). The latency
 * recorded is how long each poll that returned records took. Beside that, {@link #catchUp} tells whether the client
 * or the broker set the pace: the consumer's own fetch metrics ({@link FetchMetrics}) and the CPU time this JVM (the
 * consumer) and the broker's process used over the run.
 */
public final class ConsumeRun {
    private ConsumeRun() {
    }

    /**
     * A catch-up's figures: its throughput and poll latency, how the consumer fetched, and user+sys CPU seconds over
     * the run of this JVM and of {@code brokerPid} (NaN when the broker's process is not known).
     */
    record CatchUp(RunResult result, FetchMetrics fetches, double consumerCpuSeconds, OptionalLong brokerPid,
                   double brokerCpuSeconds) {
        /** The line beside the result's summary. */
        String summary() {
            String broker;
            if (brokerPid.isEmpty()) {
                broker = "broker not found on this machine";
            } else if (brokerPid.getAsLong() == ProcessHandle.current().pid()) {
                broker = "the broker runs in this JVM";
            } else {
                broker = String.format(Locale.ROOT, "broker (pid %d) %.2f s", brokerPid.getAsLong(), brokerCpuSeconds);
            }
            return String.format(Locale.ROOT, "%s: %s; CPU over the run: this JVM (the consumer) %.2f s, %s",
                    result.workload(), fetches.summary(), consumerCpuSeconds, broker);
        }

        /** The result's JSON with the fetch figures and the CPU times added. */
        Json json() {
            return result.json().put("fetch", fetches.json()).put("cpu", new Json()
                    .put("consumerSeconds", consumerCpuSeconds)
                    .put("brokerPid", brokerPid.isPresent() ? brokerPid.getAsLong() : null)
                    .put("brokerSeconds", brokerCpuSeconds));
        }
    }

    /** The catch-up's throughput and poll latency (see the class comment). */
    public static RunResult run(Workload workload, long records, Duration timeout) {
        return catchUp(workload, records, timeout, OptionalLong.empty()).result();
    }

    /**
     * The catch-up with its fetch metrics and CPU times; {@code brokerPid}, when given, is the broker's process on
     * this machine. The consumer's metric window is the timeout, so its averages cover the whole run.
     */
    static CatchUp catchUp(Workload workload, long records, Duration timeout, OptionalLong brokerPid) {
        Histogram polls = RunResult.newHistogram();
        Properties properties = workload.consumerProperties();
        properties.put(FetchMetrics.WINDOW_CONFIG, Math.max(30_000, timeout.toMillis()));
        long self = ProcessHandle.current().pid();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(properties)) {
            List<TopicPartition> partitions = partitions(consumer, workload);
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            // With 0, the run ends at the end offsets (the last stable offsets for read_committed) found now: by
            // position, not by a record count, since transaction markers and aborted records take offsets too.
            Map<TopicPartition, Long> end = records == 0 ? consumer.endOffsets(partitions) : Map.of();
            long count = 0;
            long bytes = 0;
            double consumerCpu = ProcessMemory.cpuSeconds(self);
            double brokerCpu = brokerPid.isPresent() ? ProcessMemory.cpuSeconds(brokerPid.getAsLong()) : Double.NaN;
            long start = System.nanoTime();
            long deadline = start + timeout.toNanos();
            while (records > 0 ? count < records : !reached(consumer, end)) {
                long before = System.nanoTime();
                if (before > deadline) {
                    throw new PerfException("Consumed " + count + " records of topic " + workload.topic() + " on "
                            + workload.bootstrap() + " in " + timeout.toSeconds() + " s without reaching "
                            + (records > 0 ? records + " records" : "the end offsets " + end) + ", then gave up");
                }
                ConsumerRecords<byte[], byte[]> batch = consumer.poll(Duration.ofMillis(500));
                if (batch.isEmpty()) {
                    continue;
                }
                ProduceRun.recordMicros(polls, System.nanoTime() - before);
                for (ConsumerRecord<byte[], byte[]> record : batch) {
                    count++;
                    bytes += record.serializedValueSize();
                }
            }
            RunResult result = new RunResult("consume", count, bytes, System.nanoTime() - start, polls);
            consumerCpu = ProcessMemory.cpuSeconds(self) - consumerCpu;
            if (brokerPid.isPresent()) {
                double after = ProcessMemory.cpuSeconds(brokerPid.getAsLong());
                brokerCpu = after < 0 || brokerCpu < 0 ? Double.NaN : after - brokerCpu; // -1: the broker ended
            }
            // The client records a fetch's size and record count once a poll finds that fetch drained, so the last
            // fetch of the run (and a run's only one) would be left out of fetch-size-avg and records-per-request-avg.
            consumer.poll(Duration.ZERO);
            return new CatchUp(result, FetchMetrics.of(consumer, result.seconds()), consumerCpu, brokerPid, brokerCpu);
        }
    }

    private static boolean reached(KafkaConsumer<byte[], byte[]> consumer, Map<TopicPartition, Long> end) {
        for (Map.Entry<TopicPartition, Long> e : end.entrySet()) {
            if (consumer.position(e.getKey()) < e.getValue()) {
                return false;
            }
        }
        return true;
    }

    static List<TopicPartition> partitions(KafkaConsumer<byte[], byte[]> consumer, Workload workload) {
        List<PartitionInfo> infos = consumer.partitionsFor(workload.topic(), Duration.ofSeconds(30));
        if (infos == null || infos.isEmpty()) {
            throw new PerfException("Topic " + workload.topic() + " does not exist on " + workload.bootstrap());
        }
        List<TopicPartition> partitions = new ArrayList<>();
        for (PartitionInfo info : infos) {
            partitions.add(new TopicPartition(info.topic(), info.partition()));
        }
        return partitions;
    }
}
