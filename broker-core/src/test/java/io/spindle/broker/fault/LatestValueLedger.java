package io.spindle.broker.fault;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeader;

/**
 * The producers' side of a compaction durability test: a fixed set of keys written over and over (values and
 * tombstones) to compacted topics, every version of every key sent, and the offset of every version acknowledged.
 * Each key belongs to one topic partition and one producer, so its versions are sent, stored and acknowledged in
 * order. Every record carries its version in a header {@code v} (values are random bytes), so a record read back,
 * tombstones too, names the send it came from. Thread-safe.
 *
 * <p>{@link #check} compares it with a compacted topic as a consumer reads it from the beginning and lists every
 * broken promise of Kafka's compaction: reading from the start gives at least the final state of every key, in the
 * order written, and every tombstone still within delete.retention.ms:
 * <ul>
 *   <li>the last record read of a key is at or after the offset of its latest acknowledged version; at that offset
 *       it is that version (value or tombstone); after it, a later version whose send failed (the broker may have
 *       stored it);</li>
 *   <li>a key whose latest acknowledged version is a tombstone may be absent only where tombstones may already have
 *       been removed (delete.retention.ms has passed); an older value of it is never its last record;</li>
 *   <li>every record is a version someone sent of a key of that partition, with that value, and a key's versions
 *       go up with the offsets.</li>
 * </ul>
 * Kafka promises nothing about which older versions remain (the cleaner may or may not have run), so their presence
 * is not checked.
 */
final class LatestValueLedger {
    private static final long TOMBSTONE = 0;     // never a value's hash: its low half is the length, at least 10
    private static final String VERSION_HEADER = "v";

    /** A record as a consumer read it. */
    record Stored(long offset, String key, int version, long valueHash) {
        boolean isTombstone() {
            return valueHash == TOMBSTONE;
        }

        static Stored of(ConsumerRecord<byte[], byte[]> record) {
            return new Stored(record.offset(), new String(record.key(), StandardCharsets.UTF_8),
                    versionOf(record.headers()), record.value() == null ? TOMBSTONE : AckLedger.hash(record.value()));
        }
    }

    /** One key's sends and acknowledgements; the monitor guards them. */
    private static final class History {
        final String topic;
        final int partition;
        /** By version: the value's hash, or TOMBSTONE. */
        final List<Long> sent = new ArrayList<>();
        /** Acknowledged versions by offset. */
        final Map<Long, Integer> acked = new HashMap<>();
        final Set<Integer> failed = ConcurrentHashMap.newKeySet();
        int lastAckedVersion = -1;
        long lastAckedOffset = -1;

        History(String topic, int partition) {
            this.topic = topic;
            this.partition = partition;
        }
    }

    private final Map<String, History> keys = new ConcurrentHashMap<>();
    private final AtomicInteger ackedCount = new AtomicInteger();

    /**
     * Producers each writing their own share of {@code keyCount} keys ("k0", "k1", ...) spread over {@code topics}
     * and their {@code partitions}, a random key at a time: a tombstone with probability {@code tombstoneRate}, else
     * a value of 10 to 200 random bytes.
     */
    ProducerFleet.Workload overwrites(List<String> topics, int partitions, int keyCount, int producers,
                                      double tombstoneRate) {
        for (int i = 0; i < keyCount; i++) {
            keys.put("k" + i, new History(topics.get(i % topics.size()), (i / topics.size()) % partitions));
        }
        return new ProducerFleet.Workload() {
            @Override
            public ProducerRecord<byte[], byte[]> next(int producer, long sequence, Random random) {
                int owned = (keyCount - producer + producers - 1) / producers;
                String key = "k" + (producer + producers * random.nextInt(owned));
                History history = keys.get(key);
                byte[] value = null;
                synchronized (history) {
                    int version = history.sent.size();
                    if (random.nextDouble() >= tombstoneRate) {
                        value = new byte[10 + random.nextInt(191)];
                        random.nextBytes(value);
                    }
                    history.sent.add(value == null ? TOMBSTONE : AckLedger.hash(value));
                    Header header = new RecordHeader(VERSION_HEADER,
                            Integer.toString(version).getBytes(StandardCharsets.US_ASCII));
                    return new ProducerRecord<>(history.topic, history.partition, key.getBytes(StandardCharsets.UTF_8),
                            value, List.of(header));
                }
            }

            @Override
            public void acked(ProducerRecord<byte[], byte[]> record, RecordMetadata metadata) {
                History history = keys.get(new String(record.key(), StandardCharsets.UTF_8));
                int version = versionOf(record.headers());
                synchronized (history) {
                    history.acked.put(metadata.offset(), version);
                    if (metadata.offset() > history.lastAckedOffset) {
                        history.lastAckedOffset = metadata.offset();
                        history.lastAckedVersion = version;
                    }
                }
                ackedCount.incrementAndGet();
            }

            @Override
            public void failed(ProducerRecord<byte[], byte[]> record, Exception error) {
                keys.get(new String(record.key(), StandardCharsets.UTF_8)).failed.add(versionOf(record.headers()));
            }
        };
    }

    private static int versionOf(Headers headers) {
        return Integer.parseInt(new String(headers.lastHeader(VERSION_HEADER).value(), StandardCharsets.US_ASCII));
    }

    int ackedCount() {
        return ackedCount.get();
    }

    /**
     * Every broken promise in {@code log} (partition → records in offset order, as read from the beginning) of
     * {@code topic}; empty when it keeps them all. Call while nothing is being sent, with every send answered.
     *
     * @param tombstonesMayBeGone whether delete.retention.ms may have passed for the topic's tombstones
     */
    List<String> check(String topic, Map<Integer, List<Stored>> log, boolean tombstonesMayBeGone) {
        List<String> problems = new ArrayList<>();
        Map<String, Stored> last = new HashMap<>();
        log.forEach((partition, records) -> {
            Map<String, Integer> lastVersion = new HashMap<>();
            for (Stored s : records) {
                String where = topic + "-" + partition + "@" + s.offset();
                History history = keys.get(s.key());
                if (history == null || !history.topic.equals(topic) || history.partition != partition) {
                    problems.add(where + " holds key " + s.key() + ", which no one sent there");
                    continue;
                }
                synchronized (history) {
                    Integer acked = history.acked.get(s.offset());
                    if (s.version() < 0 || s.version() >= history.sent.size()
                            || history.sent.get(s.version()) != s.valueHash()) {
                        problems.add(where + " holds " + describe(s) + ", which no one sent");
                    } else if (acked != null && acked != s.version()) {
                        problems.add(where + " holds " + describe(s) + " where version " + acked + " was acknowledged");
                    }
                }
                Integer before = lastVersion.put(s.key(), s.version());
                if (before != null && before >= s.version()) {
                    problems.add(where + ": " + describe(s) + " follows version " + before + " of its key");
                }
                last.put(s.key(), s);
            }
        });
        keys.forEach((key, history) -> {
            if (!history.topic.equals(topic)) {
                return;
            }
            synchronized (history) {
                if (history.lastAckedVersion < 0) {
                    return;
                }
                checkLatest(key, history, last.get(key), tombstonesMayBeGone, problems);
            }
        });
        return problems;
    }

    private static void checkLatest(String key, History history, Stored read, boolean tombstonesMayBeGone,
                                    List<String> problems) {
        long ackedAt = history.lastAckedOffset;
        int version = history.lastAckedVersion;
        boolean deleted = history.sent.get(version) == TOMBSTONE;
        String latest = key + "'s latest acknowledged version " + version + (deleted ? " (a tombstone)" : "")
                + " at offset " + ackedAt;
        if (read == null) {
            if (!(deleted && tombstonesMayBeGone)) {
                problems.add(latest + " is missing: the key is not there at all");
            }
        } else if (read.offset() < ackedAt) {
            problems.add(latest + " is missing: the key ends with " + describe(read) + " at offset " + read.offset());
        } else if (read.offset() == ackedAt) {
            if (read.version() != version) {
                problems.add(latest + " reads as " + describe(read));
            }
        } else if (read.version() <= version || !history.failed.contains(read.version())) {
            problems.add(latest + " is followed by " + describe(read) + " at offset " + read.offset()
                    + ", which is no failed send of a later version");
        }
    }

    private static String describe(Stored s) {
        return "version " + s.version() + (s.isTombstone() ? " (a tombstone)" : "") + " of " + s.key();
    }

    static String summary(List<String> problems) {
        return AckLedger.summary(problems);
    }
}
