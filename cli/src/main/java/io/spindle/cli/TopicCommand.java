package io.spindle.cli;

import io.spindle.client.Spindle;
import io.spindle.client.SpindleAdmin;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code spindle topic create|list|describe|delete|alter-config}. */
@Command(name = "topic", description = "Creates, lists, describes, deletes and reconfigures topics.",
        synopsisSubcommandLabel = "COMMAND",
        subcommands = {TopicCommand.Create.class, TopicCommand.ListTopics.class, TopicCommand.Describe.class,
            TopicCommand.Delete.class, TopicCommand.AlterConfig.class})
final class TopicCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        throw new ParameterException(spec.commandLine(), "Missing a command: create, list, describe, delete or alter-config");
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

    @Command(name = "describe", description = "Shows a topic's partitions with their start and end offsets, and the settings given to it.")
    static final class Describe implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Mixin
        ClientOptions client;

        @Parameters(paramLabel = "TOPIC")
        String topic;

        @Override
        public Integer call() {
            SpindleAdmin.TopicInfo info;
            try (Spindle spindle = client.connect()) {
                info = spindle.admin().describeTopic(topic);
            }
            PrintWriter out = spec.commandLine().getOut();
            out.println("Topic " + info.name() + ": " + info.partitions().size() + " partition(s)"
                    + (info.configs().isEmpty() ? "" : ", " + settings(info.configs())));
            Table table = new Table("PARTITION", "START", "END", "RECORDS");
            for (SpindleAdmin.PartitionInfo partition : info.partitions()) {
                table.row(partition.partition(), partition.startOffset(), partition.endOffset(), partition.records());
            }
            table.print(out);
            return SpindleCommand.OK;
        }

        private static String settings(Map<String, String> configs) {
            List<String> pairs = new ArrayList<>();
            configs.forEach((key, value) -> pairs.add(key + "=" + value));
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
