package io.spindle.perf;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.HdrHistogram.Histogram;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;

/**
 * End-to-end latency: a producer sends at the workload's rate while a consumer in the same JVM (so one clock)
 * reads the topic from its end; each record's latency is from its scheduled send time, carried in its first
 * 8 bytes, to the poll that returned it. Records scheduled during the warm-up are received but not measured.
 */
public final class EndToEndRun {
    private static final Duration DRAIN_TIMEOUT = Duration.ofSeconds(60);

    private EndToEndRun() {
    }

    public static RunResult run(Workload workload, Duration warmup) throws InterruptedException {
        Topics.ensure(workload.bootstrap(), workload.topic(), workload.partitions());
        Histogram latency = RunResult.newHistogram();
        AtomicLong received = new AtomicLong();
        AtomicLong expected = new AtomicLong(Long.MAX_VALUE);
        AtomicLong measureFrom = new AtomicLong(Long.MAX_VALUE);
        AtomicReference<Throwable> consumerFailure = new AtomicReference<>();
        CountDownLatch positioned = new CountDownLatch(1);
        Thread consumerThread = new Thread(() -> {
            try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(workload.consumerProperties())) {
                List<TopicPartition> partitions = ConsumeRun.partitions(consumer, workload);
                consumer.assign(partitions);
                consumer.seekToEnd(partitions);
                partitions.forEach(consumer::position);     // resolves the end now, before the producer starts
                positioned.countDown();
                long deadline = Long.MAX_VALUE;
                while (received.get() < expected.get()) {
                    if (expected.get() != Long.MAX_VALUE && deadline == Long.MAX_VALUE) {
                        deadline = System.nanoTime() + DRAIN_TIMEOUT.toNanos();
                    }
                    if (System.nanoTime() > deadline) {
                        throw new PerfException("Received " + received.get() + " of " + expected.get() + " records of topic "
                                + workload.topic() + " on " + workload.bootstrap() + " within " + DRAIN_TIMEOUT.toSeconds()
                                + " s of the last send");
                    }
                    ConsumerRecords<byte[], byte[]> batch = consumer.poll(Duration.ofMillis(100));
                    long now = System.nanoTime();
                    long from = measureFrom.get();
                    for (ConsumerRecord<byte[], byte[]> record : batch) {
                        long scheduled = Bytes.getLong(record.value(), 0);
                        if (scheduled >= from) {
                            ProduceRun.recordMicros(latency, now - scheduled);
                        }
                    }
                    received.addAndGet(batch.count());
                }
            } catch (Throwable t) {
                consumerFailure.set(t);
                positioned.countDown();
            }
        }, "spindle-perf-e2e-consumer");
        consumerThread.setDaemon(true);
        consumerThread.start();
        if (!positioned.await(60, TimeUnit.SECONDS)) {
            throw new PerfException("The end-to-end consumer of topic " + workload.topic() + " on " + workload.bootstrap()
                    + " found no position in 60 s");
        }
        failIfConsumerFailed(consumerFailure, workload);

        KeyDistribution keys = KeyDistribution.parse(workload.keys());
        byte[] value = ProduceRun.values(workload.recordSize());
        AtomicReference<Exception> sendFailure = new AtomicReference<>();
        long sent = 0;
        long measuredSent = 0;
        long start;
        long measuredStart;
        long end;
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(workload.producerProperties())) {
            producer.partitionsFor(workload.topic());
            start = System.nanoTime();
            measuredStart = start + warmup.toNanos();
            measureFrom.set(measuredStart);
            long deadline = workload.duration() == null ? Long.MAX_VALUE : measuredStart + workload.duration().toNanos();
            Pacer pacer = new Pacer(workload.rate(), start);
            while (true) {
                long scheduled = pacer.awaitNext();
                if (scheduled >= deadline || (workload.records() > 0 && measuredSent >= workload.records())) {
                    break;
                }
                Bytes.putLong(value, 0, scheduled);
                producer.send(new ProducerRecord<>(workload.topic(), keys.nextKey(), value), (metadata, error) -> {
                    if (error != null) {
                        sendFailure.compareAndSet(null, error);
                    }
                });
                sent++;
                if (scheduled >= measuredStart) {
                    measuredSent++;
                }
            }
            end = System.nanoTime();
            producer.flush();
        }
        if (sendFailure.get() != null) {
            throw new PerfException("Sending to topic " + workload.topic() + " on " + workload.bootstrap() + " failed",
                    sendFailure.get());
        }
        expected.set(sent);
        consumerThread.join(DRAIN_TIMEOUT.toMillis() + 10_000);
        failIfConsumerFailed(consumerFailure, workload);
        if (consumerThread.isAlive()) {
            throw new PerfException("The end-to-end consumer of topic " + workload.topic() + " did not finish");
        }
        // The consumer thread has ended (join): its histogram writes are visible here.
        return new RunResult("e2e", measuredSent, measuredSent * workload.recordSize(), end - measuredStart, latency);
    }

    private static void failIfConsumerFailed(AtomicReference<Throwable> failure, Workload workload) {
        Throwable t = failure.get();
        if (t != null) {
            throw new PerfException("The end-to-end consumer of topic " + workload.topic() + " on " + workload.bootstrap()
                    + " failed: " + t, t);
        }
    }
}
