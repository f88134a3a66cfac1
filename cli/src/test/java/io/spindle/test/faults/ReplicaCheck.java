package io.spindle.test.faults;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.MutableRecordBatch;

/**
 * The replicas' side of the checker: every broker's own copy of each partition, read from its data directory once the
 * brokers have stopped, held to two rules.
 * <ul>
 *   <li><b>One leader per epoch.</b> A batch carries the leader epoch it was written in; only the leader of that epoch
 *       writes batches of it, and followers copy them byte for byte. So wherever two replicas hold a batch of the same
 *       epoch at the same offset, it must be the same batch (same last offset and CRC), and along each replica's log
 *       epochs never go back. Two brokers that both accepted writes for a partition in one epoch (a deposed leader
 *       still appending, or an election that handed out an epoch twice) leave two different batches of that epoch at
 *       one offset: a follower's divergence check compares epochs only, so nothing would ever truncate them away.</li>
 *   <li><b>The in-sync replicas hold the committed log.</b> Below the high watermark every in-sync replica holds
 *       exactly the leader's batches: a replica the quorum may elect holds everything acknowledged.</li>
 * </ul>
 */
final class ReplicaCheck {
    /** One batch of a replica's log: its offsets, leader epoch and CRC (which covers its producer and records). */
    record Batch(long baseOffset, long lastOffset, int leaderEpoch, long crc) {
    }

    /** A partition's replicas after the run: each broker's batches, the leader, the ISR and the high watermark. */
    record Partition(int partition, Map<Integer, List<Batch>> replicas, int leader, List<Integer> isr,
                     long highWatermark) {
    }

    private ReplicaCheck() {
    }

    /** The violations of both rules in {@code partitions}; empty when there is none. */
    static List<String> check(List<Partition> partitions) {
        List<String> problems = new ArrayList<>();
        for (Partition p : partitions) {
            Map<Integer, Map<Long, Batch>> byOffset = new HashMap<>();
            p.replicas().forEach((node, batches) -> {
                int lastEpoch = Integer.MIN_VALUE;
                Map<Long, Batch> at = new TreeMap<>();
                for (Batch batch : batches) {
                    if (batch.leaderEpoch() < lastEpoch) {
                        problems.add("partition " + p.partition() + " on broker " + node + ": the batch at "
                                + batch.baseOffset() + " has leader epoch " + batch.leaderEpoch() + " after epoch "
                                + lastEpoch);
                    }
                    lastEpoch = Math.max(lastEpoch, batch.leaderEpoch());
                    at.put(batch.baseOffset(), batch);
                }
                byOffset.put(node, at);
            });
            List<Integer> nodes = p.replicas().keySet().stream().sorted().toList();
            for (int i = 0; i < nodes.size(); i++) {
                for (int j = i + 1; j < nodes.size(); j++) {
                    sameEpochSameBatch(p.partition(), nodes.get(i), byOffset.get(nodes.get(i)), nodes.get(j),
                            byOffset.get(nodes.get(j)), problems);
                }
            }
            Map<Long, Batch> leader = byOffset.get(p.leader());
            if (leader == null) {
                problems.add("partition " + p.partition() + ": its leader " + p.leader() + " holds no log");
                continue;
            }
            for (int replica : p.isr()) {
                if (replica != p.leader()) {
                    holdsCommitted(p, replica, byOffset.getOrDefault(replica, Map.of()), leader, problems);
                }
            }
        }
        return problems;
    }

    private static void sameEpochSameBatch(int partition, int a, Map<Long, Batch> onA, int b, Map<Long, Batch> onB,
                                           List<String> problems) {
        for (Batch x : onA.values()) {
            Batch y = onB.get(x.baseOffset());
            if (y != null && y.leaderEpoch() == x.leaderEpoch() && !y.equals(x)) {
                problems.add("partition " + partition + ": brokers " + a + " and " + b + " hold different batches of"
                        + " leader epoch " + x.leaderEpoch() + " at offset " + x.baseOffset() + " (" + x + " and " + y
                        + "): two leaders accepted writes in one epoch");
            }
        }
    }

    private static void holdsCommitted(Partition p, int replica, Map<Long, Batch> onReplica, Map<Long, Batch> leader,
                                       List<String> problems) {
        for (Batch batch : leader.values()) {
            if (batch.lastOffset() >= p.highWatermark()) {
                break;
            }
            if (!batch.equals(onReplica.get(batch.baseOffset()))) {
                problems.add("partition " + p.partition() + ": in-sync replica " + replica + " holds "
                        + onReplica.get(batch.baseOffset()) + " where leader " + p.leader() + " holds the committed "
                        + batch);
                return;
            }
        }
    }

    /**
     * The batches of partition {@code partition} of {@code topic} in the (stopped) broker's data directory
     * {@code dataDir}, in offset order; empty when it holds no log of it. A segment's preallocated tail (zeros after
     * its last batch) ends that segment.
     */
    static List<Batch> readReplica(Path dataDir, String topic, int partition) throws IOException {
        Path dir = dataDir.resolve(topic + "-" + partition);
        List<Batch> batches = new ArrayList<>();
        if (!Files.isDirectory(dir)) {
            return batches;
        }
        List<Path> segments;
        try (Stream<Path> files = Files.list(dir)) {
            segments = files.filter(f -> f.getFileName().toString().matches("\\d{20}\\.log")).sorted().toList();
        }
        for (Path segment : segments) {
            // Header by header: a segment left preallocated (a clean stop keeps the active one so) is mostly zeros.
            try (FileChannel file = FileChannel.open(segment, StandardOpenOption.READ)) {
                ByteBuffer header = ByteBuffer.allocate(12);
                for (long position = 0; position + 12 <= file.size(); ) {
                    header.clear();
                    file.read(header, position);
                    int length = header.getInt(8);
                    if (length <= 0 || position + 12 + length > file.size()) {
                        break;
                    }
                    ByteBuffer one = ByteBuffer.allocate(12 + length);
                    file.read(one, position);
                    one.flip();
                    for (MutableRecordBatch batch : MemoryRecords.readableRecords(one).batches()) {
                        batches.add(new Batch(batch.baseOffset(), batch.lastOffset(), batch.partitionLeaderEpoch(),
                                batch.checksum()));
                    }
                    position += 12 + length;
                }
            }
        }
        return batches;
    }
}
