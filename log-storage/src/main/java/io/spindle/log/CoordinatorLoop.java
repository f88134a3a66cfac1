package io.spindle.log;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Supplier;
import org.apache.kafka.common.errors.CoordinatorNotAvailableException;
import org.slf4j.Logger;

/**
 * How the coordinators (groups, share groups, transactions) run a request on their single state thread: the work
 * starts on {@code loop}, its future's outcome becomes the caller's, a work that throws fails the request (logged),
 * and a loop already shut down answers {@link CoordinatorNotAvailableException}.
 */
public final class CoordinatorLoop {
    private CoordinatorLoop() {
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
