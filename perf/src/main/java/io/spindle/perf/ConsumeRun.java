package io.spindle.perf;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
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
 * recorded is how long each poll that returned records took.
 */
public final class ConsumeRun {
    private ConsumeRun() {
    }

    public static RunResult run(Workload workload, long records, Duration timeout) {
        Histogram polls = RunResult.newHistogram();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(workload.consumerProperties())) {
            List<TopicPartition> partitions = partitions(consumer, workload);
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            // With 0, the run ends at the end offsets (the last stable offsets for read_committed) found now: by
            // position, not by a record count, since transaction markers and aborted records take offsets too.
            Map<TopicPartition, Long> end = records == 0 ? consumer.endOffsets(partitions) : Map.of();
            long count = 0;
            long bytes = 0;
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
            return new RunResult("consume", count, bytes, System.nanoTime() - start, polls);
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
