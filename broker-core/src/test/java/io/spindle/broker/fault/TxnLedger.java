package io.spindle.broker.fault;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What transactional producers were told of their transactions, and the check of what a read_committed consumer read
 * afterwards. A transaction is named "{@code transactionalId}/{@code number}" and writes {@code size} records whose
 * values are "{@code name}#{@code index}". Its outcome as the producer saw it:
 * <ul>
 *   <li>committed: commitTransaction returned. Every record must be read, once.</li>
 *   <li>aborted: abortTransaction returned. No record may be read.</li>
 *   <li>uncertain: the broker died under it (the commit or abort, or a send, failed). All of its records or none.</li>
 * </ul>
 * Thread-safe.
 */
final class TxnLedger {
    enum Outcome { OPEN, COMMITTING, COMMITTED, ABORTED, UNCERTAIN }

    private record Txn(int size, Outcome outcome) {
    }

    private final Map<String, Txn> txns = new ConcurrentHashMap<>();
    private final AtomicInteger commitsStarted = new AtomicInteger();
    private final AtomicInteger commitsAcknowledged = new AtomicInteger();

    static String value(String txn, int index) {
        return txn + "#" + index;
    }

    void begun(String txn, int size) {
        txns.put(txn, new Txn(size, Outcome.OPEN));
    }

    void committing(String txn) {
        txns.computeIfPresent(txn, (k, t) -> new Txn(t.size(), Outcome.COMMITTING));
        commitsStarted.incrementAndGet();
    }

    void ended(String txn, boolean committed) {
        txns.computeIfPresent(txn, (k, t) -> new Txn(t.size(), committed ? Outcome.COMMITTED : Outcome.ABORTED));
        if (committed) {
            commitsAcknowledged.incrementAndGet();
        }
    }

    /** The broker died under the transaction: its outcome is not known to its producer. */
    void failed(String txn) {
        txns.computeIfPresent(txn, (k, t) -> t.outcome() == Outcome.COMMITTED || t.outcome() == Outcome.ABORTED
                ? t : new Txn(t.size(), Outcome.UNCERTAIN));
    }

    int commitsStarted() {
        return commitsStarted.get();
    }

    int commitsAcknowledged() {
        return commitsAcknowledged.get();
    }

    long count(Outcome outcome) {
        return txns.values().stream().filter(t -> t.outcome() == outcome).count();
    }

    /** What is wrong with {@code values}, everything a read_committed consumer read of the topic; empty when right. */
    List<String> check(List<String> values) {
        List<String> problems = new ArrayList<>();
        Map<String, Map<Integer, Integer>> seen = new HashMap<>();
        for (String value : values) {
            int hash = value.lastIndexOf('#');
            String txn = value.substring(0, hash);
            int index = Integer.parseInt(value.substring(hash + 1));
            seen.computeIfAbsent(txn, k -> new HashMap<>()).merge(index, 1, Integer::sum);
        }
        for (var entry : seen.entrySet()) {
            Txn txn = txns.get(entry.getKey());
            if (txn == null) {
                problems.add(entry.getKey() + ": read, but never begun");
                continue;
            }
            entry.getValue().forEach((index, times) -> {
                if (times > 1) {
                    problems.add(entry.getKey() + ": record " + index + " read " + times + " times");
                }
            });
            if (txn.outcome() == Outcome.ABORTED) {
                problems.add(entry.getKey() + ": aborted, but " + entry.getValue().size() + " record(s) read");
            } else if (entry.getValue().size() != txn.size()) {
                problems.add(entry.getKey() + " (" + txn.outcome() + "): only " + entry.getValue().size() + " of its "
                        + txn.size() + " records read: not whole");
            }
        }
        txns.forEach((name, txn) -> {
            if (txn.outcome() == Outcome.COMMITTED && !seen.containsKey(name)) {
                problems.add(name + ": commit acknowledged, but none of its records read");
            }
        });
        return problems;
    }
}
