package io.spindle.cli;

import io.spindle.client.Spindle;
import io.spindle.client.SpindleAdmin;
import io.spindle.client.SpindleException;
import io.spindle.client.UnknownGroupException;
import java.io.PrintWriter;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.TopicPartition;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code spindle group list|describe|delete|reset-offsets}. */
@Command(name = "group", description = "Lists, describes, deletes consumer groups and moves their committed offsets.",
        synopsisSubcommandLabel = "COMMAND",
        subcommands = {GroupCommand.ListGroups.class, GroupCommand.Describe.class, GroupCommand.Delete.class,
            GroupCommand.ResetOffsets.class})
final class GroupCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        throw new ParameterException(spec.commandLine(), "Missing a command: list, describe, delete or reset-offsets");
    }

    static final Comparator<TopicPartition> BY_TOPIC_AND_PARTITION =
            Comparator.comparing(TopicPartition::topic).thenComparingInt(TopicPartition::partition);

    static String offset(long offset) {
        return offset < 0 ? "-" : Long.toString(offset);
    }

    @Command(name = "list", description = "Lists the consumer and share groups with their type (classic, consumer, "
            + "share), state and number of members.")
    static final class ListGroups implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Mixin
        ClientOptions client;

        @Override
        public Integer call() {
            Table table = new Table("GROUP", "TYPE", "STATE", "MEMBERS");
            try (Spindle spindle = client.connect()) {
                List<SpindleAdmin.GroupInfo> groups = new ArrayList<>(spindle.admin().listGroups());
                groups.addAll(spindle.admin().listShareGroups());
                groups.sort(Comparator.comparing(SpindleAdmin.GroupInfo::group));
                for (SpindleAdmin.GroupInfo group : groups) {
                    table.row(group.group(), group.type(), group.state(), group.members());
                }
            }
            table.print(spec.commandLine().getOut());
            return SpindleCommand.OK;
        }
    }

    @Command(name = "describe", description = {"Shows a group's state, members, and per partition its committed offset, end offset and lag.",
        "For a share group: per partition the start of its in-flight window, its lag, and the records in flight, "
            + "acquired, available, archived and dead-lettered (from the broker's /metrics)."})
    static final class Describe implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Mixin
        ClientOptions client;
        @Mixin
        ShareGroupView shares;

        @Parameters(paramLabel = "GROUP")
        String group;

        @Override
        public Integer call() {
            ConsumerGroupDescription description;
            List<SpindleAdmin.PartitionLag> lags;
            try (Spindle spindle = client.connect()) {
                Optional<SpindleAdmin.GroupInfo> share = spindle.admin().listShareGroups().stream()
                        .filter(listed -> listed.group().equals(group)).findFirst();
                if (share.isPresent()) {
                    describeShareGroup(spindle, share.get());
                    return SpindleCommand.OK;
                }
                description = spindle.admin().describeGroup(group);
                lags = spindle.admin().lag(group);
            }
            PrintWriter out = spec.commandLine().getOut();
            out.println("Group " + group + ": " + SpindleAdmin.stateName(description.groupState()) + ", "
                    + description.members().size() + " member(s)");
            Table table = new Table("TOPIC", "PARTITION", "COMMITTED", "END", "LAG", "MEMBER");
            for (SpindleAdmin.PartitionLag lag : lags) {
                table.row(lag.topic(), lag.partition(), offset(lag.committed()), lag.end(), lag.lag(),
                        lag.member() == null ? "-" : lag.member());
            }
            table.print(out);
            return SpindleCommand.OK;
        }

        private void describeShareGroup(Spindle spindle, SpindleAdmin.GroupInfo info) {
            PrintWriter out = spec.commandLine().getOut();
            ShareStats stats = shares.stats(client);
            out.println("Share group " + group + ": " + info.state() + ", " + info.members() + " member(s)");
            Table table = ShareGroupView.table(false);
            ShareGroupView.rows(table, false, spindle, group, stats);
            table.print(out);
            ShareGroupView.explain(stats, spec.commandLine().getErr());
        }
    }

    @Command(name = "delete", description = "Deletes consumer groups and their committed offsets; a group must have no members.")
    static final class Delete implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Mixin
        ClientOptions client;

        @Parameters(paramLabel = "GROUP", arity = "1..*")
        List<String> groups;

        @Override
        public Integer call() {
            try (Spindle spindle = client.connect()) {
                for (String group : groups) {
                    spindle.admin().deleteGroup(group);
                    spec.commandLine().getOut().println("Deleted group " + group);
                }
            }
            return SpindleCommand.OK;
        }
    }

    @Command(name = "reset-offsets",
            description = {"Moves a group's committed offsets. Prints the plan and changes nothing unless --execute is given.",
                "The group must have no members while its offsets are changed."})
    static final class ResetOffsets implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Mixin
        ClientOptions client;

        @Option(names = "--group", paramLabel = "GROUP", required = true)
        String group;

        @Option(names = "--topic", paramLabel = "TOPIC[:P,P...]",
                description = "The topic (optionally only some partitions) to reset; repeatable. Default: every partition the group has committed offsets for.")
        List<String> topics = new ArrayList<>();

        @Option(names = "--to-earliest", description = "To each partition's first kept offset.")
        boolean toEarliest;

        @Option(names = "--to-latest", description = "To each partition's end: skip everything not yet consumed.")
        boolean toLatest;

        @Option(names = "--to-offset", paramLabel = "N", description = "To offset N (kept within the partition's offsets).")
        Long toOffset;

        @Option(names = "--to-datetime", paramLabel = "TIME", converter = InstantConverter.class,
                description = "To the first record at or after TIME (epoch ms, 2026-01-01T08:00:00Z, 2026-01-01T08:00, 2026-01-01).")
        Instant toDatetime;

        @Option(names = "--shift-by", paramLabel = "N", description = "By N records, forward or (negative) back.")
        Long shiftBy;

        @Option(names = "--execute", description = "Apply the plan (without it, only print it).")
        boolean execute;

        @Override
        public Integer call() {
            int targets = (toEarliest ? 1 : 0) + (toLatest ? 1 : 0) + (toOffset != null ? 1 : 0)
                    + (toDatetime != null ? 1 : 0) + (shiftBy != null ? 1 : 0);
            if (targets != 1) {
                throw new ParameterException(spec.commandLine(),
                        "Give exactly one of --to-earliest, --to-latest, --to-offset, --to-datetime and --shift-by");
            }
            PrintWriter out = spec.commandLine().getOut();
            try (Spindle spindle = client.connect()) {
                SpindleAdmin admin = spindle.admin();
                Map<TopicPartition, Long> committed = admin.committedOffsets(group);
                List<TopicPartition> partitions = partitions(admin, committed);
                Map<TopicPartition, Long> plan = plan(admin, partitions, committed);
                Table table = new Table("TOPIC", "PARTITION", "CURRENT", "NEW");
                plan.forEach((partition, target) -> table.row(partition.topic(), partition.partition(),
                        offset(committed.getOrDefault(partition, -1L)), target));
                table.print(out);
                if (!execute) {
                    spec.commandLine().getErr().println("Dry run: nothing changed. Add --execute to apply.");
                    return SpindleCommand.OK;
                }
                requireNoMembers(admin);
                admin.commitOffsets(group, plan);
            }
            out.println("Reset the offsets of group " + group);
            return SpindleCommand.OK;
        }

        private List<TopicPartition> partitions(SpindleAdmin admin, Map<TopicPartition, Long> committed) {
            List<TopicPartition> partitions = new ArrayList<>();
            if (topics.isEmpty()) {
                if (committed.isEmpty()) {
                    throw new SpindleException("Consumer group '" + group
                            + "' has no committed offsets; name the topics to reset with --topic");
                }
                partitions.addAll(committed.keySet());
            }
            for (String spec : topics) {
                int colon = spec.indexOf(':');
                String topic = colon < 0 ? spec : spec.substring(0, colon);
                List<TopicPartition> all = admin.partitions(topic);
                if (colon < 0) {
                    partitions.addAll(all);
                    continue;
                }
                for (String number : spec.substring(colon + 1).split(",")) {
                    TopicPartition partition = new TopicPartition(topic, parsePartition(number, spec));
                    if (!all.contains(partition)) {
                        throw new SpindleException("Topic '" + topic + "' has no partition " + partition.partition());
                    }
                    partitions.add(partition);
                }
            }
            partitions.sort(BY_TOPIC_AND_PARTITION);
            return partitions;
        }

        private int parsePartition(String number, String topicSpec) {
            try {
                return Integer.parseInt(number.strip());
            } catch (NumberFormatException e) {
                throw new ParameterException(spec.commandLine(), "Invalid --topic '" + topicSpec
                        + "': expected TOPIC or TOPIC:P,P...");
            }
        }

        private Map<TopicPartition, Long> plan(SpindleAdmin admin, List<TopicPartition> partitions,
                                               Map<TopicPartition, Long> committed) {
            Map<TopicPartition, Long> earliest = admin.offsets(partitions, OffsetSpec.earliest());
            Map<TopicPartition, Long> latest = admin.offsets(partitions, OffsetSpec.latest());
            Map<TopicPartition, Long> byTime = toDatetime == null ? Map.of()
                    : admin.offsets(partitions, OffsetSpec.forTimestamp(toDatetime.toEpochMilli()));
            Map<TopicPartition, Long> plan = new TreeMap<>(BY_TOPIC_AND_PARTITION);
            for (TopicPartition partition : partitions) {
                long low = earliest.get(partition);
                long high = latest.get(partition);
                long target;
                if (toEarliest) {
                    target = low;
                } else if (toLatest) {
                    target = high;
                } else if (toOffset != null) {
                    target = toOffset;
                } else if (toDatetime != null) {
                    long found = byTime.get(partition);
                    target = found < 0 ? high : found;
                } else {
                    target = committed.getOrDefault(partition, low) + shiftBy;
                }
                plan.put(partition, Math.max(low, Math.min(high, target)));
            }
            return plan;
        }

        private void requireNoMembers(SpindleAdmin admin) {
            try {
                int members = admin.describeGroup(group).members().size();
                if (members > 0) {
                    throw new SpindleException("Consumer group '" + group + "' has " + members
                            + " active member(s); stop them before resetting its offsets");
                }
            } catch (UnknownGroupException newGroup) {
                // Nothing committed and no members yet: setting offsets creates the group, as in Kafka.
            }
        }
    }
}
