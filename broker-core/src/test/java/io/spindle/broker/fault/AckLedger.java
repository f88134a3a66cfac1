package io.spindle.broker.fault;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.zip.CRC32C;

/**
 * The producers' side of a durability test: every record sent (key to value hash), every record the broker
 * acknowledged (key to partition and offset), and every send that ended in an error. Keys are unique ({@code p<producer>-<sequence>}), so a key names
 * one send. Thread-safe: producer callbacks record into it concurrently.
 *
 * <p>{@link #check} compares it with what a broker serves and lists every violation of: each acknowledged record
 * is at its acknowledged offset with its value; no offset holds a record no one sent; no key is stored twice;
 * offsets are dense from the log start; each producer's records of a partition are in the order it sent them.
 */
final class AckLedger {
    /** A record as a consumer read it. */
    record Stored(long offset, String key, long valueHash) {
    }

    private record Ack(int partition, long offset) {
    }

    private record Failure(int partition, String error) {
    }

    private final Map<String, Long> sent = new ConcurrentHashMap<>();
    private final Map<String, Ack> acked = new ConcurrentHashMap<>();
    private final Map<String, Failure> failed = new ConcurrentHashMap<>();

    static long hash(byte[] value) {
        CRC32C crc = new CRC32C();
        crc.update(value);
        return (crc.getValue() << 32) | (value.length & 0xFFFFFFFFL);
    }

    static String key(int producer, long sequence) {
        return "p" + producer + "-" + sequence;
    }

    void sent(String key, long valueHash) {
        sent.put(key, valueHash);
    }

    void acked(String key, int partition, long offset) {
        acked.put(key, new Ack(partition, offset));
    }

    /** A send the producer reported as failed: not acknowledged, though the broker may have stored it. */
    void failed(String key, int partition, Exception error) {
        failed.put(key, new Failure(partition, error.getClass().getSimpleName()));
    }

    int ackedCount() {
        return acked.size();
    }

    int ackedCount(int partition) {
        return (int) acked.values().stream().filter(a -> a.partition() == partition).count();
    }

    /** Failed sends to {@code partition}, counted by the simple name of the exception the producer reported. */
    Map<String, Integer> failuresOf(int partition) {
        Map<String, Integer> counts = new TreeMap<>();
        failed.values().stream().filter(f -> f.partition() == partition)
                .forEach(f -> counts.merge(f.error(), 1, Integer::sum));
        return counts;
    }

    int sentCount() {
        return sent.size();
    }

    /** Acknowledged keys whose records are not where they were acknowledged, per partition. */
    Map<Integer, List<String>> lostAcknowledged(Map<Integer, List<Stored>> log) {
        Map<Integer, List<String>> lost = new HashMap<>();
        acked.forEach((key, ack) -> {
            Stored s = at(log.getOrDefault(ack.partition(), List.of()), ack.offset());
            if (s == null || !s.key().equals(key)) {
                lost.computeIfAbsent(ack.partition(), p -> new ArrayList<>()).add(key + "@" + ack.offset());
            }
        });
        return lost;
    }

    /**
     * Partitions where an acknowledged record was lost although a later acknowledged one was kept: a loss that is
     * not a tail of the log (a power cut may take the unforced end of a log, never a hole in the middle).
     */
    List<String> lossesBeforeKeptRecords(Map<Integer, List<Stored>> log) {
        Map<Integer, Long> firstLost = new HashMap<>();
        Map<Integer, Long> lastKept = new HashMap<>();
        acked.forEach((key, ack) -> {
            Stored s = at(log.getOrDefault(ack.partition(), List.of()), ack.offset());
            if (s == null || !s.key().equals(key)) {
                firstLost.merge(ack.partition(), ack.offset(), Math::min);
            } else {
                lastKept.merge(ack.partition(), ack.offset(), Math::max);
            }
        });
        List<String> problems = new ArrayList<>();
        firstLost.forEach((partition, lost) -> {
            Long kept = lastKept.get(partition);
            if (kept != null && kept > lost) {
                problems.add("partition " + partition + " lost acknowledged offset " + lost + " but kept " + kept);
            }
        });
        return problems;
    }

    /** Every violation found, worded for a failure message; empty when the log keeps every promise. */
    List<String> check(Map<Integer, List<Stored>> log) {
        List<String> problems = new ArrayList<>();
        checkAcknowledged(log, problems);
        checkStored(log, problems);
        return problems;
    }

    /** What must hold of the served records even where acknowledged ones were lost: see {@link #check}. */
    List<String> checkStored(Map<Integer, List<Stored>> log) {
        List<String> problems = new ArrayList<>();
        checkStored(log, problems);
        return problems;
    }

    private void checkAcknowledged(Map<Integer, List<Stored>> log, List<String> problems) {
        acked.forEach((key, ack) -> {
            List<Stored> partition = log.getOrDefault(ack.partition(), List.of());
            Stored s = at(partition, ack.offset());
            if (s == null) {
                problems.add("acknowledged " + key + " at " + ack.partition() + "/" + ack.offset() + " is missing");
            } else if (!s.key().equals(key)) {
                problems.add("acknowledged " + key + " at " + ack.partition() + "/" + ack.offset() + " holds " + s.key());
            } else if (s.valueHash() != sent.get(key)) {
                problems.add("acknowledged " + key + " at " + ack.partition() + "/" + ack.offset() + " has another value");
            }
        });
    }

    private void checkStored(Map<Integer, List<Stored>> log, List<String> problems) {
        Map<String, String> seen = new HashMap<>();
        log.forEach((partition, records) -> {
            long expectedOffset = records.isEmpty() ? 0 : records.get(0).offset();
            Map<String, Long> lastSequence = new HashMap<>();
            for (Stored s : records) {
                String where = partition + "/" + s.offset();
                if (s.offset() != expectedOffset) {
                    problems.add("offsets jump from " + (expectedOffset - 1) + " to " + s.offset() + " in partition " + partition);
                }
                expectedOffset = s.offset() + 1;
                Long hash = sent.get(s.key());
                if (hash == null) {
                    problems.add(where + " holds " + s.key() + ", which no one sent");
                    continue;
                }
                if (hash != s.valueHash()) {
                    problems.add(where + " holds " + s.key() + " with a value no one sent");
                }
                String before = seen.put(s.key(), where);
                if (before != null) {
                    problems.add(s.key() + " is stored twice: at " + before + " and " + where);
                }
                int dash = s.key().indexOf('-');
                String producer = s.key().substring(0, dash);
                long sequence = Long.parseLong(s.key().substring(dash + 1));
                Long last = lastSequence.put(producer, sequence);
                if (last != null && last > sequence) {
                    problems.add(where + ": " + s.key() + " follows " + producer + "-" + last + " out of send order");
                }
            }
        });
    }

    private static Stored at(List<Stored> records, long offset) {
        if (records.isEmpty()) {
            return null;
        }
        long first = records.get(0).offset();
        long index = offset - first;
        if (index < 0 || index >= records.size()) {
            return null;
        }
        Stored s = records.get((int) index);
        return s.offset() == offset ? s : null;
    }

    static String summary(List<String> problems) {
        return problems.size() + " violation(s), first ones:\n  "
                + String.join("\n  ", problems.subList(0, Math.min(20, problems.size())));
    }
}
