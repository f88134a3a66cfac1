package io.spindle.metadata;

import io.spindle.config.ClusterSettings;
import io.spindle.metadata.MetadataCommand.FenceBroker;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import org.apache.ratis.proto.RaftProtos.RaftPeerRole;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.RaftServer.Division;
import org.apache.ratis.server.storage.RaftStorage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This node's member of the metadata quorum: a Ratis server with the {@link MetadataStateMachine}, its Raft log and
 * snapshots under {@code <data.dir>/__cluster_metadata}, plus a client to submit commands from here.
 *
 * <p>A member is a voter, or an observer (a node outside the voters, with an address of its own): a Ratis listener,
 * which receives the log and applies it like a voter but neither votes nor counts towards a commit, so it never leads.
 *
 * <p>{@link #submit} works on every member: Ratis takes the command to the leader, and the future completes once
 * this member has applied it too, so what a caller does next on this node already sees it.
 *
 * <p>While this member leads, a liveness check (thread {@code spindle-metadata-liveness}) fences every unfenced
 * broker with no registration, unfence or heartbeat applied for the session timeout, counted from when this member
 * became leader at the earliest (a new leader gives every broker a full session), checked every heartbeat interval
 * and at least every 100 ms.
 *
 * <p>A watchdog (thread {@code spindle-metadata-append-watchdog-<id>}, {@link FollowerAppendWatchdog}) lets this
 * member's follower appends run again when Ratis has wedged them on one failed append.
 *
 * <p>Thread-safe. {@link #close} stops the checks, the client and the server.
 */
public final class MetadataQuorum implements AutoCloseable {
    private static final long LIVENESS_CHECK_MAX_MS = 100;
    /** The directory of the quorum's storage under a broker's data directory. */
    public static final String DIRECTORY = "__cluster_metadata";
    private static final Logger log = LoggerFactory.getLogger(MetadataQuorum.class);

    private final ClusterSettings settings;
    private final MetadataStateMachine stateMachine;
    private final RaftServer server;
    private final MetadataClient client;
    private final LongSupplier nanoClock;
    private final ScheduledExecutorService liveness;
    private final Set<Integer> fencing = ConcurrentHashMap.newKeySet();
    /** Present on an observer: what keeps it in the configuration as a listener. */
    private final Optional<ObserverJoin> observerJoin;
    private final QuorumDescriber describer;
    private final VoterChanges voterChanges;
    /** Undoes Ratis 3.2.2's wedge of this member's follower appends (docs/cluster.md, "What survives what"). */
    private final FollowerAppendWatchdog appendWatchdog;

    private MetadataQuorum(ClusterSettings settings, MetadataStateMachine stateMachine, RaftServer server,
                           LongSupplier nanoClock) {
        this.settings = settings;
        this.stateMachine = stateMachine;
        this.server = server;
        this.nanoClock = nanoClock;
        this.client = new MetadataClient(settings.voters());
        this.appendWatchdog = FollowerAppendWatchdog.start(server, RatisGroup.GROUP_ID, FollowerAppendWatchdog.PERIOD);
        this.describer = new QuorumDescriber(this::division, System::currentTimeMillis);
        stateMachine.describeQuorumWith(describer::describe);
        this.voterChanges = new VoterChanges(settings.voters(), this::describeQuorum, stateMachine::image);
        this.observerJoin = settings.isObserver()
                ? Optional.of(new ObserverJoin(settings, () -> division().map(division -> division.getRaftConf()
                        .getPeer(RatisGroup.peerId(settings.nodeId()), RaftPeerRole.FOLLOWER) != null).orElse(false)))
                : Optional.empty();
        observerJoin.ifPresent(ObserverJoin::start);
        this.liveness = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread thread = new Thread(r, "spindle-metadata-liveness");
            thread.setDaemon(true);
            return thread;
        });
        // The check reads two timestamps per broker: running it every 100 ms at most costs nothing and keeps what it
        // adds to a killed leader's failover (up to one period after the session ran out) small.
        long period = Math.max(10, Math.min(LIVENESS_CHECK_MAX_MS,
                Math.min(settings.heartbeatIntervalMs(), settings.sessionTimeoutMs() / 4)));
        liveness.scheduleWithFixedDelay(this::fenceExpiredBrokers, period, period, TimeUnit.MILLISECONDS);
    }

    /**
     * Starts this node's member on its address in {@code settings} (its voter entry, or an observer's own address),
     * with its storage in {@code dataDir/__cluster_metadata} (created when missing; an existing one is recovered:
     * snapshot plus log). An observer starts as a Ratis listener and asks the leader to add it ({@link ObserverJoin});
     * it receives the log once the leader has.
     *
     * @throws IOException when the storage cannot be used or the server cannot bind its port
     */
    public static MetadataQuorum start(ClusterSettings settings, Path dataDir) throws IOException {
        return start(settings, dataDir, System::nanoTime);
    }

    static MetadataQuorum start(ClusterSettings settings, Path dataDir, LongSupplier nanoClock) throws IOException {
        Path storage = dataDir.resolve(DIRECTORY);
        Files.createDirectories(storage);
        MetadataStateMachine stateMachine = new MetadataStateMachine(nanoClock);
        RaftServer server = RaftServer.newBuilder()
                .setServerId(RatisGroup.peerId(settings.nodeId()))
                .setGroup(RatisGroup.of(settings))
                .setStateMachine(stateMachine)
                .setProperties(RatisGroup.serverProperties(settings, storage))
                .setOption(RaftStorage.StartupOption.RECOVER)
                .build();
        try {
            server.start();
        } catch (IOException | RuntimeException e) {
            server.close();
            throw new IOException("Metadata quorum member " + settings.nodeId() + " could not start on "
                    + settings.self().address() + " with storage " + storage + ": " + e, e);
        }
        log.info("Metadata quorum member {} started as {} on {}, storage {}, voters {}", settings.nodeId(),
                settings.isObserver() ? "an observer (non-voting listener)" : "a voter", settings.self().address(),
                storage, settings.voters());
        return new MetadataQuorum(settings, stateMachine, server, nanoClock);
    }

    /** This member's image: every command it has applied. */
    public MetadataImage image() {
        return stateMachine.image();
    }

    /** Calls {@code listener} with each new image this member applies (on Ratis' apply thread; return quickly). */
    public void addListener(Consumer<MetadataImage> listener) {
        stateMachine.addListener(listener);
    }

    /**
     * Submits a command through the leader; completes once this member has applied it, with the leader's answer and
     * this member's image, or exceptionally with the {@link MetadataException} (as the cause) that refused it.
     */
    public CompletableFuture<CommandResult> submit(MetadataCommand command) {
        return client.submit(command).thenCompose(accepted -> stateMachine.awaitApplied(accepted.index())
                .thenApply(image -> new CommandResult(accepted.index(), accepted.value(), image)));
    }

    /**
     * Tells other members asking ({@link #appliedOffset}) how far this member's broker has applied the images:
     * {@code applied} gives the offset of the last image it applied to its own state.
     */
    public void reportApplied(LongSupplier applied) {
        stateMachine.reportApplied(applied);
    }

    /**
     * How far member {@code nodeId}'s broker has applied the images, as it reports; fails if it cannot be reached. An
     * observer is reached at the address the configuration (in this member's log) gives it.
     */
    public CompletableFuture<Long> appliedOffset(int nodeId) {
        knowObserver(nodeId);
        return client.appliedOffset(nodeId);
    }

    /** Lets the client reach {@code nodeId} when it is an observer, at the address the configuration gives it. */
    private void knowObserver(int nodeId) {
        if (settings.voters().stream().noneMatch(voter -> voter.id() == nodeId)) {
            peerInConfiguration(nodeId).ifPresent(client::knowPeer);
        }
    }

    /** Member {@code nodeId} as a listener in the configuration this member knows, if it is one. */
    private Optional<RaftPeer> peerInConfiguration(int nodeId) {
        try {
            return Optional.ofNullable(server.getDivision(RatisGroup.GROUP_ID).getRaftConf()
                    .getPeer(RatisGroup.peerId(nodeId), RaftPeerRole.LISTENER));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /** Whether this member is an observer: a non-voting listener (controller.quorum.observer.address). */
    public boolean isObserver() {
        return settings.isObserver();
    }

    /**
     * Why this member does not receive the metadata log, or empty when it does as far as it can tell: an observer the
     * leader has not added yet says so and why the last try failed. A voter always receives it.
     */
    public Optional<String> notReceivingReason() {
        return observerJoin.flatMap(ObserverJoin::problem);
    }

    /**
     * Tells other members asking ({@link #visibleOffset}) how far this member's broker serves the images' metadata to
     * clients, which may be ahead of what it has applied to its logs ({@link #reportApplied}).
     */
    public void reportVisible(LongSupplier visible) {
        stateMachine.reportVisible(visible);
    }

    /** How far member {@code nodeId}'s broker serves the images' metadata, as it reports; fails if it cannot be reached. */
    public CompletableFuture<Long> visibleOffset(int nodeId) {
        knowObserver(nodeId);
        return client.visibleOffset(nodeId);
    }

    /**
     * The quorum as its leader describes it (Kafka's DescribeQuorum): this member's own description while it leads,
     * otherwise the leader's, asked of the leader this member knows (a Ratis read-only query to that one member).
     * Fails with a {@link MetadataException} ({@link MetadataException.Reason#QUORUM_UNAVAILABLE}) when no leader is
     * known (an election), or the one asked cannot be reached or no longer leads; asking again later may succeed.
     */
    public CompletableFuture<QuorumDescription> describeQuorum() {
        Optional<QuorumDescription> here = describer.describe();
        if (here.isPresent()) {
            return CompletableFuture.completedFuture(here.get());
        }
        Optional<RaftPeer> leader = division().flatMap(division -> {
            RaftPeerId leaderId = division.getInfo().getLeaderId();
            return leaderId == null ? Optional.empty() : Optional.ofNullable(division.getRaftConf().getPeer(leaderId));
        });
        if (leader.isEmpty()) {
            return CompletableFuture.failedFuture(new MetadataException(MetadataException.Reason.QUORUM_UNAVAILABLE,
                    "Member " + settings.nodeId() + " knows no leader of the metadata quorum (an election may be "
                            + "under way)"));
        }
        // A leader outside the voters this member was started with (one promoted since) is reached at its address.
        client.knowPeer(leader.get());
        return client.describeQuorum(QuorumDescriber.nodeId(leader.get().getId()));
    }

    /**
     * Makes observer {@code nodeId} a voter (KIP-853's AddRaftVoter on Ratis, {@link VoterChanges}); completes once
     * the new configuration is committed, with the quorum as described then, or fails with the
     * {@link MetadataException} that refused it.
     */
    public CompletableFuture<QuorumDescription> addVoter(int nodeId) {
        return voterChanges.add(nodeId);
    }

    /**
     * Makes voter {@code nodeId} an observer (RemoveRaftVoter): it keeps receiving the metadata but no longer votes;
     * completes like {@link #addVoter}.
     */
    public CompletableFuture<QuorumDescription> removeVoter(int nodeId) {
        return voterChanges.remove(nodeId);
    }

    /**
     * The voters and observers by the Raft configuration this member holds (its own view, without asking the
     * leader): after a voter change, what the member has received of it. Empty lists while the member cannot tell.
     */
    public Membership membership() {
        return division().map(division -> new Membership(
                        division.getRaftConf().getCurrentPeers().stream().map(p -> QuorumDescriber.nodeId(p.getId()))
                                .sorted().toList(),
                        division.getRaftConf().getCurrentPeers(RaftPeerRole.LISTENER).stream()
                                .map(p -> QuorumDescriber.nodeId(p.getId())).sorted().toList()))
                .orElse(new Membership(List.of(), List.of()));
    }

    /** The node ids of the quorum's voters and observers, each in ascending order. */
    public record Membership(List<Integer> voters, List<Integer> observers) {
    }

    private Optional<Division> division() {
        try {
            return Optional.of(server.getDivision(RatisGroup.GROUP_ID));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /** The highest log index this member knows to be committed, -1 when it cannot tell (starting or stopping). */
    public long commitIndex() {
        try {
            return server.getDivision(RatisGroup.GROUP_ID).getRaftLog().getLastCommittedIndex();
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /** The last log index this member has applied to its image. */
    public long appliedIndex() {
        return stateMachine.appliedIndex();
    }

    /**
     * How many times this member's follower appends were wedged on a failed one (Ratis 3.2.2's chained appends) and
     * were let run again ({@link FollowerAppendWatchdog}).
     */
    public long appendWedgesUndone() {
        return appendWatchdog.resets();
    }

    /** Whether this member leads the quorum now. */
    public boolean isLeader() {
        return stateMachine.leaderSinceNanos().isPresent();
    }

    /** The leader as this member's client last learnt it, if any. */
    public Optional<Integer> leaderId() {
        return client.leaderId();
    }

    public int nodeId() {
        return settings.nodeId();
    }

    /** What a submitted command did: its log index, its number ({@link MetadataCommand#resultIn}) and the image. */
    public record CommandResult(long index, long value, MetadataImage image) {
    }

    private void fenceExpiredBrokers() {
        OptionalLong leaderSince = stateMachine.leaderSinceNanos();
        if (leaderSince.isEmpty()) {
            return;
        }
        describer.sample();
        long now = nanoClock.getAsLong();
        long timeout = TimeUnit.MILLISECONDS.toNanos(settings.sessionTimeoutMs());
        for (BrokerRegistration broker : stateMachine.image().liveBrokers()) {
            long last = Math.max(leaderSince.getAsLong(),
                    stateMachine.lastHeartbeatNanos(broker.id()).orElse(Long.MIN_VALUE));
            if (now - last > timeout && fencing.add(broker.id())) {
                log.info("Fencing broker {} (epoch {}): no heartbeat for {} ms", broker.id(), broker.epoch(),
                        TimeUnit.NANOSECONDS.toMillis(now - last));
                submit(new FenceBroker(broker.id(), broker.epoch())).whenComplete((result, error) -> {
                    fencing.remove(broker.id());
                    if (error != null) {
                        log.warn("Fencing broker {} failed: {}", broker.id(), error.toString());
                    }
                });
            }
        }
    }

    @Override
    public void close() throws IOException {
        liveness.shutdownNow();
        appendWatchdog.close();
        try (client; voterChanges) {
            if (observerJoin.isPresent()) {
                observerJoin.get().close();
            }
        } finally {
            server.close();
        }
        log.info("Metadata quorum member {} stopped", settings.nodeId());
    }
}
