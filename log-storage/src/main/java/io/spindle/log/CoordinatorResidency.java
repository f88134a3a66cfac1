package io.spindle.log;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;

/**
 * Whether a coordinator's state (groups, share groups, transactions) is in memory and served here, and the moves
 * between the two: loaded from its log at start ({@link #loadAtStart}), loaded again when this broker leads the state
 * partition again ({@link #load}), forgotten when another broker leads it ({@link #unload}). Loading and clearing run
 * on the coordinator's loop, so they never interleave with its requests.
 */
public final class CoordinatorResidency {
    private final Executor loop;
    private final String coordinator;
    private final Object source;
    private final Runnable loadState;
    private final Runnable clearState;
    private volatile boolean loaded;

    /**
     * @param loop        the coordinator's state thread ({@link CoordinatorLoop#newLoop})
     * @param coordinator what it coordinates, for messages: "group", "share", "transaction"
     * @param source      the log the state is read from, for messages
     * @param loadState   reads the state from the log into memory (runs on {@code loop})
     * @param clearState  forgets the state in memory; the log stays (runs on {@code loop})
     */
    public CoordinatorResidency(Executor loop, String coordinator, Object source, Runnable loadState,
                                Runnable clearState) {
        this.loop = loop;
        this.coordinator = coordinator;
        this.source = source;
        this.loadState = loadState;
        this.clearState = clearState;
    }

    /**
     * Loads the state and blocks until it is loaded; on failure runs {@code closeOnFailure} (the coordinator stops).
     *
     * @throws IllegalStateException naming the log when its content cannot be read back
     */
    public void loadAtStart(Runnable closeOnFailure) {
        try {
            load().get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            closeOnFailure.run();
            throw new IllegalStateException("interrupted while loading the " + coordinator + " state from " + source, e);
        } catch (ExecutionException e) {
            closeOnFailure.run();
            throw new IllegalStateException("cannot load the " + coordinator + " state from " + source + ": "
                    + e.getCause(), e.getCause());
        }
    }

    /** Loads the state if it is not loaded; nothing when it is. Completes once it is loaded. */
    public CompletableFuture<Void> load() {
        return CompletableFuture.runAsync(() -> {
            if (!loaded) {
                loadState.run();
                loaded = true;
            }
        }, loop);
    }

    /** Stops serving at once and forgets the state on the loop; completes once it is forgotten. */
    public CompletableFuture<Void> unload() {
        loaded = false;
        return CompletableFuture.runAsync(() -> {
            loaded = false;     // again: a load queued before this unload may have run meanwhile
            clearState.run();
        }, loop);
    }

    /** Whether the state is loaded and served here. */
    public boolean isLoaded() {
        return loaded;
    }
}
