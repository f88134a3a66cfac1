package io.spindle.test.faults;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * The checker of a fault run: what the cluster serves once every fault has healed, against what the producers were
 * told ({@link AckHistory}) and what the consumers read. It lists every violation of:
 * <ul>
 *   <li>every acknowledged record is at the offset it was acknowledged at (else it counts as lost);</li>
 *   <li>no value is stored twice (duplicated), and none that no producer sent;</li>
 *   <li>offsets are dense, and each producer's records of a partition are in the order it sent them;</li>
 *   <li>leader epochs never go back along a partition's log: a batch of epoch e after one of a later epoch would be
 *       a deposed leader's write kept beside its successor's (two leaders accepting writes as one);</li>
 *   <li>what the consumers read at an offset is what the log holds there now.</li>
 * </ul>
 */
final class HistoryCheck {
    /** One record as the final read found it. */
    record Stored(long offset, String value, int leaderEpoch) {
    }

    /** The figures of a run and the violations found. */
    record Result(int acknowledged, int lost, int duplicated, int leaderEpochs, List<String> problems) {
    }

    private HistoryCheck() {
    }

    /** Every record of each of the {@code partitions} partitions of {@code topic}, from its start to its end now. */
    static Map<Integer, List<Stored>> readAll(String bootstrap, String topic, int partitions) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.CHECK_CRCS_CONFIG, "true");
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "5000");
        p.put(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "60000");
        Map<Integer, List<Stored>> log = new HashMap<>();
        List<TopicPartition> tps = new ArrayList<>();
        for (int i = 0; i < partitions; i++) {
            tps.add(new TopicPartition(topic, i));
            log.put(i, new ArrayList<>());
        }
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(p, new StringDeserializer(),
                new StringDeserializer())) {
            consumer.assign(tps);
            consumer.seekToBeginning(tps);
            Map<TopicPartition, Long> end = consumer.endOffsets(tps);
            long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
            while (tps.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("could not read " + topic + " to its end " + end + " within 90 s");
                }
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(500))) {
                    log.get(r.partition()).add(new Stored(r.offset(), r.value(), r.leaderEpoch().orElse(-1)));
                }
            }
        }
        return log;
    }

    /** What the consumers read: the value read at an offset of a partition, or null when none was read there. */
    interface Reads {
        String readAt(int partition, long offset);
    }

    static Result check(AckHistory acks, Map<Integer, List<Stored>> log, Reads reads) {
        List<String> problems = new ArrayList<>();
        Map<Integer, Map<Long, String>> byOffset = new HashMap<>();
        log.forEach((partition, records) -> {
            Map<Long, String> values = new HashMap<>();
            records.forEach(r -> values.put(r.offset(), r.value()));
            byOffset.put(partition, values);
        });
        int lost = 0;
        for (AckHistory.Ack ack : acks.acks()) {
            String stored = byOffset.getOrDefault(ack.partition(), Map.of()).get(ack.offset());
            if (!ack.value().equals(stored)) {
                lost++;
                problems.add("acknowledged " + ack.value() + " at " + ack.partition() + "/" + ack.offset()
                        + (stored == null ? " is missing" : " holds " + stored));
            }
        }
        int duplicated = 0;
        int epochs = 0;
        Map<String, String> where = new HashMap<>();
        for (Map.Entry<Integer, List<Stored>> partition : log.entrySet()) {
            int p = partition.getKey();
            List<Stored> records = partition.getValue();
            long expected = records.isEmpty() ? 0 : records.get(0).offset();
            int lastEpoch = Integer.MIN_VALUE;
            Map<String, Long> lastSequence = new HashMap<>();
            for (Stored r : records) {
                String at = p + "/" + r.offset();
                if (r.offset() != expected) {
                    problems.add("offsets of partition " + p + " jump from " + (expected - 1) + " to " + r.offset());
                }
                expected = r.offset() + 1;
                if (r.leaderEpoch() < lastEpoch) {
                    problems.add(at + " has leader epoch " + r.leaderEpoch() + " after epoch " + lastEpoch);
                } else if (r.leaderEpoch() > lastEpoch) {
                    epochs++;
                    lastEpoch = r.leaderEpoch();
                }
                if (!acks.wasSent(r.value())) {
                    problems.add(at + " holds " + r.value() + ", which no producer sent");
                    continue;
                }
                String before = where.put(r.value(), at);
                if (before != null) {
                    duplicated++;
                    problems.add(r.value() + " is stored twice: at " + before + " and " + at);
                }
                Long last = lastSequence.put(AckHistory.producerOf(r.value()), AckHistory.sequenceOf(r.value()));
                if (last != null && last > AckHistory.sequenceOf(r.value())) {
                    problems.add(at + ": " + r.value() + " follows sequence " + last + " of its producer");
                }
                String read = reads.readAt(p, r.offset());
                if (read != null && !read.equals(r.value())) {
                    problems.add("a consumer read " + read + " at " + at + ", which holds " + r.value());
                }
            }
        }
        return new Result(acks.ackedCount(), lost, duplicated, epochs, problems);
    }

    static String summary(List<String> problems) {
        return problems.size() + " violation(s), first ones:\n  "
                + String.join("\n  ", problems.subList(0, Math.min(30, problems.size())));
    }
}
