package io.spindle.metadata;

import io.spindle.config.ClusterSettings.Voter;
import io.spindle.metadata.MetadataException.Reason;
import io.spindle.metadata.QuorumDescription.Member;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.conf.Parameters;
import org.apache.ratis.proto.RaftProtos.RaftPeerRole;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.SetConfigurationRequest;
import org.apache.ratis.retry.RetryPolicies;
import org.apache.ratis.util.TimeDuration;

/**
 * Changes which members of the quorum vote (KIP-853's AddRaftVoter and RemoveRaftVoter, on Ratis): a voter is added by
 * promoting an observer (a Ratis listener, so it already holds the log) to a follower, and removed by demoting it to
 * a listener, so the broker keeps receiving the metadata as an observer and goes on serving. One Ratis
 * {@code setConfiguration} in mode {@code COMPARE_AND_SET} against the configuration the leader described just before
 * (a concurrent change makes it fail rather than be overwritten); it returns once the new configuration is committed,
 * and Ratis keeps it in its log (and {@code raft-meta.conf}), so a restarted member uses it, not the voters it was
 * started with.
 *
 * <p>Refused, naming the node: a voter added again ({@link Reason#DUPLICATE_VOTER}), a node removed that is not a
 * voter ({@link Reason#VOTER_NOT_FOUND}); a node added that is not an observer in the configuration, or is not a
 * live (registered, unfenced) broker; removing the last voter; and any change after which the live voters would not
 * be a majority of the new voters, which could never commit ({@link Reason#INVALID_VOTER_CHANGE}).
 *
 * <p>Thread-safe: changes run one at a time on thread {@code spindle-metadata-voters}.
 */
final class VoterChanges implements AutoCloseable {
    private static final long CHANGE_TIMEOUT_MS = 30_000;

    private final Supplier<CompletableFuture<QuorumDescription>> describe;
    private final Supplier<MetadataImage> image;
    private final RaftClient admin;
    private final ExecutorService thread = Executors.newSingleThreadExecutor(runnable -> {
        Thread changes = new Thread(runnable, "spindle-metadata-voters");
        changes.setDaemon(true);
        return changes;
    });

    VoterChanges(List<Voter> bootstrapVoters, Supplier<CompletableFuture<QuorumDescription>> describe,
                 Supplier<MetadataImage> image) {
        this.describe = describe;
        this.image = image;
        this.admin = RaftClient.newBuilder()
                .setProperties(RatisGroup.clientProperties())
                .setParameters(new Parameters())
                .setRaftGroup(RatisGroup.of(bootstrapVoters))
                .setRetryPolicy(RetryPolicies.retryUpToMaximumCountWithFixedSleep(20,
                        TimeDuration.valueOf(100, TimeUnit.MILLISECONDS)))
                .build();
    }

    /** Makes observer {@code nodeId} a voter; completes with the quorum as described after the change. */
    CompletableFuture<QuorumDescription> add(int nodeId) {
        return CompletableFuture.supplyAsync(() -> {
            QuorumDescription now = current();
            if (contains(now.voters(), nodeId)) {
                throw new MetadataException(Reason.DUPLICATE_VOTER, "Node " + nodeId + " is a voter already (voters "
                        + ids(now.voters()) + ")");
            }
            if (!contains(now.observers(), nodeId)) {
                throw new MetadataException(Reason.INVALID_VOTER_CHANGE, "Node " + nodeId + " is not an observer of "
                        + "the metadata quorum (observers " + ids(now.observers()) + "): only an observer, which "
                        + "already receives the metadata log, can become a voter; start it with "
                        + "controller.quorum.observer.address first");
            }
            if (image.get().liveBrokers().stream().noneMatch(broker -> broker.id() == nodeId)) {
                throw new MetadataException(Reason.INVALID_VOTER_CHANGE, "Node " + nodeId + " is not a live broker "
                        + "(registered and unfenced): a voter that is down would only weaken the quorum");
            }
            List<Member> voters = new ArrayList<>(now.voters());
            voters.add(now.member(nodeId));
            List<Member> observers = now.observers().stream().filter(m -> m.nodeId() != nodeId).toList();
            return change(now, voters, observers, "add voter " + nodeId);
        }, thread);
    }

    /** Makes voter {@code nodeId} an observer; completes with the quorum as described after the change. */
    CompletableFuture<QuorumDescription> remove(int nodeId) {
        return CompletableFuture.supplyAsync(() -> {
            QuorumDescription now = current();
            if (!contains(now.voters(), nodeId)) {
                throw new MetadataException(Reason.VOTER_NOT_FOUND, "Node " + nodeId + " is not a voter (voters "
                        + ids(now.voters()) + ")");
            }
            if (now.voters().size() == 1) {
                throw new MetadataException(Reason.INVALID_VOTER_CHANGE, "Node " + nodeId + " is the last voter: "
                        + "without a voter the quorum could not commit anything; add another voter first");
            }
            List<Member> voters = now.voters().stream().filter(m -> m.nodeId() != nodeId).toList();
            List<Member> observers = new ArrayList<>(now.observers());
            observers.add(now.member(nodeId));
            return change(now, voters, observers, "remove voter " + nodeId);
        }, thread);
    }

    private QuorumDescription current() {
        return await(describe.get(), "describe the quorum");
    }

    private QuorumDescription change(QuorumDescription now, List<Member> voters, List<Member> observers, String what) {
        Set<Integer> live = image.get().liveBrokers().stream().map(BrokerRegistration::id).collect(Collectors.toSet());
        long liveVoters = voters.stream().filter(voter -> live.contains(voter.nodeId())).count();
        if (liveVoters * 2 <= voters.size()) {
            throw new MetadataException(Reason.INVALID_VOTER_CHANGE, "Cannot " + what + ": only " + liveVoters
                    + " of the new voters " + ids(voters) + " are live brokers, not a majority, so the change could "
                    + "never commit (live brokers " + live + ")");
        }
        try {
            RaftClientReply reply = admin.admin().setConfiguration(SetConfigurationRequest.Arguments.newBuilder()
                    .setServersInCurrentConf(peers(now.voters(), RaftPeerRole.FOLLOWER))
                    .setListenersInCurrentConf(peers(now.observers(), RaftPeerRole.LISTENER))
                    .setServersInNewConf(peers(voters, RaftPeerRole.FOLLOWER))
                    .setListenersInNewConf(peers(observers, RaftPeerRole.LISTENER))
                    .setMode(SetConfigurationRequest.Mode.COMPARE_AND_SET)
                    .build());
            if (!reply.isSuccess()) {
                throw new MetadataException(Reason.QUORUM_UNAVAILABLE, "The metadata quorum did not " + what + ": "
                        + reply.getException(), reply.getException());
            }
        } catch (IOException e) {
            throw new MetadataException(Reason.QUORUM_UNAVAILABLE, "The metadata quorum did not " + what + ": " + e, e);
        }
        return current();
    }

    private static QuorumDescription await(CompletableFuture<QuorumDescription> future, String what) {
        try {
            return future.get(CHANGE_TIMEOUT_MS, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new MetadataException(Reason.QUORUM_UNAVAILABLE, "Interrupted while waiting to " + what);
        } catch (TimeoutException e) {
            throw new MetadataException(Reason.QUORUM_UNAVAILABLE, "The metadata quorum did not " + what + " within "
                    + CHANGE_TIMEOUT_MS + " ms");
        } catch (ExecutionException e) {
            throw e.getCause() instanceof MetadataException refused ? refused : new CompletionException(e.getCause());
        }
    }

    private static List<RaftPeer> peers(List<Member> members, RaftPeerRole role) {
        return members.stream().map(m -> RatisGroup.peer(new Voter(m.nodeId(), m.host(), m.port()), role)).toList();
    }

    private static boolean contains(List<Member> members, int nodeId) {
        return members.stream().anyMatch(member -> member.nodeId() == nodeId);
    }

    private static List<Integer> ids(List<Member> members) {
        return members.stream().map(Member::nodeId).sorted().toList();
    }

    @Override
    public void close() throws IOException {
        thread.shutdownNow();
        admin.close();
    }
}
