package io.spindle.cli;

import io.spindle.client.Serde;
import io.spindle.client.Spindle;
import io.spindle.client.SpindleRecord;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.kafka.clients.consumer.AcknowledgeType;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaShareConsumer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code spindle queue consume}: a share consumer (KIP-932) on the command line. Its subcommand needs the process's
 * {@link Shutdown}, so {@link SpindleCommand} registers it.
 */
@Command(name = "queue", description = "Works with a topic as a queue, through a share group (KIP-932).",
        synopsisSubcommandLabel = "COMMAND")
final class QueueCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        throw new ParameterException(spec.commandLine(), "Missing a command: consume");
    }

    /**
     * Prints records of a topic as a member of a share group, each record to one member of the group, and
     * acknowledges each once printed: ACCEPT, or REJECT / RELEASE with {@code --reject} / {@code --release} (to try a
     * group's dead-letter topic or redelivery). Stops at Ctrl-C, SIGTERM, {@code --max-messages} or
     * {@code --idle-timeout}; a record acquired but not printed goes back to the group when it stops.
     */
    @Command(name = "consume", description = {"Prints a topic's records as a member of share group GROUP and acknowledges each one printed.",
        "Any number of these share a partition; each record goes to one of them."})
    static final class Consume implements Callable<Integer> {
        private static final Duration POLL = Duration.ofMillis(100);

        private final Shutdown shutdown;

        @Spec
        CommandSpec spec;
        @Mixin
        ClientOptions client;
        @Mixin
        FormatOptions output;

        @Parameters(paramLabel = "TOPIC")
        String topic;

        @Option(names = "--group", paramLabel = "GROUP", required = true, description = "The share group to consume in.")
        String group;

        @Option(names = "--reject", description = "Acknowledge each printed record REJECT (archived, or sent to the "
                + "group's dead-letter topic) instead of ACCEPT.")
        boolean reject;

        @Option(names = "--release", description = "Acknowledge each printed record RELEASE (delivered again, to this "
                + "or another consumer) instead of ACCEPT.")
        boolean release;

        @Option(names = "--from-beginning", description = "If the group has not set share.auto.offset.reset, make it "
                + "start at the earliest record (else it starts at the latest, Kafka's default).")
        boolean fromBeginning;

        @Option(names = "--max-messages", paramLabel = "N", description = "Stop after N records.")
        Long maxMessages;

        @Option(names = "--idle-timeout", paramLabel = "DURATION", converter = DurationConverter.class,
                description = "Stop when no record arrived for DURATION.")
        Duration idleTimeout;

        Consume(Shutdown shutdown) {
            this.shutdown = shutdown;
        }

        @Override
        public Integer call() {
            if (reject && release) {
                throw new ParameterException(spec.commandLine(), "Give at most one of --reject and --release");
            }
            if (maxMessages != null && maxMessages < 1) {
                throw new ParameterException(spec.commandLine(), "--max-messages must be 1 or more, not " + maxMessages);
            }
            AcknowledgeType type = reject ? AcknowledgeType.REJECT : release ? AcknowledgeType.RELEASE
                    : AcknowledgeType.ACCEPT;
            shutdown.arm();
            try (Spindle spindle = client.connect()) {
                spindle.admin().partitionCount(topic);      // an unknown topic is an error, not an endless wait
                if (fromBeginning) {
                    spindle.admin().startShareGroupAtEarliestUnlessSet(group);
                }
                consume(spindle, type);
                return SpindleCommand.OK;
            } finally {
                shutdown.finish();
            }
        }

        private void consume(Spindle spindle, AcknowledgeType type) {
            Map<String, Object> config = new HashMap<>();
            config.put(ConsumerConfig.GROUP_ID_CONFIG, group);
            config.put("share.acknowledgement.mode", "explicit");
            if (maxMessages != null) {
                config.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, (int) Math.min(maxMessages, 500));
            }
            PrintWriter out = spec.commandLine().getOut();
            long printed = 0;
            long lastRecord = System.nanoTime();
            try (KafkaShareConsumer<byte[], byte[]> consumer = spindle.newKafkaShareConsumer(config)) {
                consumer.subscribe(List.of(topic));
                while (!shutdown.isRequested() && !out.checkError() && !reachedMax(printed) && !idle(lastRecord)) {
                    boolean any = false;
                    for (ConsumerRecord<byte[], byte[]> record : consumer.poll(POLL)) {
                        if (reachedMax(printed)) {
                            consumer.acknowledge(record, AcknowledgeType.RELEASE);   // not printed: for another
                            continue;
                        }
                        SpindleRecord<String, String> read = SpindleRecord.from(record, Serde.string(), Serde.string());
                        out.println(output.format.format(read, output.keySeparator));
                        printed++;
                        any = true;
                        consumer.acknowledge(record, type);
                    }
                    if (any) {
                        out.flush();
                        lastRecord = System.nanoTime();
                    }
                    consumer.commitSync(client.timeout);
                }
            }
        }

        private boolean reachedMax(long printed) {
            return maxMessages != null && printed >= maxMessages;
        }

        private boolean idle(long lastRecordNanos) {
            return idleTimeout != null && System.nanoTime() - lastRecordNanos >= idleTimeout.toNanos();
        }
    }
}
