package io.spindle.cli;

import io.spindle.client.Spindle;
import java.io.PrintWriter;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.AddRaftVoterOptions;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.QuorumInfo;
import org.apache.kafka.clients.admin.QuorumInfo.ReplicaState;
import org.apache.kafka.clients.admin.RaftVoterEndpoint;
import org.apache.kafka.clients.admin.RemoveRaftVoterOptions;
import org.apache.kafka.common.Uuid;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code spindle cluster voters [add N | remove N]}: the metadata quorum's members as its leader describes them
 * (DescribeQuorum), and the voter changes of KIP-853 (AddRaftVoter promotes observer N, RemoveRaftVoter demotes voter
 * N to an observer), through any broker of the cluster. Each change prints the voters after it.
 */
@Command(name = "voters", description = {
    "Lists the members of the cluster's metadata quorum (voters and observers) as the quorum leader sees them, or, "
        + "with add N / remove N, makes observer N a voter or voter N an observer.",
    "A change returns once the new voters are committed; it lasts across restarts (the brokers keep their"
        + " controller.quorum.voters as given: the quorum's own log has the voters now)."})
final class VotersCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;
    @Mixin
    ClientOptions client;

    @Override
    public Integer call() throws Exception {
        try (Spindle spindle = client.connect()) {
            print(describe(spindle.admin().kafka(), client), spec.commandLine().getOut());
        }
        return SpindleCommand.OK;
    }

    @Command(name = "add", description = "Makes observer N a voter of the metadata quorum (it must be a live broker "
            + "started with --observer-address).")
    static final class Add implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Mixin
        ClientOptions client;
        @Parameters(paramLabel = "N", description = "The node id of the observer to make a voter.")
        int nodeId;

        @Override
        public Integer call() throws Exception {
            try (Spindle spindle = client.connect()) {
                Admin admin = spindle.admin().kafka();
                AddRaftVoterOptions options = new AddRaftVoterOptions();
                options.timeoutMs((int) client.timeout.toMillis());
                // No listeners: the quorum knows the observer's Raft address already.
                await(admin.addRaftVoter(nodeId, Uuid.ZERO_UUID, Set.<RaftVoterEndpoint>of(), options).all()
                        .toCompletionStage().toCompletableFuture(), client, "add voter " + nodeId);
                PrintWriter out = spec.commandLine().getOut();
                out.println("Node " + nodeId + " is a voter");
                print(describe(admin, client), out);
            }
            return SpindleCommand.OK;
        }
    }

    @Command(name = "remove", description = "Makes voter N an observer of the metadata quorum: it keeps serving as a "
            + "broker and receiving the metadata, but no longer votes.")
    static final class Remove implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Mixin
        ClientOptions client;
        @Parameters(paramLabel = "N", description = "The node id of the voter to make an observer.")
        int nodeId;

        @Override
        public Integer call() throws Exception {
            try (Spindle spindle = client.connect()) {
                Admin admin = spindle.admin().kafka();
                RemoveRaftVoterOptions options = new RemoveRaftVoterOptions();
                options.timeoutMs((int) client.timeout.toMillis());
                await(admin.removeRaftVoter(nodeId, Uuid.ZERO_UUID, options).all().toCompletionStage()
                        .toCompletableFuture(), client, "remove voter " + nodeId);
                PrintWriter out = spec.commandLine().getOut();
                out.println("Node " + nodeId + " is no longer a voter");
                print(describe(admin, client), out);
            }
            return SpindleCommand.OK;
        }
    }

    private static QuorumInfo describe(Admin admin, ClientOptions client) throws Exception {
        return await(admin.describeMetadataQuorum().quorumInfo().toCompletionStage().toCompletableFuture(), client,
                "describe the metadata quorum");
    }

    private static <T> T await(CompletableFuture<T> future, ClientOptions client, String what)
            throws Exception {
        try {
            return future.get(client.timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw new IllegalStateException("Could not " + what + ": " + e.getCause().getMessage(), e.getCause());
        } catch (TimeoutException e) {
            throw new IllegalStateException("Could not " + what + " within " + client.timeout.toMillis() + " ms");
        }
    }

    /** One line on the leader, then one row per member, voters first. */
    private static void print(QuorumInfo quorum, PrintWriter out) {
        out.println("Leader " + quorum.leaderId() + " at epoch " + quorum.leaderEpoch() + ", high watermark "
                + quorum.highWatermark());
        Table table = new Table("NODE", "ROLE", "RAFT ADDRESS", "LOG END", "LAG", "LAST FETCH MS AGO");
        long now = System.currentTimeMillis();
        for (String role : List.of("voter", "observer")) {
            List<ReplicaState> members = role.equals("voter") ? quorum.voters() : quorum.observers();
            for (ReplicaState member : members.stream().sorted(Comparator.comparingInt(ReplicaState::replicaId))
                    .toList()) {
                QuorumInfo.Node node = quorum.nodes().get(member.replicaId());
                String address = node == null || node.endpoints().isEmpty() ? "-"
                        : node.endpoints().get(0).host() + ":" + node.endpoints().get(0).port();
                boolean leader = member.replicaId() == quorum.leaderId();
                table.row(member.replicaId(), leader ? "leader" : role, address,
                        member.logEndOffset() < 0 ? "-" : member.logEndOffset(),
                        member.logEndOffset() < 0 ? "-" : Math.max(0, quorum.highWatermark() - member.logEndOffset()),
                        member.lastFetchTimestamp().isPresent() ? now - member.lastFetchTimestamp().getAsLong() : "-");
            }
        }
        table.print(out);
    }
}
