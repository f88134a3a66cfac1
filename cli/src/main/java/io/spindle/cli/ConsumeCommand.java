package io.spindle.cli;

import io.spindle.client.Replay;
import io.spindle.client.Serde;
import io.spindle.client.Spindle;
import io.spindle.client.SpindleRecord;
import java.io.PrintWriter;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code spindle consume TOPIC}: prints records as they arrive until stopped (Ctrl-C, SIGTERM), or until
 * {@code --max-messages} or {@code --idle-timeout}.
 *
 * <p>Without {@code --group} it reads the partitions directly, from the end unless told where to start, and commits
 * nothing. With {@code --group} it joins the group and starts where the group's committed offsets say (or at the
 * end, or the beginning with {@code --from-beginning}, when the group has none); it commits the offsets of the records
 * it printed after each batch is written, and when it stops. A consumer killed between a batch and its commit
 * prints that batch again when restarted: at least once.
 */
@Command(name = "consume", description = "Prints a topic's records: of a consumer group, or from a chosen position.")
final class ConsumeCommand implements Callable<Integer> {
    private static final Duration POLL = Duration.ofMillis(100);

    private final Shutdown shutdown;
    private final Clock clock;

    @Spec
    CommandSpec spec;
    @Mixin
    ClientOptions client;
    @Mixin
    FormatOptions output;

    @Parameters(paramLabel = "TOPIC")
    String topic;

    @Option(names = "--group", paramLabel = "GROUP",
            description = "Consume as a member of GROUP, committing the offsets of printed records.")
    String group;

    @Option(names = "--from-beginning", description = "Start at the first record (with --group: if the group has no committed offset).")
    boolean fromBeginning;

    @Option(names = "--offset", paramLabel = "N", description = "Start at offset N of each partition read (not with --group).")
    Long offset;

    @Option(names = "--timestamp", paramLabel = "TIME", converter = InstantConverter.class,
            description = "Start at the first record at or after TIME: epoch ms, 2026-01-01T08:00:00Z, 2026-01-01T08:00 (local), 2026-01-01.")
    Instant timestamp;

    @Option(names = "--since", paramLabel = "DURATION", converter = DurationConverter.class,
            description = "Start at the first record of the last DURATION, e.g. 10m, 2h.")
    Duration since;

    @Option(names = "--partition", paramLabel = "P", split = ",",
            description = "Read only these partitions (not with --group); e.g. --partition 0,2.")
    List<Integer> partitions;

    @Option(names = "--max-messages", paramLabel = "N", description = "Stop after N records.")
    Long maxMessages;

    @Option(names = "--idle-timeout", paramLabel = "DURATION", converter = DurationConverter.class,
            description = "Stop when no record arrived for DURATION.")
    Duration idleTimeout;

    ConsumeCommand(Shutdown shutdown, Clock clock) {
        this.shutdown = shutdown;
        this.clock = clock;
    }

    @Override
    public Integer call() {
        validate();
        shutdown.arm();
        try (Spindle spindle = client.connect()) {
            if (group == null) {
                consumeDirectly(spindle);
            } else {
                consumeInGroup(spindle);
            }
            return SpindleCommand.OK;
        } finally {
            shutdown.finish();
        }
    }

    private void validate() {
        int starts = (fromBeginning ? 1 : 0) + (offset != null ? 1 : 0) + (timestamp != null ? 1 : 0) + (since != null ? 1 : 0);
        if (starts > 1) {
            throw usage("Give only one of --from-beginning, --offset, --timestamp and --since");
        }
        if (group != null && (offset != null || timestamp != null || since != null || partitions != null)) {
            throw usage("--offset, --timestamp, --since and --partition read partitions directly; they do not go with "
                    + "--group (use 'spindle group reset-offsets' to move a group)");
        }
        if (offset != null && offset < 0) {
            throw usage("--offset must be 0 or more, not " + offset);
        }
        if (maxMessages != null && maxMessages < 1) {
            throw usage("--max-messages must be 1 or more, not " + maxMessages);
        }
    }

    private ParameterException usage(String message) {
        return new ParameterException(spec.commandLine(), message);
    }

    private void consumeDirectly(Spindle spindle) {
        Replay<String, String> replay = spindle.replay(topic).follow();
        if (partitions != null) {
            replay.partitions(partitions);
        }
        if (fromBeginning) {
            replay.fromBeginning();
        } else if (offset != null) {
            List<Integer> chosen = partitions != null ? partitions : allPartitions(spindle);
            chosen.forEach(p -> replay.fromOffset(p, offset));
        } else if (timestamp != null || since != null) {
            replay.fromTimestamp(timestamp != null ? timestamp : clock.instant().minus(since));
        } else {
            replay.fromEnd();
        }
        PrintWriter out = spec.commandLine().getOut();
        long printed = 0;
        long lastRecord = System.nanoTime();
        try (Replay.Cursor<String, String> cursor = replay.open()) {
            while (!stopRequested(out) && !reachedMax(printed) && !idle(lastRecord)) {
                List<SpindleRecord<String, String>> records = cursor.poll(POLL);
                for (SpindleRecord<String, String> record : records) {
                    if (reachedMax(printed)) {
                        break;
                    }
                    out.println(output.format.format(record, output.keySeparator));
                    printed++;
                }
                if (!records.isEmpty()) {
                    out.flush();
                    lastRecord = System.nanoTime();
                }
            }
        }
    }

    private List<Integer> allPartitions(Spindle spindle) {
        List<Integer> all = new ArrayList<>();
        spindle.admin().partitions(topic).forEach(p -> all.add(p.partition()));
        return all;
    }

    private void consumeInGroup(Spindle spindle) {
        spindle.admin().partitionCount(topic);      // an unknown topic is an error, not an endless wait
        Map<String, Object> config = new HashMap<>();
        config.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, fromBeginning ? "earliest" : "latest");
        PrintWriter out = spec.commandLine().getOut();
        long printed = 0;
        long lastRecord = System.nanoTime();
        Map<TopicPartition, OffsetAndMetadata> uncommitted = new HashMap<>();
        try (KafkaConsumer<byte[], byte[]> consumer = spindle.newKafkaConsumer(config)) {
            consumer.subscribe(List.of(topic));
            try {
                while (!stopRequested(out) && !reachedMax(printed) && !idle(lastRecord)) {
                    boolean any = false;
                    for (ConsumerRecord<byte[], byte[]> record : consumer.poll(POLL)) {
                        if (reachedMax(printed)) {
                            break;
                        }
                        SpindleRecord<String, String> read = SpindleRecord.from(record, Serde.string(), Serde.string());
                        out.println(output.format.format(read, output.keySeparator));
                        printed++;
                        any = true;
                        uncommitted.put(new TopicPartition(record.topic(), record.partition()),
                                new OffsetAndMetadata(record.offset() + 1));
                    }
                    if (any) {
                        out.flush();
                        lastRecord = System.nanoTime();
                        consumer.commitSync(uncommitted);
                        uncommitted.clear();
                    }
                }
            } finally {
                if (!uncommitted.isEmpty()) {
                    consumer.commitSync(uncommitted);
                }
            }
        }
    }

    /** A stop was asked for, or stdout is gone (e.g. `| head` exited). */
    private boolean stopRequested(PrintWriter out) {
        return shutdown.isRequested() || out.checkError();
    }

    private boolean reachedMax(long printed) {
        return maxMessages != null && printed >= maxMessages;
    }

    private boolean idle(long lastRecordNanos) {
        return idleTimeout != null && System.nanoTime() - lastRecordNanos >= idleTimeout.toNanos();
    }
}
