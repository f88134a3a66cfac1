package io.spindle.metadata;

import io.spindle.metadata.MetadataCommand.BrokerHeartbeat;
import io.spindle.metadata.MetadataCommand.RegisterBroker;
import io.spindle.metadata.MetadataCommand.UnfenceBroker;
import io.spindle.metadata.MetadataException.Reason;
import java.io.File;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.apache.ratis.io.MD5Hash;
import org.apache.ratis.proto.RaftProtos.LogEntryProto;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftGroupMemberId;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.server.storage.FileInfo;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.statemachine.StateMachineStorage;
import org.apache.ratis.statemachine.TransactionContext;
import org.apache.ratis.statemachine.impl.BaseStateMachine;
import org.apache.ratis.statemachine.impl.SimpleStateMachineStorage;
import org.apache.ratis.statemachine.impl.SingleFileSnapshotInfo;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.apache.ratis.util.LifeCycle;
import org.apache.ratis.util.MD5FileUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One quorum member's copy of the metadata: applies each committed log entry (a {@link MetadataCommand}) to the
 * {@link MetadataImage}, in log order, on Ratis' state machine updater thread, and answers the submitter with a
 * {@link CommandReply}. Every member applies the same log, so images at the same index are equal.
 *
 * <p>Snapshots: {@link #takeSnapshot} writes the image ({@link MetadataCodec}) to {@code snapshot.<term>_<index>}
 * in the state machine's directory (forced, renamed into place, directory forced, with Ratis' MD5 beside it); Ratis
 * then purges the log up to it. At start (and after a snapshot installed from the leader) the latest snapshot is
 * loaded and Ratis replays the log after it.
 *
 * <p>Threads: applies and snapshots run on Ratis' updater thread; {@link #image()} and the waits are safe from any
 * thread. Listeners are called on the updater thread with each new image, in order, and must return quickly.
 *
 * <p>Liveness bookkeeping is local and not part of the image: the local time each broker's last registration,
 * unfence or heartbeat was applied, and since when this member leads. Only the leader acts on it.
 */
public final class MetadataStateMachine extends BaseStateMachine {
    private static final Logger log = LoggerFactory.getLogger(MetadataStateMachine.class);
    /** The query that reads a member's whole image. */
    static final String READ_IMAGE = "image";
    /** The query that reads how far this member's user (its broker) has applied the images ({@link #reportApplied}). */
    static final String READ_APPLIED = "applied";
    /** The query that reads how far this member's broker has made the images visible ({@link #reportVisible}). */
    static final String READ_VISIBLE = "visible";
    /** The query that reads the quorum's description; only the leader answers it ({@link QuorumDescriber}). */
    static final String READ_QUORUM = "quorum";

    private final SimpleStateMachineStorage storage = new SimpleStateMachineStorage();
    private final LongSupplier nanoClock;
    private final List<Consumer<MetadataImage>> listeners = new CopyOnWriteArrayList<>();
    private final Map<Integer, Long> lastHeartbeatNanos = new ConcurrentHashMap<>();
    private final TreeMap<Long, List<CompletableFuture<MetadataImage>>> waiters = new TreeMap<>();
    private volatile MetadataImage image = MetadataImage.EMPTY;
    private volatile long appliedIndex = -1;
    private volatile long leaderSinceNanos = -1;
    private volatile LongSupplier appliedByUser = () -> -1;
    private volatile LongSupplier visibleByUser = () -> appliedByUser.getAsLong();
    private volatile Supplier<Optional<QuorumDescription>> quorumDescriber = Optional::empty;

    /** @param nanoClock the local clock of the liveness bookkeeping, {@code System::nanoTime} outside tests */
    public MetadataStateMachine(LongSupplier nanoClock) {
        this.nanoClock = Objects.requireNonNull(nanoClock, "nanoClock");
    }

    /** The image after every entry this member has applied. */
    public MetadataImage image() {
        return image;
    }

    /** The last log index this member has applied (commands, refused ones and Ratis' own entries alike). */
    public long appliedIndex() {
        return appliedIndex;
    }

    /**
     * Answers other members' {@link MetadataClient#appliedOffset} queries with {@code applied}: the offset of the last
     * image this member's user (its broker) has applied to its own state, which may trail {@link #image()}.
     */
    public void reportApplied(LongSupplier applied) {
        this.appliedByUser = Objects.requireNonNull(applied, "applied");
    }

    /**
     * Answers other members' {@link MetadataClient#visibleOffset} queries with {@code visible}: the offset of the last
     * image whose metadata this member's broker serves to clients (at or ahead of what {@link #reportApplied} says;
     * the same when it is not set).
     */
    public void reportVisible(LongSupplier visible) {
        this.visibleByUser = Objects.requireNonNull(visible, "visible");
    }

    /** Answers other members' {@link MetadataClient#describeQuorum} queries with what {@code describer} says. */
    void describeQuorumWith(Supplier<Optional<QuorumDescription>> describer) {
        this.quorumDescriber = Objects.requireNonNull(describer, "describer");
    }

    /** Calls {@code listener} with every new image from now on (not with the current one). */
    public void addListener(Consumer<MetadataImage> listener) {
        listeners.add(Objects.requireNonNull(listener, "listener"));
    }

    /** Completes with the image once this member has applied the log up to {@code index}. */
    public CompletableFuture<MetadataImage> awaitApplied(long index) {
        synchronized (waiters) {
            if (appliedIndex >= index) {
                return CompletableFuture.completedFuture(image);
            }
            CompletableFuture<MetadataImage> waiter = new CompletableFuture<>();
            waiters.computeIfAbsent(index, i -> new ArrayList<>()).add(waiter);
            return waiter;
        }
    }

    /** Since when (local nano clock) this member has been the leader, or empty when it is not the leader. */
    OptionalLong leaderSinceNanos() {
        long since = leaderSinceNanos;
        return since < 0 ? OptionalLong.empty() : OptionalLong.of(since);
    }

    /** When (local nano clock) this member last applied a sign of life of the broker, or empty if never. */
    OptionalLong lastHeartbeatNanos(int brokerId) {
        Long at = lastHeartbeatNanos.get(brokerId);
        return at == null ? OptionalLong.empty() : OptionalLong.of(at);
    }

    @Override
    public StateMachineStorage getStateMachineStorage() {
        return storage;
    }

    @Override
    public void initialize(RaftServer server, RaftGroupId groupId, RaftStorage raftStorage) throws IOException {
        super.initialize(server, groupId, raftStorage);
        storage.init(raftStorage);
        load(storage.getLatestSnapshot());
        getLifeCycle().transition(LifeCycle.State.STARTING);
        getLifeCycle().transition(LifeCycle.State.RUNNING);
    }

    /**
     * Ratis pauses the state machine before it installs a snapshot sent by the leader (to a member whose log the
     * leader has purged: a new observer, or one away for long) and reloads it only from PAUSED; the base class' pause
     * does nothing, which made Ratis 3.2.2's apply thread fail an assertion and close the member
     * ({@code ObserverQuorumTest.aNewObserverOfAQuorumThatPurgedItsLogGetsASnapshot}).
     */
    @Override
    public void pause() {
        if (getLifeCycleState() == LifeCycle.State.RUNNING) {
            getLifeCycle().transition(LifeCycle.State.PAUSING);
            getLifeCycle().transition(LifeCycle.State.PAUSED);
        }
    }

    /** After a snapshot from the leader was installed: the image is the snapshot's. */
    @Override
    public void reinitialize() throws IOException {
        load(storage.loadLatestSnapshot());
        if (getLifeCycleState() == LifeCycle.State.PAUSED) {
            getLifeCycle().transition(LifeCycle.State.STARTING);
            getLifeCycle().transition(LifeCycle.State.RUNNING);
        }
    }

    private void load(SingleFileSnapshotInfo snapshot) throws IOException {
        if (snapshot == null) {
            return;
        }
        Path file = snapshot.getFile().getPath();
        MD5Hash expected = snapshot.getFile().getFileDigest();
        if (expected != null && !expected.equals(MD5FileUtil.computeMd5ForFile(file.toFile()))) {
            throw new IOException("Metadata snapshot " + file + " does not match its MD5 file");
        }
        MetadataImage loaded = MetadataCodec.decodeImage(Files.readAllBytes(file), file.toString());
        TermIndex termIndex = snapshot.getTermIndex();
        setLastAppliedTermIndex(termIndex);
        publish(loaded, termIndex.getIndex());
        log.info("Loaded metadata snapshot {} at log index {}: {} brokers, {} topics", file, termIndex.getIndex(),
                loaded.brokers().size(), loaded.topics().size());
    }

    @Override
    public long takeSnapshot() throws IOException {
        TermIndex last = getLastAppliedTermIndex();
        if (last == null || last.getIndex() < 0) {
            return -1;
        }
        File target = storage.getSnapshotFile(last.getTerm(), last.getIndex());
        Path tmp = target.toPath().resolveSibling(target.getName() + ".tmp");
        Files.write(tmp, MetadataCodec.encode(image));
        force(tmp);
        Files.move(tmp, target.toPath(), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        MD5Hash md5 = MD5FileUtil.computeAndSaveMd5ForFile(target);
        force(target.toPath().getParent());
        storage.updateLatestSnapshot(new SingleFileSnapshotInfo(new FileInfo(target.toPath(), md5), last));
        log.info("Wrote metadata snapshot {} at log index {}", target, last.getIndex());
        return last.getIndex();
    }

    private static void force(Path path) throws IOException {
        boolean directory = Files.isDirectory(path);
        try (FileChannel channel = FileChannel.open(path, directory ? StandardOpenOption.READ : StandardOpenOption.WRITE)) {
            channel.force(true);
        }
    }

    @Override
    public CompletableFuture<Message> applyTransaction(TransactionContext trx) {
        LogEntryProto entry = trx.getLogEntry();
        long index = entry.getIndex();
        MetadataImage before = image;
        CommandReply reply;
        MetadataImage after = before;
        try {
            MetadataCommand command = MetadataCodec.decodeCommand(
                    entry.getStateMachineLogEntry().getLogData().toByteArray());
            after = command.applyTo(before, index);
            reply = CommandReply.accepted(index, command.resultIn(after));
            noteSignOfLife(command);
        } catch (MetadataException e) {
            reply = CommandReply.refused(index, e);
        } catch (RuntimeException e) {
            // A bug in a command's code: every member hits it alike, so refusing keeps them equal.
            log.warn("Metadata command at log index {} failed; refused on every member", index, e);
            reply = CommandReply.refused(index, new MetadataException(Reason.INVALID_COMMAND,
                    "Metadata command at log index " + index + " failed: " + e));
        }
        updateLastAppliedTermIndex(entry.getTerm(), index);
        publish(after, index);
        return CompletableFuture.completedFuture(Message.valueOf(ByteString.copyFrom(reply.encode())));
    }

    private void noteSignOfLife(MetadataCommand command) {
        int broker = command instanceof RegisterBroker r ? r.brokerId()
                : command instanceof BrokerHeartbeat h ? h.brokerId()
                : command instanceof UnfenceBroker u ? u.brokerId() : -1;
        if (broker >= 0) {
            lastHeartbeatNanos.put(broker, nanoClock.getAsLong());
        }
    }

    /** Ratis' own entries (configuration, leader's first entry) advance the applied index too. */
    @Override
    public void notifyTermIndexUpdated(long term, long index) {
        super.notifyTermIndexUpdated(term, index);
        publish(image, index);
    }

    @Override
    public void notifyLeaderChanged(RaftGroupMemberId member, RaftPeerId newLeaderId) {
        leaderSinceNanos = member.getPeerId().equals(newLeaderId) ? nanoClock.getAsLong() : -1;
    }

    @Override
    public CompletableFuture<Message> query(Message request) {
        String what = request.getContent().toStringUtf8();
        if (READ_APPLIED.equals(what)) {
            return CompletableFuture.completedFuture(Message.valueOf(Long.toString(appliedByUser.getAsLong())));
        }
        if (READ_VISIBLE.equals(what)) {
            return CompletableFuture.completedFuture(Message.valueOf(Long.toString(visibleByUser.getAsLong())));
        }
        if (READ_QUORUM.equals(what)) {
            return quorumDescriber.get()
                    .map(description -> CompletableFuture.completedFuture(Message.valueOf(
                            ByteString.copyFrom(description.encode()))))
                    .orElseGet(() -> CompletableFuture.failedFuture(new MetadataException(Reason.QUORUM_UNAVAILABLE,
                            "Member " + getId() + " does not lead the metadata quorum (any more)")));
        }
        if (!READ_IMAGE.equals(what)) {
            return CompletableFuture.failedFuture(new MetadataException(Reason.INVALID_COMMAND,
                    "Unknown metadata query '" + what + "'"));
        }
        return CompletableFuture.completedFuture(Message.valueOf(ByteString.copyFrom(MetadataCodec.encode(image))));
    }

    private void publish(MetadataImage next, long index) {
        boolean changed = next != image;
        image = next;
        List<CompletableFuture<MetadataImage>> done = new ArrayList<>();
        synchronized (waiters) {
            appliedIndex = Math.max(appliedIndex, index);
            Map<Long, List<CompletableFuture<MetadataImage>>> reached = waiters.headMap(appliedIndex, true);
            reached.values().forEach(done::addAll);
            reached.clear();
        }
        if (changed) {
            for (Consumer<MetadataImage> listener : listeners) {
                try {
                    listener.accept(next);
                } catch (RuntimeException e) {
                    log.warn("Metadata image listener {} failed at log index {}", listener, index, e);
                }
            }
        }
        done.forEach(waiter -> waiter.complete(next));
    }

    @Override
    public void close() throws IOException {
        super.close();
        List<CompletableFuture<MetadataImage>> pending = new ArrayList<>();
        synchronized (waiters) {
            waiters.values().forEach(pending::addAll);
            waiters.clear();
        }
        pending.forEach(w -> w.completeExceptionally(new MetadataException(Reason.QUORUM_UNAVAILABLE,
                "The metadata quorum member closed before applying the command")));
    }
}
