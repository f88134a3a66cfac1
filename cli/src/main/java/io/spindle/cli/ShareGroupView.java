package io.spindle.cli;

import io.spindle.client.Spindle;
import io.spindle.client.SpindleAdmin;
import java.io.PrintWriter;
import java.net.URI;
import java.util.List;
import picocli.CommandLine.Option;

/**
 * Share groups (KIP-932) in {@code spindle group describe} and {@code spindle lag}: per partition the start of the
 * in-flight window and the lag (Kafka's admin API), and the records in flight, acquired, available, archived and
 * dead-lettered (the broker's /metrics, see {@link ShareStats}). A mixin: the option says where the metrics are.
 */
final class ShareGroupView {
    @Option(names = "--metrics-url", paramLabel = "URL",
            description = "Where the broker serves /metrics, for share groups' in-flight counts "
                    + "(default: http://<bootstrap host>:9404/metrics).")
    URI metricsUrl;

    /** The table's header; {@code withGroup} adds a GROUP column first. */
    static Table table(boolean withGroup) {
        return withGroup
                ? new Table("GROUP", "TOPIC", "PARTITION", "START", "LAG", "IN-FLIGHT", "ACQUIRED", "AVAILABLE",
                        "ARCHIVED", "DEAD-LETTERED")
                : new Table("TOPIC", "PARTITION", "START", "LAG", "IN-FLIGHT", "ACQUIRED", "AVAILABLE", "ARCHIVED",
                        "DEAD-LETTERED");
    }

    /** Reads the broker's share meters once. */
    ShareStats stats(ClientOptions client) {
        URI url = metricsUrl != null ? metricsUrl : ShareStats.defaultUrl(client.bootstrapServer);
        return ShareStats.fetch(url, client.timeout);
    }

    /** Adds the rows of share group {@code group} to {@code table}. */
    static void rows(Table table, boolean withGroup, Spindle spindle, String group, ShareStats stats) {
        List<SpindleAdmin.SharePartitionLag> lags = spindle.admin().shareLag(group);
        for (SpindleAdmin.SharePartitionLag lag : lags) {
            ShareStats.Counts counts = stats.of(group, lag.topic(), lag.partition());
            Object[] cells = {lag.topic(), lag.partition(), GroupCommand.offset(lag.startOffset()),
                GroupCommand.offset(lag.lag()), count(counts.inFlight()), count(counts.acquired()),
                count(counts.available()), count(counts.archived()), count(counts.deadLettered())};
            if (withGroup) {
                Object[] withId = new Object[cells.length + 1];
                withId[0] = group;
                System.arraycopy(cells, 0, withId, 1, cells.length);
                cells = withId;
            }
            table.row(cells);
        }
    }

    /** Says on stderr why the counts are missing, if they are. */
    static void explain(ShareStats stats, PrintWriter err) {
        if (stats.problem() != null) {
            err.println("Share groups' in-flight counts are unknown ('-'): " + stats.problem()
                    + " (give the broker's metrics address with --metrics-url)");
        }
    }

    private static String count(long value) {
        return value < 0 ? "-" : Long.toString(value);
    }
}
