package io.spindle.txn;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/** Waiting requests of a transactional id go on in arrival order, or expire after the bound. */
class IdWaitersTest {
    private final List<Runnable> timeouts = new ArrayList<>();
    private final IdWaiters waiters = new IdWaiters(this::schedule, 5000);
    private final List<String> log = new ArrayList<>();
    private boolean free;

    private Future<?> schedule(long delayMs, Runnable task) {
        timeouts.add(task);
        return new CompletableFuture<>();
    }

    private IdWaiters.Attempt attempt(String name) {
        return new IdWaiters.Attempt() {
            @Override
            public boolean tryNow() {
                if (free) {
                    log.add(name);
                }
                return free;
            }

            @Override
            public void expire() {
                log.add(name + " expired");
            }
        };
    }

    @Test
    void anAttemptThatMayGoOnRunsAtOnce() {
        free = true;
        waiters.runOrWait("t", attempt("a"));

        assertEquals(List.of("a"), log);
        assertEquals(List.of(), timeouts);
    }

    @Test
    void waitersGoOnInArrivalOrderAndALaterArrivalQueuesBehindThem() {
        waiters.runOrWait("t", attempt("a"));
        waiters.runOrWait("t", attempt("b"));
        free = true;
        waiters.runOrWait("t", attempt("c"));     // free now, but a and b came first

        assertEquals(List.of(), log);
        waiters.wake("t");

        assertEquals(List.of("a", "b", "c"), log);
    }

    @Test
    void aWaiterPastTheBoundExpiresAndTheOthersKeepTheirPlace() {
        waiters.runOrWait("t", attempt("a"));
        waiters.runOrWait("t", attempt("b"));

        timeouts.get(0).run();
        free = true;
        waiters.wake("t");
        timeouts.get(1).run();      // b went on: its timeout firing late does nothing

        assertEquals(List.of("a expired", "b"), log);
    }

    @Test
    void otherIdsAreNotWoken() {
        waiters.runOrWait("t", attempt("a"));
        free = true;

        waiters.wake("u");

        assertEquals(List.of(), log);
    }
}
