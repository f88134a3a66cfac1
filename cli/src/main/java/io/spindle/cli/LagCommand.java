package io.spindle.cli;

import io.spindle.client.Spindle;
import io.spindle.client.SpindleAdmin;
import java.io.PrintWriter;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code spindle lag}: per consumer group and partition, the committed offset, the end offset and the difference; then
 * per share group and partition, the window start, the lag and the records in flight ({@link ShareGroupView}).
 */
@Command(name = "lag", description = {"Shows how far consumer groups are behind: committed offset, end offset and lag per partition.",
    "Share groups follow: window start, lag, and records in flight, acquired, available, archived and dead-lettered."})
final class LagCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;
    @Mixin
    ClientOptions client;

    @Mixin
    ShareGroupView shares;

    @Option(names = "--group", paramLabel = "GROUP", description = "Only this group (default: every group).")
    String group;

    @Override
    public Integer call() {
        Table table = new Table("GROUP", "TOPIC", "PARTITION", "COMMITTED", "END", "LAG");
        Table shareTable = ShareGroupView.table(true);
        ShareStats stats = null;
        try (Spindle spindle = client.connect()) {
            List<String> shareGroups = spindle.admin().listShareGroups().stream().map(SpindleAdmin.GroupInfo::group)
                    .filter(id -> group == null || id.equals(group)).toList();
            if (!shareGroups.isEmpty()) {
                stats = shares.stats(client);
                for (String id : shareGroups) {
                    ShareGroupView.rows(shareTable, true, spindle, id, stats);
                }
            }
            if (group == null || shareGroups.isEmpty()) {
                Map<String, List<SpindleAdmin.PartitionLag>> lags = group == null ? spindle.admin().lag()
                        : Map.of(group, spindle.admin().lag(group));
                lags.values().forEach(partitions -> partitions.forEach(lag -> table.row(lag.group(), lag.topic(),
                        lag.partition(), GroupCommand.offset(lag.committed()), lag.end(), lag.lag())));
            }
        }
        PrintWriter out = spec.commandLine().getOut();
        if (!table.isEmpty() || shareTable.isEmpty()) {
            table.print(out);
        }
        if (!shareTable.isEmpty()) {
            if (!table.isEmpty()) {
                out.println();
            }
            shareTable.print(out);
            ShareGroupView.explain(stats, spec.commandLine().getErr());
        }
        return SpindleCommand.OK;
    }
}
