package io.spindle.metadata;

import java.io.IOException;
import java.lang.reflect.Field;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.RaftServer.Division;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Gets a quorum member out of Ratis 3.2.2's follower-append wedge, keeping its appends in order.
 *
 * <p>Ratis 3.2.2 chains a follower's appends (its default {@code raft.server.log.append-entries.compose.enabled}):
 * {@code RaftServerImpl.appendEntriesAsync} hands each AppendEntries' entries to
 * {@code ServerImplUtils.NavigableIndices.append}, which runs the append after the previous one's future
 * ({@code future.updateAndGet(f -> f.thenComposeAsync(...))}) and stores the new future as the chain's head. Nothing
 * resets that head: once one append has failed (two AppendEntries streams meeting in the log at a heal after a network
 * partition: {@code SegmentedRaftLog: Already running a method}), every later append is composed on a failed future
 * and fails with the same exception without running, so the member answers every AppendEntries with it until it
 * restarts. Turning the chaining off instead let pipelined appends run out of order and killed the leader's log
 * appender to a follower (docs/cluster.md, "What survives what").
 *
 * <p>Every {@code period}, this looks at the chain's head of this server's division; a head completed exceptionally
 * can never run another append, and all appends before it have completed (each link waits for the previous one), so
 * none is in flight. It swaps that failed head (and only that one object, atomically) for a completed future and logs
 * a warning naming the exception: the leader's next AppendEntries appends again, after an INCONSISTENCY reply if the
 * failed entries left a gap, which is Raft's ordinary way back. The order of appends is untouched, and so is the
 * leader's side.
 *
 * <p>Ratis offers no API for the head: it is read by reflection, from {@code RaftServerImpl.appendLogTermIndices} and
 * {@code NavigableIndices.future}. When a Ratis version lacks them, {@link #start} logs a warning once and the watchdog
 * does nothing ({@code FollowerAppendFailureTest} then fails, which is how an upgrade finds out). A division with the
 * chaining off has no head (the field is null) and is left alone.
 */
final class FollowerAppendWatchdog implements AutoCloseable {
    /** How often the head is looked at: one field read per look, so often enough that a wedge costs the leader little. */
    static final Duration PERIOD = Duration.ofMillis(250);
    private static final Logger log = LoggerFactory.getLogger(FollowerAppendWatchdog.class);
    private static final String SERVER_IMPL = "org.apache.ratis.server.impl.RaftServerImpl";
    private static final String CHAIN_HOLDER = "org.apache.ratis.server.impl.ServerImplUtils$NavigableIndices";
    /** The two fields, or why they could not be found. */
    private static final Fields FIELDS = Fields.find();

    private final RaftServer server;
    private final RaftGroupId groupId;
    private final ScheduledExecutorService executor;
    private final AtomicLong resets = new AtomicLong();

    private FollowerAppendWatchdog(RaftServer server, RaftGroupId groupId, Duration period) {
        this.server = server;
        this.groupId = groupId;
        this.executor = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread thread = new Thread(r, "spindle-metadata-append-watchdog-" + server.getId());
            thread.setDaemon(true);
            return thread;
        });
        if (FIELDS.problem == null) {
            long ms = period.toMillis();
            executor.scheduleWithFixedDelay(this::checkQuietly, ms, ms, TimeUnit.MILLISECONDS);
        } else {
            log.warn("Metadata quorum member {}: cannot watch its follower appends for Ratis' wedge ({}); a failed "
                    + "append will fail every later one until the member restarts", server.getId(), FIELDS.problem);
        }
    }

    /** Watches {@code server}'s division of {@code groupId} every {@code period} until {@link #close}. */
    static FollowerAppendWatchdog start(RaftServer server, RaftGroupId groupId, Duration period) {
        return new FollowerAppendWatchdog(server, groupId, period);
    }

    /** How many times this watchdog found the member's appends wedged and let them run again. */
    long resets() {
        return resets.get();
    }

    private void checkQuietly() {
        try {
            check();
        } catch (RuntimeException e) {
            log.warn("Metadata quorum member {}: the follower-append watchdog's check failed: {}", server.getId(),
                    e.toString());
        }
    }

    /** One look at the chain; true when it was wedged and this let it run again. */
    boolean check() {
        Optional<AtomicReference<CompletableFuture<Void>>> chain = chain();
        if (chain.isEmpty()) {
            return false;
        }
        CompletableFuture<Void> head = chain.get().get();
        if (!head.isCompletedExceptionally()) {
            return false;
        }
        if (!chain.get().compareAndSet(head, CompletableFuture.completedFuture(null))) {
            return false;   // an append was chained on it meanwhile (and failed at once); the next look takes that one
        }
        long count = resets.incrementAndGet();
        log.warn("Metadata quorum member {}: its follower appends were wedged on {} (Ratis chains a follower's appends"
                        + " and a failed one fails every later one without running it); the chain restarts, so the"
                        + " leader's next AppendEntries appends again ({} time(s) so far)", server.getId(),
                failure(head), count);
        return true;
    }

    @SuppressWarnings("unchecked")
    private Optional<AtomicReference<CompletableFuture<Void>>> chain() {
        if (FIELDS.problem != null) {
            return Optional.empty();
        }
        Division division;
        try {
            division = server.getDivision(groupId);
        } catch (IOException | RuntimeException e) {
            return Optional.empty();    // starting or closing
        }
        if (!FIELDS.serverImpl.isInstance(division)) {
            return Optional.empty();
        }
        try {
            Object holder = FIELDS.indices.get(division);
            return holder == null ? Optional.empty()
                    : Optional.of((AtomicReference<CompletableFuture<Void>>) FIELDS.future.get(holder));
        } catch (IllegalAccessException e) {
            throw new IllegalStateException("Cannot read Ratis' follower-append chain: " + e, e);
        }
    }

    private static String failure(CompletableFuture<?> failed) {
        Throwable error = failed.handle((value, e) -> e).getNow(null);
        while (error instanceof CompletionException && error.getCause() != null) {
            error = error.getCause();
        }
        return String.valueOf(error);
    }

    @Override
    public void close() {
        executor.shutdownNow();
    }

    /** Ratis' fields holding the chain's head, found once. */
    private static final class Fields {
        final Class<?> serverImpl;
        final Field indices;
        final Field future;
        final String problem;

        private Fields(Class<?> serverImpl, Field indices, Field future, String problem) {
            this.serverImpl = serverImpl;
            this.indices = indices;
            this.future = future;
            this.problem = problem;
        }

        static Fields find() {
            try {
                Class<?> serverImpl = Class.forName(SERVER_IMPL);
                Field indices = serverImpl.getDeclaredField("appendLogTermIndices");
                Class<?> holder = Class.forName(CHAIN_HOLDER);
                if (indices.getType() != holder) {
                    return failed(SERVER_IMPL + ".appendLogTermIndices is a " + indices.getType().getName()
                            + ", not a " + CHAIN_HOLDER);
                }
                Field future = holder.getDeclaredField("future");
                if (future.getType() != AtomicReference.class) {
                    return failed(CHAIN_HOLDER + ".future is a " + future.getType().getName()
                            + ", not an AtomicReference");
                }
                indices.setAccessible(true);
                future.setAccessible(true);
                return new Fields(serverImpl, indices, future, null);
            } catch (ReflectiveOperationException | RuntimeException e) {
                return failed("Ratis' " + SERVER_IMPL + ".appendLogTermIndices or " + CHAIN_HOLDER
                        + ".future is missing or closed: " + e);
            }
        }

        private static Fields failed(String problem) {
            return new Fields(null, null, null, problem);
        }
    }
}
