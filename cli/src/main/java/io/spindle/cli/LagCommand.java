package io.spindle.cli;

import io.spindle.client.Spindle;
import io.spindle.client.SpindleAdmin;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code spindle lag}: per group and partition, the committed offset, the end offset and the difference. */
@Command(name = "lag", description = "Shows how far consumer groups are behind: committed offset, end offset and lag per partition.")
final class LagCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;
    @Mixin
    ClientOptions client;

    @Option(names = "--group", paramLabel = "GROUP", description = "Only this group (default: every group).")
    String group;

    @Override
    public Integer call() {
        Table table = new Table("GROUP", "TOPIC", "PARTITION", "COMMITTED", "END", "LAG");
        try (Spindle spindle = client.connect()) {
            Map<String, List<SpindleAdmin.PartitionLag>> lags = group == null ? spindle.admin().lag()
                    : Map.of(group, spindle.admin().lag(group));
            lags.values().forEach(partitions -> partitions.forEach(lag -> table.row(lag.group(), lag.topic(),
                    lag.partition(), GroupCommand.offset(lag.committed()), lag.end(), lag.lag())));
        }
        table.print(spec.commandLine().getOut());
        return SpindleCommand.OK;
    }
}
