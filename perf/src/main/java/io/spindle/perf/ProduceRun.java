package io.spindle.perf;

import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.concurrent.atomic.AtomicReference;
import org.HdrHistogram.Histogram;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * Produces a {@link Workload} with one kafka-clients producer and measures throughput and, per record, the
 * latency from its scheduled send time to its acknowledgement. With {@code transactionRecords} the producer is
 * transactional and commits after every that many records (each commit waits for its records and the markers), so
 * the time counted includes the commits. Every record must be acknowledged: a failed send
 * fails the run, naming how many failed and the first error.
 */
public final class ProduceRun {
    private ProduceRun() {
    }

    public static RunResult run(Workload workload) throws InterruptedException {
        return run(workload, () -> false);
    }

    /**
     * As {@link #run(Workload)}, ending early as soon as {@code stop} says so (asked before each send): a run
     * bounded by an event, such as a clean finishing, with the workload's count or duration as its upper bound.
     */
    public static RunResult run(Workload workload, BooleanSupplier stop) throws InterruptedException {
        return run(workload, stop, null);
    }

    /**
     * Where each transaction's time went, as the client sees it: {@code flush} from the commit's start until every
     * record of the transaction is acknowledged (the last batches' produce round trips, including a broker's wait for
     * the previous transaction's markers), then {@code end} for commitTransaction itself (the EndTxn round trip).
     * Written by the producing thread only.
     */
    static final class TransactionPhases {
        final Histogram flushMicros = RunResult.newHistogram();
        final Histogram endMicros = RunResult.newHistogram();
    }

    /** As {@link #run(Workload, BooleanSupplier)}, timing each commit's phases into {@code phases} when not null. */
    static RunResult run(Workload workload, BooleanSupplier stop, TransactionPhases phases) throws InterruptedException {
        Topics.ensure(workload.bootstrap(), workload.topic(), workload.partitions());
        KeyDistribution keys = KeyDistribution.parse(workload.keys());
        byte[] value = values(workload.recordSize());
        Histogram latency = RunResult.newHistogram();
        AtomicReference<Exception> firstFailure = new AtomicReference<>();
        AtomicLong failures = new AtomicLong();
        long sent = 0;
        long elapsed;
        int perTransaction = workload.transactionRecords();
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(workload.producerProperties())) {
            producer.partitionsFor(workload.topic());      // metadata before the clock starts
            if (perTransaction > 0) {
                producer.initTransactions();
            }
            long start = System.nanoTime();
            long deadline = workload.duration() == null ? Long.MAX_VALUE : start + workload.duration().toNanos();
            Pacer pacer = new Pacer(workload.rate(), start);
            while ((workload.records() > 0 ? sent < workload.records() : System.nanoTime() < deadline)
                    && !stop.getAsBoolean()) {
                long scheduled = pacer.awaitNext();
                if (scheduled >= deadline) {
                    break;
                }
                if (perTransaction > 0 && sent % perTransaction == 0) {
                    if (sent > 0) {
                        commit(producer, phases);
                    }
                    producer.beginTransaction();
                }
                Bytes.putLong(value, 0, scheduled);
                // send() copies the value into its batch before returning, so the one array is reused.
                producer.send(new ProducerRecord<>(workload.topic(), keys.nextKey(), value), (metadata, error) -> {
                    if (error != null) {
                        failures.incrementAndGet();
                        firstFailure.compareAndSet(null, error);
                    } else {
                        recordMicros(latency, System.nanoTime() - scheduled);
                    }
                });
                sent++;
            }
            if (perTransaction > 0 && sent > 0) {
                commit(producer, phases);
            }
            producer.flush();
            elapsed = System.nanoTime() - start;
        }
        // close() joined the producer's I/O thread, which alone wrote the histogram: it is safe to read now.
        if (firstFailure.get() != null) {
            throw new PerfException(failures.get() + " of " + sent + " records to topic " + workload.topic() + " on "
                    + workload.bootstrap() + " were not acknowledged; the first error: " + firstFailure.get(),
                    firstFailure.get());
        }
        return new RunResult("produce", sent, sent * workload.recordSize(), elapsed, latency);
    }

    private static void commit(KafkaProducer<byte[], byte[]> producer, TransactionPhases phases) {
        if (phases == null) {
            producer.commitTransaction();
            return;
        }
        long start = System.nanoTime();
        producer.flush();       // what commitTransaction does first, timed apart from the EndTxn that follows
        long flushed = System.nanoTime();
        producer.commitTransaction();
        recordMicros(phases.flushMicros, flushed - start);
        recordMicros(phases.endMicros, System.nanoTime() - flushed);
    }

    static void recordMicros(Histogram histogram, long nanos) {
        histogram.recordValue(Math.min(Math.max(nanos / 1000, 0), histogram.getHighestTrackableValue()));
    }

    /** A record value of random (incompressible) bytes; its first 8 bytes are overwritten per record. */
    static byte[] values(int size) {
        byte[] value = new byte[size];
        SplittableRandom random = new SplittableRandom(7);
        for (int i = 0; i < size; i++) {
            value[i] = (byte) random.nextInt(256);
        }
        return value;
    }
}
