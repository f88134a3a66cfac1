package io.spindle.log;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.apache.kafka.common.errors.CoordinatorNotAvailableException;
import org.slf4j.Logger;

/**
 * The single state thread of the coordinators (groups, share groups, transactions): how it is made
 * ({@link #newLoop}), how a request runs on it ({@link #run}: the work starts on the loop, its future's outcome
 * becomes the caller's, a work that throws fails the request (logged), and a loop already shut down answers
 * {@link CoordinatorNotAvailableException}), and how it stops ({@link #stop}).
 */
public final class CoordinatorLoop {
    private CoordinatorLoop() {
    }

    /**
     * A coordinator's state thread: one daemon thread named {@code threadName} that also runs the coordinator's timers;
     * a cancelled timer leaves the queue at once, and the delayed ones are dropped at shutdown.
     */
    public static ScheduledThreadPoolExecutor newLoop(String threadName) {
        ScheduledThreadPoolExecutor loop = new ScheduledThreadPoolExecutor(1, runnable -> {
            Thread thread = new Thread(runnable, threadName);
            thread.setDaemon(true);
            return thread;
        });
        loop.setRemoveOnCancelPolicy(true);
        loop.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        return loop;
    }

    /**
     * Stops {@code loop}: it takes no more work, its delayed timers are dropped, and the work already queued or running
     * finishes, for up to 5 s; past that it is interrupted (logged). Not interrupted first: an interrupt landing in an
     * append or a force of the coordinator's log closes that file channel, and the log could not be closed cleanly.
     *
     * @param coordinator what runs there, for messages: "group", "share", "transaction"
     */
    public static void stop(ScheduledThreadPoolExecutor loop, Logger log, String coordinator) {
        loop.shutdown();
        try {
            if (!loop.awaitTermination(5, TimeUnit.SECONDS)) {
                log.warn("{}{} coordinator thread did not finish its last task within 5 s; interrupting it",
                        Character.toUpperCase(coordinator.charAt(0)), coordinator.substring(1));
                loop.shutdownNow();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * @param log         the coordinator's own logger, so the failure is logged under its name
     * @param coordinator what runs there, for messages: "group", "share", "transaction"
     */
    public static <T> CompletableFuture<T> run(Executor loop, Logger log, String coordinator,
                                               Supplier<CompletableFuture<T>> work) {
        CompletableFuture<T> result = new CompletableFuture<>();
        try {
            loop.execute(() -> {
                try {
                    work.get().whenComplete((value, failure) -> {
                        if (failure != null) {
                            result.completeExceptionally(failure);
                        } else {
                            result.complete(value);
                        }
                    });
                } catch (RuntimeException e) {
                    log.error("{}{} coordinator request failed", Character.toUpperCase(coordinator.charAt(0)),
                            coordinator.substring(1), e);
                    result.completeExceptionally(e);
                }
            });
        } catch (RejectedExecutionException e) {
            result.completeExceptionally(new CoordinatorNotAvailableException(
                    "the " + coordinator + " coordinator is shut down"));
        }
        return result;
    }
}
