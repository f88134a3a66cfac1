package io.spindle.cli;

import io.spindle.client.Replay;
import io.spindle.client.Serde;
import io.spindle.client.Spindle;
import io.spindle.client.SpindleException;
import io.spindle.client.SpindleRecord;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.header.internals.RecordHeaders;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code spindle replay TOPIC}: the records of a range — by offsets or by times, up to the end offsets taken when it
 * starts — printed to stdout, or copied into another topic with their keys, values, headers and timestamps. A long
 * run draws a progress bar on stderr when there is a terminal.
 */
@Command(name = "replay", description = "Replays a range of a topic to stdout or into another topic.")
final class ReplayCommand implements Callable<Integer> {
    /** Records copied before waiting for the broker to acknowledge them. */
    private static final int WINDOW = 1_000;

    private final Shutdown shutdown;

    @Spec
    CommandSpec spec;
    @Mixin
    ClientOptions client;
    @Mixin
    FormatOptions output;

    @Parameters(paramLabel = "TOPIC")
    String topic;

    @Option(names = "--partition", paramLabel = "P", split = ",", description = "Only these partitions, e.g. 0,2.")
    List<Integer> partitions;

    @Option(names = "--from-offset", paramLabel = "N", description = "Start at offset N of each partition.")
    Long fromOffset;

    @Option(names = "--to-offset", paramLabel = "N", description = "Stop each partition before offset N.")
    Long toOffset;

    @Option(names = "--from-time", paramLabel = "TIME", converter = InstantConverter.class,
            description = "Start at the first record at or after TIME (epoch ms, 2026-01-01T08:00:00Z, 2026-01-01T08:00, 2026-01-01).")
    Instant fromTime;

    @Option(names = "--to-time", paramLabel = "TIME", converter = InstantConverter.class,
            description = "Stop each partition before its first record after TIME.")
    Instant toTime;

    @Option(names = "--to-topic", paramLabel = "TOPIC", description = "Copy the records into this topic instead of printing them.")
    String toTopic;

    ReplayCommand(Shutdown shutdown) {
        this.shutdown = shutdown;
    }

    @Override
    public Integer call() throws InterruptedException {
        if (fromOffset != null && fromTime != null) {
            throw new ParameterException(spec.commandLine(), "Give --from-offset or --from-time, not both");
        }
        if (topic.equals(toTopic)) {
            throw new ParameterException(spec.commandLine(), "--to-topic must differ from the topic replayed");
        }
        shutdown.arm();
        try (Spindle spindle = client.connect()) {
            Replay<byte[], byte[]> replay = spindle.replay(topic, Serde.bytes(), Serde.bytes());
            List<Integer> chosen = partitions;
            if (chosen == null && (fromOffset != null || toOffset != null)) {
                chosen = new ArrayList<>();
                for (var partition : spindle.admin().partitions(topic)) {
                    chosen.add(partition.partition());
                }
            }
            if (chosen != null) {
                replay.partitions(chosen);
                for (int partition : chosen) {
                    if (fromOffset != null) {
                        replay.fromOffset(partition, fromOffset);
                    }
                    if (toOffset != null) {
                        replay.untilOffset(partition, toOffset);
                    }
                }
            }
            if (fromTime != null) {
                replay.fromTimestamp(fromTime);
            }
            if (toTime != null) {
                replay.untilTimestamp(toTime);
            }
            long count = toTopic == null ? print(replay) : copy(spindle, replay);
            if (toTopic != null) {
                spec.commandLine().getOut().println("Replayed " + count + " record(s) from " + topic + " to " + toTopic);
            }
            return SpindleCommand.OK;
        } finally {
            shutdown.finish();
        }
    }

    private long print(Replay<byte[], byte[]> replay) {
        PrintWriter out = spec.commandLine().getOut();
        long count = 0;
        try (Replay.Cursor<byte[], byte[]> cursor = replay.open()) {
            ProgressBar progress = ProgressBar.onTerminal(spec.commandLine().getErr(), cursor.expectedRecords());
            while (!shutdown.isRequested() && !out.checkError() && cursor.hasNext()) {
                out.println(output.format.format(text(cursor.next()), output.keySeparator));
                count++;
                progress.advance(1);
            }
            out.flush();
            progress.finish();
        }
        return count;
    }

    private long copy(Spindle spindle, Replay<byte[], byte[]> replay) throws InterruptedException {
        long count = 0;
        try (KafkaProducer<byte[], byte[]> producer = spindle.newKafkaProducer(Map.of());
             Replay.Cursor<byte[], byte[]> cursor = replay.open()) {
            ProgressBar progress = ProgressBar.onTerminal(spec.commandLine().getErr(), cursor.expectedRecords());
            List<Future<RecordMetadata>> window = new ArrayList<>();
            while (!shutdown.isRequested() && cursor.hasNext()) {
                SpindleRecord<byte[], byte[]> record = cursor.next();
                RecordHeaders headers = new RecordHeaders();
                record.headers().forEach((name, value) ->
                        headers.add(name, value == null ? null : value.getBytes(StandardCharsets.UTF_8)));
                window.add(producer.send(new ProducerRecord<>(toTopic, null, record.timestamp().toEpochMilli(),
                        record.key(), record.value(), headers)));
                count++;
                progress.advance(1);
                if (window.size() >= WINDOW) {
                    awaitAll(window, spindle);
                }
            }
            awaitAll(window, spindle);
            progress.finish();
        }
        return count;
    }

    private void awaitAll(List<Future<RecordMetadata>> window, Spindle spindle) throws InterruptedException {
        for (Future<RecordMetadata> sent : window) {
            try {
                sent.get(3 * spindle.timeout().toMillis(), TimeUnit.MILLISECONDS);
            } catch (ExecutionException | TimeoutException e) {
                throw new SpindleException("Copying into topic '" + toTopic + "' failed",
                        e instanceof ExecutionException ? e.getCause() : e);
            }
        }
        window.clear();
    }

    private static SpindleRecord<String, String> text(SpindleRecord<byte[], byte[]> record) {
        return new SpindleRecord<>(record.topic(), record.partition(), record.offset(), record.timestamp(),
                record.key() == null ? null : new String(record.key(), StandardCharsets.UTF_8),
                record.value() == null ? null : new String(record.value(), StandardCharsets.UTF_8), record.headers());
    }
}
