package io.spindle.metadata;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.spindle.config.ClusterSettings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.proto.RaftProtos.LogEntryProto;
import org.apache.ratis.proto.RaftProtos.RaftPeerRole;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.statemachine.TransactionContext;
import org.apache.ratis.statemachine.impl.BaseStateMachine;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A quorum member whose append of the leader's entries failed once catches up on the leader's next attempt, with the
 * server properties Spindle gives Ratis ({@link RatisGroup#serverProperties}) and the {@link FollowerAppendWatchdog}
 * every member runs.
 *
 * <p>Ratis 3.2.2 chains a follower's appends by default ({@code raft.server.log.append-entries.compose.enabled}), each
 * after the previous one's future, and a failed link fails every later one without running it: one failed append
 * (the partitions-between-brokers run saw {@code SegmentedRaftLog: Already running a method} when two appends met at
 * the heal) left that member answering every AppendEntries with the same exception until it was restarted, so it
 * never caught up. Here the failure is made on purpose: the follower's state machine throws once from
 * {@code startTransaction}, which Ratis calls inside a follower's log append. Without the watchdog this test fails
 * (the follower's applied index stays where the failure left it).
 */
class FollowerAppendFailureTest {
    private static final Duration WAIT = Duration.ofSeconds(30);

    @TempDir
    Path dir;
    private final List<RaftServer> servers = new ArrayList<>();
    private final List<FailingOnceStateMachine> machines = new ArrayList<>();
    private final List<FollowerAppendWatchdog> watchdogs = new ArrayList<>();

    @AfterEach
    void close() throws IOException {
        watchdogs.forEach(FollowerAppendWatchdog::close);
        for (RaftServer server : servers) {
            server.close();
        }
    }

    @Test
    void aFollowerWhoseAppendFailedOnceCatchesUp() throws Exception {
        ClusterSettings settings = FreePorts.cluster(3, 60_000, 10_000);
        for (int id = 1; id <= 3; id++) {
            FailingOnceStateMachine machine = new FailingOnceStateMachine();
            Path storage = Files.createDirectories(dir.resolve("node-" + id));
            RaftServer server = RaftServer.newBuilder().setServerId(RatisGroup.peerId(id))
                    .setGroup(RatisGroup.of(settings)).setStateMachine(machine)
                    .setProperties(RatisGroup.serverProperties(settings.forNode(id), storage))
                    .setOption(RaftStorage.StartupOption.RECOVER).build();
            server.start();
            servers.add(server);
            machines.add(machine);
            watchdogs.add(FollowerAppendWatchdog.start(server, RatisGroup.GROUP_ID, FollowerAppendWatchdog.PERIOD));
        }
        try (RaftClient client = RaftClient.newBuilder().setRaftGroup(RatisGroup.of(settings.voters()))
                .setProperties(RatisGroup.clientProperties()).build()) {
            send(client, 1);
            int follower = await().atMost(WAIT).until(() -> aFollower(), index -> index >= 0);
            machines.get(follower).failNextFollowerAppend.set(true);

            send(client, 20);

            assertEquals(1, machines.get(follower).failures.get(), "the follower's append failed once");
            long leaderApplied = appliedIndex(leader());
            await().atMost(WAIT).until(() -> appliedIndex(follower) >= leaderApplied);
            assertEquals(1, watchdogs.get(follower).resets(), "the follower's wedge was undone once");
            for (int i = 0; i < watchdogs.size(); i++) {
                if (i != follower) {
                    assertEquals(0, watchdogs.get(i).resets(), "member " + (i + 1) + " never wedged");
                }
            }
        }
    }

    private static void send(RaftClient client, int count) {
        List<CompletableFuture<RaftClientReply>> replies = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            replies.add(client.async().send(Message.valueOf("command " + i)));
        }
        replies.forEach(reply -> assertEquals(true, reply.join().isSuccess(), "a command committed"));
    }

    /** The index in {@link #servers} of a member that follows a known leader, or -1. */
    private int aFollower() throws IOException {
        if (leader() < 0) {
            return -1;
        }
        for (int i = 0; i < servers.size(); i++) {
            if (servers.get(i).getDivision(RatisGroup.GROUP_ID).getInfo().isFollower()) {
                return i;
            }
        }
        return -1;
    }

    private int leader() throws IOException {
        for (int i = 0; i < servers.size(); i++) {
            if (servers.get(i).getDivision(RatisGroup.GROUP_ID).getInfo().isLeader()) {
                return i;
            }
        }
        return -1;
    }

    private long appliedIndex(int member) throws IOException {
        return servers.get(member).getDivision(RatisGroup.GROUP_ID).getInfo().getLastAppliedIndex();
    }

    /** Applies nothing but the index; throws once from a follower's {@code startTransaction} when armed. */
    private static final class FailingOnceStateMachine extends BaseStateMachine {
        final AtomicBoolean failNextFollowerAppend = new AtomicBoolean();
        final AtomicInteger failures = new AtomicInteger();

        @Override
        public TransactionContext startTransaction(LogEntryProto entry, RaftPeerRole role) {
            if (role == RaftPeerRole.FOLLOWER && failNextFollowerAppend.compareAndSet(true, false)) {
                failures.incrementAndGet();
                throw new IllegalStateException("injected: this follower's append of log index " + entry.getIndex()
                        + " fails");
            }
            return super.startTransaction(entry, role);
        }

        @Override
        public CompletableFuture<Message> applyTransaction(TransactionContext trx) {
            LogEntryProto entry = trx.getLogEntry();
            updateLastAppliedTermIndex(entry.getTerm(), entry.getIndex());
            return CompletableFuture.completedFuture(Message.EMPTY);
        }
    }
}
