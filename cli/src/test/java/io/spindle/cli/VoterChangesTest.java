package io.spindle.cli;

import static io.spindle.cli.DescribeQuorumTest.describe;
import static io.spindle.cli.DescribeQuorumTest.ids;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.QuorumInfo;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.DuplicateVoterException;
import org.apache.kafka.common.errors.InvalidRequestException;
import org.apache.kafka.common.errors.VoterNotFoundException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/**
 * KIP-853's voter changes on three voters and an observer (broker 4), each a child process: the observer promoted
 * with {@code spindle cluster voters add 4}, a voter demoted with kafka-clients' {@code Admin.removeRaftVoter}; the
 * new voters then commit without the old leader (killed with -9), and restarted brokers keep the changed voters, not
 * their controller.quorum.voters.
 */
class VoterChangesTest {
    private static final int OBSERVER = 4;
    private static final Duration WAIT = Duration.ofSeconds(60);

    @TempDir
    Path dir;

    @Test
    @Timeout(value = 4, unit = TimeUnit.MINUTES)    // 72 to 84 s alone, with five broker restarts: above the 90 s default
    void aPromotedObserverAndADemotedVoterLastThroughALeaderKillAndRestarts() throws Exception {
        try (ClusterProcesses cluster = ClusterProcesses.startWithVoters(4, 3, dir, Map.of());
             Admin atObserver = ClusterUpCommandTest.admin(cluster.bootstrapServers(OBSERVER))) {
            QuorumInfo before = await().atMost(WAIT).ignoreExceptions().until(() -> describe(atObserver),
                    info -> ids(info.observers()).equals(Set.of(OBSERVER)));
            assertEquals(Set.of(1, 2, 3), ids(before.voters()), before.toString());

            // Refused, with Kafka's errors: a voter added again, an observer removed, a node not in the quorum added.
            assertRefused(DuplicateVoterException.class, "is a voter already",
                    () -> atObserver.addRaftVoter(1, Uuid.ZERO_UUID, Set.of()).all().get(30, TimeUnit.SECONDS));
            assertRefused(VoterNotFoundException.class, "is not a voter",
                    () -> atObserver.removeRaftVoter(OBSERVER, Uuid.ZERO_UUID).all().get(30, TimeUnit.SECONDS));
            assertRefused(InvalidRequestException.class, "is not an observer",
                    () -> atObserver.addRaftVoter(9, Uuid.ZERO_UUID, Set.of()).all().get(30, TimeUnit.SECONDS));

            Cli.Result added = Cli.on(cluster.bootstrapServers(1), "cluster", "voters", "add", "4", "--timeout", "30s");
            assertEquals(0, added.status(), added.toString());
            assertTrue(added.out().contains("Node 4 is a voter"), added.toString());
            QuorumInfo promoted = describe(atObserver);
            assertEquals(Set.of(1, 2, 3, OBSERVER), ids(promoted.voters()), promoted.toString());
            assertTrue(promoted.observers().isEmpty(), promoted.toString());

            int leader = promoted.leaderId();
            int removed = leader == 1 ? 2 : 1;
            int kept = 6 - leader - removed;
            atObserver.removeRaftVoter(removed, Uuid.ZERO_UUID).all().get(30, TimeUnit.SECONDS);
            QuorumInfo demoted = describe(atObserver);
            assertEquals(Set.of(leader, kept, OBSERVER), ids(demoted.voters()), demoted.toString());
            assertEquals(Set.of(removed), ids(demoted.observers()), demoted.toString());
            Cli.Result listed = Cli.on(cluster.bootstrapServers(removed), "cluster", "voters");
            assertEquals(0, listed.status(), listed.toString());
            assertTrue(listed.out().lines().anyMatch(line -> line.matches(removed + "\\s+observer\\s.*")),
                    listed.toString());
            // Ratis 3.2.2 turns a listener into a follower when a new configuration promotes it, but not a follower
            // into a listener: until its broker restarts, the demoted member keeps a follower's election timer, and
            // if the leader goes quiet for that long it stands for election, finds itself not in the configuration
            // and shuts down for good (docs/cluster.md, "Voter changes"). So, as the docs tell operators, the demoted
            // broker is restarted, and comes back as a listener.
            cluster.stop(removed);
            cluster.restart(removed);

            // kill -9 of the leader: of the three voters only the kept one and the promoted observer are left, so
            // whatever commits now needs the promoted observer's vote (the demoted one's does not count).
            cluster.kill(leader);
            atObserver.createTopics(List.of(new NewTopic("after-change", 1, (short) 1))).all()
                    .get(60, TimeUnit.SECONDS);
            QuorumInfo afterKill = await().atMost(WAIT).ignoreExceptions().until(() -> describe(atObserver),
                    info -> info.leaderId() == kept || info.leaderId() == OBSERVER);
            assertEquals(Set.of(leader, kept, OBSERVER), ids(afterKill.voters()), afterKill.toString());

            // Restarted (after a kill -9), each broker takes the voters from the quorum's log, not from its settings:
            // the old leader and the demoted voter were started as voters, the promoted one as an observer.
            cluster.restart(leader);
            cluster.kill(removed);
            cluster.restart(removed);
            cluster.kill(OBSERVER);
            cluster.restart(OBSERVER);
            QuorumInfo restarted = await().atMost(WAIT).ignoreExceptions().until(() -> describe(atObserver),
                    info -> info.leaderId() >= 1);
            assertEquals(Set.of(leader, kept, OBSERVER), ids(restarted.voters()), restarted.toString());
            assertEquals(Set.of(removed), ids(restarted.observers()), restarted.toString());
            try (Admin atRemoved = ClusterUpCommandTest.admin(cluster.bootstrapServers(removed))) {
                atRemoved.createTopics(List.of(new NewTopic("after-restarts", 1, (short) 1))).all()
                        .get(60, TimeUnit.SECONDS);
            }
            assertTrue(cluster.log(OBSERVER).contains("is a voter of the metadata quorum by its current "
                    + "configuration"), cluster.logTail(OBSERVER));
        }
    }

    private static void assertRefused(Class<? extends Exception> type, String message,
                                      Executable call) {
        ExecutionException failed = assertThrows(ExecutionException.class, call);
        assertInstanceOf(type, failed.getCause(), failed.toString());
        assertTrue(failed.getCause().getMessage().contains(message), failed.getCause().getMessage());
    }
}
