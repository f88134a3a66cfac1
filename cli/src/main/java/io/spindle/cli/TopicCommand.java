package io.spindle.cli;

import io.spindle.client.Spindle;
import io.spindle.client.SpindleAdmin;
import java.io.PrintWriter;
import java.net.URI;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.kafka.common.config.TopicConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code spindle topic create|list|describe|delete|alter-config|reassign}. */
@Command(name = "topic", description = "Creates, lists, describes, deletes, reconfigures and moves topics.",
        synopsisSubcommandLabel = "COMMAND",
        subcommands = {TopicCommand.Create.class, TopicCommand.ListTopics.class, TopicCommand.Describe.class,
            TopicCommand.Delete.class, TopicCommand.AlterConfig.class, ReassignCommand.class})
final class TopicCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        throw new ParameterException(spec.commandLine(), "Missing a command: create, list, describe, delete, alter-config or reassign");
    }

    @Command(name = "create", description = "Creates a topic.")
    static final class Create implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Mixin
        ClientOptions client;

        @Parameters(paramLabel = "TOPIC", description = "The topic's name.")
        String topic;

        @Option(names = "--partitions", paramLabel = "N", defaultValue = "1",
                description = "How many partitions (default: ${DEFAULT-VALUE}).")
        int partitions;

        @Option(names = "--config", paramLabel = "KEY=VALUE",
                description = "A topic setting, e.g. --config retention.ms=86400000; repeatable.")
        Map<String, String> configs = new LinkedHashMap<>();

        @Override
        public Integer call() {
            if (partitions < 1) {
                throw new ParameterException(spec.commandLine(), "--partitions must be 1 or more, not " + partitions);
            }
            try (Spindle spindle = client.connect()) {
                spindle.admin().createTopic(topic, partitions, configs);
            }
            spec.commandLine().getOut().println("Created topic " + topic + " with " + partitions + " partition(s)");
            return SpindleCommand.OK;
        }
    }

    @Command(name = "list", description = "Lists the topics' names, one a line.")
    static final class ListTopics implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Mixin
        ClientOptions client;

        @Option(names = "--internal", description = "Include internal topics (__consumer_offsets).")
        boolean internal;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            try (Spindle spindle = client.connect()) {
                spindle.admin().listTopics(internal).forEach(out::println);
            }
            return SpindleCommand.OK;
        }
    }

    @Command(name = "describe", description = {
        "Shows a topic's partitions with their start and end offsets, its cleanup policy and the settings given to it.",
        "For a compacted topic, also each partition's dirty ratio (the share of its cleanable bytes not yet cleaned),"
            + " read from the broker's metrics listener as Kafka publishes it: as a meter, not in the Kafka protocol."})
    static final class Describe implements Callable<Integer> {
        /** The broker's default metrics.port. */
        private static final int DEFAULT_METRICS_PORT = 9404;

        @Spec
        CommandSpec spec;
        @Mixin
        ClientOptions client;

        @Parameters(paramLabel = "TOPIC")
        String topic;

        @Option(names = "--metrics-url", paramLabel = "URL",
                description = "The broker's /metrics, where the dirty ratios are read (default: http://HOST:"
                        + DEFAULT_METRICS_PORT + "/metrics, HOST that of --bootstrap-server).")
        URI metricsUrl;

        @Override
        public Integer call() {
            SpindleAdmin.TopicInfo info;
            try (Spindle spindle = client.connect()) {
                info = spindle.admin().describeTopic(topic);
            }
            Map<Integer, Double> ratios = info.compacted() ? dirtyRatios() : Map.of();
            PrintWriter out = spec.commandLine().getOut();
            out.println("Topic " + info.name() + ": " + info.partitions().size() + " partition(s), "
                    + settings(info));
            Table table = info.compacted() ? new Table("PARTITION", "START", "END", "RECORDS", "DIRTY RATIO")
                    : new Table("PARTITION", "START", "END", "RECORDS");
            for (SpindleAdmin.PartitionInfo partition : info.partitions()) {
                if (info.compacted()) {
                    Double ratio = ratios == null ? null : ratios.get(partition.partition());
                    table.row(partition.partition(), partition.startOffset(), partition.endOffset(),
                            partition.records(), ratios == null ? "?" : ratio == null || ratio.isNaN() ? "-"
                                    : String.format(Locale.ROOT, "%.2f", ratio));
                } else {
                    table.row(partition.partition(), partition.startOffset(), partition.endOffset(),
                            partition.records());
                }
            }
            table.print(out);
            return SpindleCommand.OK;
        }

        /** partition → dirty ratio; null, having said why on stderr, when the metrics listener cannot be read. */
        private Map<Integer, Double> dirtyRatios() {
            URI url = metricsUrl != null ? metricsUrl : defaultMetricsUrl();
            try {
                return DirtyRatios.read(url, topic, client.timeout);
            } catch (DirtyRatios.MetricsUnavailableException e) {
                PrintWriter err = spec.commandLine().getErr();
                err.println("spindle topic describe: no dirty ratio (?): " + e.getMessage()
                        + "; give the broker's metrics address with --metrics-url");
                err.flush();
                return null;
            }
        }

        private URI defaultMetricsUrl() {
            String first = client.bootstrapServer.split(",")[0].strip();
            int colon = first.lastIndexOf(':');
            String host = colon > 0 ? first.substring(0, colon) : first;
            return URI.create("http://" + host + ":" + DEFAULT_METRICS_PORT + "/metrics");
        }

        /** cleanup.policy first (marked when it is the broker's default), then the other settings given. */
        private static String settings(SpindleAdmin.TopicInfo info) {
            List<String> pairs = new ArrayList<>();
            boolean given = info.configs().containsKey(TopicConfig.CLEANUP_POLICY_CONFIG);
            pairs.add(TopicConfig.CLEANUP_POLICY_CONFIG + "=" + info.cleanupPolicy() + (given ? "" : " (default)"));
            info.configs().forEach((key, value) -> {
                if (!key.equals(TopicConfig.CLEANUP_POLICY_CONFIG)) {
                    pairs.add(key + "=" + value);
                }
            });
            return String.join(", ", pairs);
        }
    }

    @Command(name = "delete", description = "Deletes topics and their data.")
    static final class Delete implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Mixin
        ClientOptions client;

        @Parameters(paramLabel = "TOPIC", arity = "1..*")
        List<String> topics;

        @Override
        public Integer call() {
            try (Spindle spindle = client.connect()) {
                for (String topic : topics) {
                    spindle.admin().deleteTopic(topic);
                    spec.commandLine().getOut().println("Deleted topic " + topic);
                }
            }
            return SpindleCommand.OK;
        }
    }

    @Command(name = "alter-config", description = "Sets or removes settings of a topic.")
    static final class AlterConfig implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Mixin
        ClientOptions client;

        @Parameters(paramLabel = "TOPIC")
        String topic;

        @Option(names = "--set", paramLabel = "KEY=VALUE", description = "Sets a topic setting; repeatable.")
        Map<String, String> set = new LinkedHashMap<>();

        @Option(names = "--delete", paramLabel = "KEY",
                description = "Removes a topic setting, back to the broker's default; repeatable.")
        List<String> delete = new ArrayList<>();

        @Override
        public Integer call() {
            if (set.isEmpty() && delete.isEmpty()) {
                throw new ParameterException(spec.commandLine(), "Nothing to change: give --set KEY=VALUE or --delete KEY");
            }
            try (Spindle spindle = client.connect()) {
                spindle.admin().alterTopicConfig(topic, set, delete);
            }
            spec.commandLine().getOut().println("Updated topic " + topic);
            return SpindleCommand.OK;
        }
    }
}
