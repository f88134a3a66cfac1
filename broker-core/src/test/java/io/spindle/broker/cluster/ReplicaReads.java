package io.spindle.broker.cluster;

import static org.awaitility.Awaitility.await;

import io.spindle.broker.LocalBroker;
import io.spindle.broker.partition.Partition;
import io.spindle.log.LogSlice;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;

/** What the replication tests read back: a replica's log byte for byte, and a partition through a consumer. */
final class ReplicaReads {
    private ReplicaReads() {
    }

    /** Every byte of the partition's log, from its start to its end. */
    static ByteBuffer allBytes(Partition partition) {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        long offset = partition.logStartOffset();
        long end = partition.logEndOffset();
        while (offset < end) {
            try (LogSlice slice = partition.readForFollower(offset, 1 << 20)) {
                ByteBuffer bytes = ByteBuffer.allocate(slice.sizeInBytes());
                slice.copyTo(bytes);
                all.write(bytes.array(), 0, bytes.position());
                offset = slice.nextOffset();
            }
        }
        return ByteBuffer.wrap(all.toByteArray());
    }

    /** At least {@code count} records of {@code partition} from its start, read through {@code bootstrap}, within {@code wait}. */
    static List<ConsumerRecord<byte[], byte[]>> readAll(LocalBroker bootstrap, TopicPartition partition, long count,
                                                        Duration wait) {
        List<ConsumerRecord<byte[], byte[]>> read = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer =
                     bootstrap.consumer(Map.of(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"))) {
            consumer.assign(List.of(partition));
            consumer.seekToBeginning(List.of(partition));
            await().atMost(wait).until(() -> {
                consumer.poll(Duration.ofMillis(100)).forEach(read::add);
                return read.size() >= count;
            });
        }
        return read;
    }
}
