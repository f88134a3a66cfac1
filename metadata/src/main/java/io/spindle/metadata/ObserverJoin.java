package io.spindle.metadata;

import io.spindle.config.ClusterSettings;
import io.spindle.config.ClusterSettings.Voter;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.conf.Parameters;
import org.apache.ratis.proto.RaftProtos.RaftPeerRole;
import org.apache.ratis.protocol.GroupInfoReply;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.SetConfigurationRequest;
import org.apache.ratis.retry.RetryPolicies;
import org.apache.ratis.util.TimeDuration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps an observer in the quorum's Raft configuration as a listener (thread {@code spindle-metadata-observer}):
 * the leader sends the log only to the members of its configuration, so an observer started with itself as a
 * listener receives nothing until the leader has added it. This reads the configuration from the voters (the
 * leader's when one answers as leader) and, unless it already lists this observer at its address, asks the leader to
 * add it with Ratis' {@code setConfiguration} in mode {@code COMPARE_AND_SET}: the voters as they are, the listeners
 * as they are plus this one. The leader first sends the observer the log (or a snapshot) it lacks, then commits the
 * new configuration; a concurrent change (another observer joining) makes it fail, and it is asked again.
 *
 * <p>Not mode {@code ADD}: Ratis 3.2.2 (and its master as of Dec 2026) merges an added listener with the current
 * ones when it checks the request, but builds the new configuration from the request's listeners alone
 * ({@code LeaderStateImpl.startSetConfiguration}), so each observer's ADD took every other observer out: two
 * observers took turns being out of the configuration, starved of the log and fenced, every recheck
 * ({@code ObserverQuorumTest}).
 *
 * <p>Until the first success it asks every {@value #RETRY_MS} ms (the voters may still be electing, or another
 * member's configuration change may be in progress), logging the first failure and then one line every
 * {@value #LOG_EVERY_MS} ms. Afterwards it asks again every {@value #RECHECK_MS} ms, so that an observer taken out of
 * the configuration (by an administrator's {@code setConfiguration}) comes back by itself; a re-add that was needed
 * is logged. Thread-safe; {@link #close} stops it.
 */
final class ObserverJoin implements AutoCloseable {
    static final long RETRY_MS = 500;
    static final long RECHECK_MS = 5_000;
    static final long LOG_EVERY_MS = 10_000;
    private static final Logger log = LoggerFactory.getLogger(ObserverJoin.class);

    private final ClusterSettings settings;
    private final RaftPeer self;
    private final RaftClient admin;
    private final MembershipView view;
    private final ScheduledExecutorService thread;
    private volatile String problem;
    private volatile boolean joined;
    private long failingSinceMs = -1;
    private long lastLoggedMs;

    /** What this member's own server knows of the configuration. */
    interface MembershipView {
        /** Whether the configuration lists this member as a voter: an observer promoted since it was started. */
        boolean listedAsVoter();
    }

    ObserverJoin(ClusterSettings settings, MembershipView view) {
        this.settings = settings;
        this.view = view;
        this.self = RatisGroup.peer(settings.self(), RaftPeerRole.LISTENER);
        this.problem = "waiting to be added to the metadata quorum as an observer (listener)";
        // A few redirects and retries through an election per attempt; the loop here does the rest.
        this.admin = RaftClient.newBuilder()
                .setProperties(RatisGroup.clientProperties())
                .setParameters(new Parameters())
                .setRaftGroup(RatisGroup.of(settings.voters()))
                .setRetryPolicy(RetryPolicies.retryUpToMaximumCountWithFixedSleep(5,
                        TimeDuration.valueOf(100, TimeUnit.MILLISECONDS)))
                .build();
        this.thread = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread observer = new Thread(runnable, "spindle-metadata-observer");
            observer.setDaemon(true);
            return observer;
        });
    }

    void start() {
        thread.execute(this::ask);
    }

    /** Why this observer does not receive the metadata log yet, or empty once the leader has added it. */
    Optional<String> problem() {
        return joined ? Optional.empty() : Optional.of(problem);
    }

    private void ask() {
        if (view.listedAsVoter()) {
            // Promoted (AddRaftVoter): asking to be a listener again would at best fail. Its configuration, in its log,
            // outlives restarts; check again in case it is demoted later, which makes it a listener by itself.
            if (!joined) {
                log.info("Observer {} is a voter of the metadata quorum by its current configuration (promoted since "
                        + "controller.quorum.voters was written); it votes", settings.nodeId());
            }
            joined = true;
            schedule(RECHECK_MS);
            return;
        }
        try {
            RaftGroup current = configuration();
            List<RaftPeer> voters = current.getPeers().stream()
                    .filter(peer -> peer.getStartupRole() != RaftPeerRole.LISTENER).toList();
            List<RaftPeer> listeners = current.getPeers().stream()
                    .filter(peer -> peer.getStartupRole() == RaftPeerRole.LISTENER).toList();
            // A voter by the leader's configuration (promoted, and this member has not applied that yet) is in.
            boolean listed = voters.stream().anyMatch(peer -> peer.getId().equals(self.getId()))
                    || listeners.stream().anyMatch(peer -> peer.getId().equals(self.getId())
                            && peer.getAddress().equals(self.getAddress()));
            if (!listed) {
                List<RaftPeer> withSelf = new ArrayList<>();
                listeners.stream().filter(peer -> !peer.getId().equals(self.getId())).forEach(withSelf::add);
                withSelf.add(self);
                // Compared by id with the leader's configuration; one in the middle of a change is refused, asked again.
                RaftClientReply reply = admin.admin().setConfiguration(SetConfigurationRequest.Arguments.newBuilder()
                        .setServersInCurrentConf(voters)
                        .setListenersInCurrentConf(listeners)
                        .setServersInNewConf(voters)
                        .setListenersInNewConf(withSelf)
                        .setMode(SetConfigurationRequest.Mode.COMPARE_AND_SET)
                        .build());
                if (!reply.isSuccess()) {
                    throw new IOException(String.valueOf(reply.getException()));
                }
            }
            if (!joined) {
                log.info("Observer {} ({}) is a listener of the metadata quorum: the leader sends it the metadata log; "
                        + "it does not vote", settings.nodeId(), settings.self().address());
            } else if (!listed) {
                log.info("Observer {} was not in the metadata quorum's configuration; asked the leader to add it "
                        + "again", settings.nodeId());
            }
            joined = true;
            failingSinceMs = -1;
            schedule(RECHECK_MS);
        } catch (IOException | RuntimeException e) {
            long now = System.currentTimeMillis();
            problem = "waiting to be added to the metadata quorum as an observer (listener): " + e;
            if (failingSinceMs < 0) {
                failingSinceMs = now;
            }
            // Before the first success every failure matters (nothing arrives meanwhile); after it, a re-check that
            // fails during an election changes nothing, so only a long run of failures is worth a line.
            boolean logNow = joined ? now - failingSinceMs >= LOG_EVERY_MS && now - lastLoggedMs >= LOG_EVERY_MS
                    : failingSinceMs == now || now - lastLoggedMs >= LOG_EVERY_MS;
            if (logNow) {
                log.warn("Observer {} could not be added to the metadata quorum as a listener{} ({}); {}trying again "
                        + "every {} ms", settings.nodeId(), failingSinceMs == now ? "" : " for "
                        + (now - failingSinceMs) + " ms", e.toString(),
                        joined ? "" : "it receives no metadata until then; ", RETRY_MS);
                lastLoggedMs = now;
            }
            schedule(RETRY_MS);
        }
    }

    /**
     * The members of the Raft configuration as a voter reports them, each with its role as its startup role (voters
     * and listeners): the leader's report when one of the voters answers as leader, otherwise the first answer (a
     * follower's view, at most a little behind: the compare-and-set then fails and is asked again). Ratis 3.2.2 does
     * not send the configuration itself in a group-info reply, only the group made of its members.
     */
    private RaftGroup configuration() throws IOException {
        RaftGroup first = null;
        IOException failure = null;
        for (Voter voter : settings.voters()) {
            try {
                GroupInfoReply info = admin.getGroupManagementApi(RatisGroup.peerId(voter.id()))
                        .info(RatisGroup.GROUP_ID);
                if (info.getRoleInfoProto().getRole() == RaftPeerRole.LEADER) {
                    return info.getGroup();
                }
                if (first == null) {
                    first = info.getGroup();
                }
            } catch (IOException e) {
                failure = e;
            }
        }
        if (first != null) {
            return first;
        }
        throw failure != null ? failure : new IOException("no voter of " + settings.voters() + " answered");
    }

    private void schedule(long delayMs) {
        if (!thread.isShutdown()) {
            thread.schedule(this::ask, delayMs, TimeUnit.MILLISECONDS);
        }
    }

    @Override
    public void close() throws IOException {
        thread.shutdownNow();
        try {
            thread.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        admin.close();
    }
}
