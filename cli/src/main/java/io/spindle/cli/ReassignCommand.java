package io.spindle.cli;

import io.spindle.client.Spindle;
import io.spindle.client.SpindleAdmin;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.concurrent.Callable;
import org.apache.kafka.clients.admin.PartitionReassignment;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code spindle topic reassign TOPIC --brokers 2,3,4 | --list | --verify | --cancel}: moves a topic's partitions to
 * other brokers with AlterPartitionReassignments and follows the moves with ListPartitionReassignments. Partition p
 * gets the brokers at positions p, p+1, ... (modulo their number) of {@code --brokers}, as many as its replicas, so
 * leaders and replicas spread evenly over them.
 */
@Command(name = "reassign", description = {
    "Moves a topic's partitions to other brokers while they keep serving, and shows or cancels the moves in progress.",
    "Partition p goes to the brokers at positions p, p+1, ... of --brokers (as many as it has replicas, or"
        + " --replication-factor), the first one its preferred leader."})
final class ReassignCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;
    @Mixin
    ClientOptions client;

    @Parameters(paramLabel = "TOPIC")
    String topic;

    @Option(names = "--brokers", paramLabel = "ID,ID,...", split = ",",
            description = "Move every partition of the topic to these brokers.")
    List<Integer> brokers;

    @Option(names = "--replication-factor", paramLabel = "N",
            description = "With --brokers: how many replicas each partition gets (default: as many as it has).")
    Integer replicationFactor;

    @Option(names = "--list", description = "Lists the topic's partitions being moved, with the replicas being"
            + " added and removed.")
    boolean list;

    @Option(names = "--verify", description = "Says for every partition of the topic whether its move is done.")
    boolean verify;

    @Option(names = "--cancel", description = "Cancels the moves in progress: the partitions go back to their"
            + " original replicas.")
    boolean cancel;

    @Override
    public Integer call() {
        int modes = (brokers != null ? 1 : 0) + (list ? 1 : 0) + (verify ? 1 : 0) + (cancel ? 1 : 0);
        if (modes != 1) {
            throw new ParameterException(spec.commandLine(),
                    "Give exactly one of --brokers ID,ID,..., --list, --verify or --cancel");
        }
        if (replicationFactor != null && brokers == null) {
            throw new ParameterException(spec.commandLine(), "--replication-factor goes with --brokers");
        }
        PrintWriter out = spec.commandLine().getOut();
        try (Spindle spindle = client.connect()) {
            SpindleAdmin admin = spindle.admin();
            if (brokers != null) {
                move(admin, out);
            } else if (list) {
                list(admin, out);
            } else if (verify) {
                verify(admin, out);
            } else {
                cancel(admin, out);
            }
        }
        return SpindleCommand.OK;
    }

    private void move(SpindleAdmin admin, PrintWriter out) {
        if (brokers.isEmpty() || new HashSet<>(brokers).size() != brokers.size()) {
            throw new ParameterException(spec.commandLine(), "--brokers must name each broker once, not " + brokers);
        }
        if (replicationFactor != null && (replicationFactor < 1 || replicationFactor > brokers.size())) {
            throw new ParameterException(spec.commandLine(), "--replication-factor must be 1 to " + brokers.size()
                    + " (the brokers given), not " + replicationFactor);
        }
        SortedMap<Integer, List<Integer>> current = admin.replicas(topic);
        Map<Integer, Optional<List<Integer>>> moves = new LinkedHashMap<>();
        for (Map.Entry<Integer, List<Integer>> partition : current.entrySet()) {
            int count = replicationFactor != null ? replicationFactor : partition.getValue().size();
            if (count > brokers.size()) {
                throw new ParameterException(spec.commandLine(), "Partition " + partition.getKey() + " of topic "
                        + topic + " has " + count + " replicas but --brokers names " + brokers.size()
                        + " broker(s); name more or give --replication-factor");
            }
            List<Integer> target = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                target.add(brokers.get((partition.getKey() + i) % brokers.size()));
            }
            if (!target.equals(partition.getValue())) {
                moves.put(partition.getKey(), Optional.of(target));
                out.println("Partition " + partition.getKey() + ": " + partition.getValue() + " -> " + target);
            }
        }
        if (moves.isEmpty()) {
            out.println("Every partition of topic " + topic + " is on " + brokers + " already");
            return;
        }
        admin.reassign(topic, moves);
        out.println("Started moving " + moves.size() + " partition(s) of topic " + topic
                + "; follow them with --verify");
    }

    private void list(SpindleAdmin admin, PrintWriter out) {
        SortedMap<Integer, PartitionReassignment> moving = admin.reassignments(topic);
        if (moving.isEmpty()) {
            out.println("No partition of topic " + topic + " is being moved");
            return;
        }
        Table table = new Table("PARTITION", "REPLICAS", "ADDING", "REMOVING");
        moving.forEach((partition, move) -> table.row(partition, ids(move.replicas()), ids(move.addingReplicas()),
                ids(move.removingReplicas())));
        table.print(out);
    }

    private void verify(SpindleAdmin admin, PrintWriter out) {
        SortedMap<Integer, PartitionReassignment> moving = admin.reassignments(topic);
        SortedMap<Integer, List<Integer>> replicas = admin.replicas(topic);
        Table table = new Table("PARTITION", "REPLICAS", "STATUS");
        replicas.forEach((partition, now) -> {
            PartitionReassignment move = moving.get(partition);
            table.row(partition, ids(now), move == null ? "in place"
                    : "moving: adding " + ids(move.addingReplicas()) + ", removing " + ids(move.removingReplicas()));
        });
        table.print(out);
        out.println(moving.isEmpty()
                ? "All " + replicas.size() + " partition(s) of topic " + topic + " are in place"
                : moving.size() + " of " + replicas.size() + " partition(s) of topic " + topic + " are still moving");
    }

    private void cancel(SpindleAdmin admin, PrintWriter out) {
        SortedMap<Integer, PartitionReassignment> moving = admin.reassignments(topic);
        if (moving.isEmpty()) {
            out.println("No partition of topic " + topic + " is being moved");
            return;
        }
        Map<Integer, Optional<List<Integer>>> cancels = new LinkedHashMap<>();
        moving.keySet().forEach(partition -> cancels.put(partition, Optional.empty()));
        admin.reassign(topic, cancels);
        out.println("Cancelled the moves of " + cancels.size() + " partition(s) of topic " + topic
                + ": they are back on their original replicas");
    }

    private static String ids(List<Integer> brokers) {
        return brokers.isEmpty() ? "-" : String.join(",", brokers.stream().map(String::valueOf).toList());
    }
}
