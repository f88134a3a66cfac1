package io.spindle.metadata;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spindle.config.ClusterSettings;
import io.spindle.config.ClusterSettings.Voter;
import io.spindle.metadata.MetadataCommand.CreateTopic;
import io.spindle.metadata.MetadataCommand.RegisterBroker;
import io.spindle.metadata.MetadataCommand.UnfenceBroker;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Three quorum members as child processes on 127.0.0.1: topics are created through the quorum while its leader is
 * killed with SIGKILL (a minority); every acknowledged topic must be in the surviving members' image exactly once,
 * a new leader must take commands within seconds, and the killed member, restarted on its data, must catch up.
 */
class QuorumProcessTest {
    private static final Logger log = LoggerFactory.getLogger(QuorumProcessTest.class);
    private static final Duration FAILOVER = Duration.ofSeconds(15);

    @TempDir
    Path dir;
    private final Map<Integer, Process> members = new HashMap<>();
    private ClusterSettings settings;

    @AfterEach
    void stopMembers() {
        members.values().forEach(Process::destroyForcibly);
    }

    @Test
    void killingTheLeaderLosesNoAcknowledgedTopicAndANewLeaderContinues() throws Exception {
        runWithLeaderKills(1, 10);
    }

    @Test
    @Tag("long")
    void killingTheLeaderTenTimesLosesNoAcknowledgedTopic() throws Exception {
        runWithLeaderKills(10, 30);
    }

    private void runWithLeaderKills(int kills, int topicsPerRound) throws Exception {
        settings = FreePorts.cluster(3, 60_000, 20);
        for (Voter voter : settings.voters()) {
            start(voter.id());
        }
        Set<String> acknowledged = new TreeSet<>();
        try (MetadataClient client = new MetadataClient(settings.voters())) {
            long epoch = submit(client, new RegisterBroker(1, UUID.randomUUID(),
                    List.of(new BrokerEndpoint("PLAINTEXT", "127.0.0.1", 9092)), Optional.empty())).value();
            submit(client, new UnfenceBroker(1, epoch));
            int next = 0;
            for (int round = 0; round < kills; round++) {
                for (int i = 0; i < topicsPerRound; i++, next++) {
                    create(client, "topic-" + next, acknowledged);
                }
                int leader = client.leaderId().orElseThrow();
                long killedAt = System.nanoTime();
                members.remove(leader).destroyForcibly().waitFor();
                create(client, "topic-" + next++, acknowledged);
                long failoverMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killedAt);
                log.info("Round {}: killed leader {}, next command acknowledged after {} ms", round, leader,
                        failoverMs);
                assertTrue(failoverMs < FAILOVER.toMillis(), "a new leader took a command " + failoverMs
                        + " ms after the kill");
                for (int i = 0; i < topicsPerRound / 2; i++, next++) {
                    create(client, "topic-" + next, acknowledged);
                }
                start(leader);
                int back = leader;
                await().atMost(FAILOVER).ignoreExceptions().until(() ->
                        client.readImage(back).get(5, TimeUnit.SECONDS).topics().keySet().containsAll(acknowledged));
            }
            MetadataImage image = client.readImage().get(30, TimeUnit.SECONDS);
            assertEquals(acknowledged, image.topics().keySet(), "every acknowledged topic, and only those");
            Set<UUID> ids = image.topics().values().stream().map(TopicImage::id).collect(Collectors.toSet());
            assertEquals(acknowledged.size(), ids.size(), "each topic created once");
            for (int id : members.keySet()) {
                MetadataImage own = client.readImage(id).get(30, TimeUnit.SECONDS);
                assertEquals(acknowledged, own.topics().keySet(), "member " + id + "'s image");
            }
        }
    }

    private static MetadataClient.Accepted submit(MetadataClient client, MetadataCommand command) throws Exception {
        return client.submit(command).get(FAILOVER.toSeconds(), TimeUnit.SECONDS);
    }

    private static void create(MetadataClient client, String name, Set<String> acknowledged) throws Exception {
        submit(client, new CreateTopic(UUID.randomUUID(), name, 1, 1, Map.of(), List.of()));
        acknowledged.add(name);
    }

    private void start(int nodeId) throws IOException {
        Path data = dir.resolve("node-" + nodeId);
        String voters = settings.voters().stream().map(Voter::toString).collect(Collectors.joining(","));
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                .toString(), "-Xmx256m", "-cp", System.getProperty("java.class.path"),
                QuorumMemberMain.class.getName(), Integer.toString(nodeId), voters, data.toString(), "20"));
        Process process = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("node-" + nodeId + ".log").toFile()))
                .start();
        members.put(nodeId, process);
    }
}
