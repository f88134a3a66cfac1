package io.spindle.groups;

import io.spindle.config.ConsumerGroupConfig;
import io.spindle.config.GroupSettings;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Delayed;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.Uuid;

/**
 * A {@link GroupContext} that runs the group state machines on the test thread with a clock the test moves: the
 * coordinator's single-threaded executor and wall clock replaced by a deterministic timer, so session, rebalance and
 * revocation timeouts can be tested to the millisecond without waiting.
 *
 * <p>What the group writes goes through the real record format ({@link OffsetsRecords}) into an in-memory store
 * that keeps the last value per group, as replaying {@code __consumer_offsets} would. A test may hold the classic
 * group's writes ({@link #holdWrites()}) and later complete or fail them, to see what waits for durability.
 *
 * <p>Topics: an in-memory catalogue the test edits ({@link #createTopic}), with stable ids.
 */
final class ManualGroupContext implements GroupContext {
    private final GroupSettings settings;
    private long now = 1_000_000L;
    private long sequence;
    private final List<Timer> timers = new ArrayList<>();
    private final Deque<Runnable> ready = new ArrayDeque<>();
    private final Map<String, Integer> partitionCounts = new TreeMap<>();
    private final Map<String, Uuid> topicIds = new HashMap<>();
    private final Map<String, byte[]> classicStore = new HashMap<>();
    private final Map<String, byte[]> consumerStore = new HashMap<>();
    private final List<CompletableFuture<Void>> heldWrites = new ArrayList<>();
    private final Map<String, ConsumerGroupConfig> consumerConfigs = new HashMap<>();
    private boolean holdWrites;
    private int consumerWrites;

    ManualGroupContext(GroupSettings settings) {
        this.settings = settings;
    }

    // ------------------------------------------------------------------ the test's controls

    void createTopic(String name, int partitions) {
        partitionCounts.put(name, partitions);
        topicIds.computeIfAbsent(name, n -> Uuid.randomUuid());
    }

    Uuid topicId(String name) {
        return topicIds.get(name);
    }

    long now() {
        return now;
    }

    /** Moves the clock forward, running every timer that falls due on the way, in deadline order. */
    void advance(long ms) {
        long target = now + ms;
        runReady();
        while (true) {
            Timer next = null;
            for (Timer t : timers) {
                if (!t.isDone() && t.dueMs <= target && (next == null || t.dueMs < next.dueMs
                        || (t.dueMs == next.dueMs && t.seq < next.seq))) {
                    next = t;
                }
            }
            if (next == null) {
                break;
            }
            now = Math.max(now, next.dueMs);
            timers.remove(next);
            next.run();
            runReady();
        }
        timers.removeIf(Timer::isDone);
        now = target;
    }

    /** Runs the steps queued for the coordinator thread (completions of writes). */
    void runReady() {
        Runnable task;
        while ((task = ready.poll()) != null) {
            task.run();
        }
    }

    /** From now on, classic groups' writes stay incomplete until {@link #completeWrites} or {@link #failWrites}. */
    void holdWrites() {
        holdWrites = true;
    }

    void completeWrites() {
        holdWrites = false;
        List<CompletableFuture<Void>> held = new ArrayList<>(heldWrites);
        heldWrites.clear();
        held.forEach(f -> f.complete(null));
        runReady();
    }

    void failWrites() {
        holdWrites = false;
        List<CompletableFuture<Void>> held = new ArrayList<>(heldWrites);
        heldWrites.clear();
        held.forEach(f -> f.completeExceptionally(new IllegalStateException("injected write failure")));
        runReady();
    }

    /** The classic group's record as last written, read back through the record format. */
    OffsetsRecords.StoredGroup storedClassic(String groupId) {
        byte[] value = classicStore.get(groupId);
        return value == null ? null : OffsetsRecords.readGroup(ByteBuffer.wrap(value));
    }

    /** A fresh consumer group filled from the record last written for {@code groupId}, as a restart would load it. */
    ConsumerGroup storedConsumer(String groupId) {
        byte[] value = consumerStore.get(groupId);
        if (value == null) {
            return null;
        }
        ConsumerGroup restored = new ConsumerGroup(groupId, this);
        OffsetsRecords.readConsumerGroup(ByteBuffer.wrap(value), restored);
        return restored;
    }

    int consumerWrites() {
        return consumerWrites;
    }

    // ------------------------------------------------------------------ GroupContext

    @Override
    public long nowMs() {
        return now;
    }

    /** Gives group {@code groupId} its own timings, as its consumer.* group configs would. */
    void configure(String groupId, ConsumerGroupConfig config) {
        consumerConfigs.put(groupId, config);
    }

    @Override
    public ConsumerGroupConfig consumerConfig(String groupId) {
        return consumerConfigs.getOrDefault(groupId, settings.consumerGroup());
    }

    @Override
    public GroupSettings settings() {
        return settings;
    }

    @Override
    public GroupTopics topics() {
        return new GroupTopics() {
            @Override
            public OptionalInt partitionCount(String topic) {
                Integer count = partitionCounts.get(topic);
                return count == null ? OptionalInt.empty() : OptionalInt.of(count);
            }

            @Override
            public Optional<Uuid> topicId(String topic) {
                return partitionCounts.containsKey(topic) ? Optional.of(topicIds.get(topic)) : Optional.empty();
            }

            @Override
            public Optional<String> topicName(Uuid topicId) {
                return topicIds.entrySet().stream().filter(e -> e.getValue().equals(topicId)
                        && partitionCounts.containsKey(e.getKey())).map(Map.Entry::getKey).findFirst();
            }

            @Override
            public Collection<String> topicNames() {
                return List.copyOf(partitionCounts.keySet());
            }

            @Override
            public OptionalLong logEndOffset(String topic, int partition) {
                return OptionalLong.empty();
            }
        };
    }

    @Override
    public ScheduledFuture<?> schedule(long delayMs, Runnable task) {
        Timer timer = new Timer(now + Math.max(0, delayMs), sequence++, task);
        timers.add(timer);
        return timer;
    }

    @Override
    public void onCoordinatorThread(CompletableFuture<?> future, Runnable task) {
        future.whenComplete((ignored, failure) -> ready.add(task));
    }

    @Override
    public CompletableFuture<Void> persist(ClassicGroup group) {
        byte[] value = OffsetsRecords.groupValue(group.stored());
        if (!holdWrites) {
            classicStore.put(group.groupId, value);
            return CompletableFuture.completedFuture(null);
        }
        CompletableFuture<Void> write = new CompletableFuture<>();
        write.thenRun(() -> classicStore.put(group.groupId, value));
        heldWrites.add(write);
        return write;
    }

    @Override
    public void persistIfChanged(ConsumerGroup group) {
        byte[] value = OffsetsRecords.consumerGroupValue(group);
        if (!java.util.Arrays.equals(value, group.lastStored)) {
            consumerStore.put(group.groupId, value);
            group.lastStored = value;
            consumerWrites++;
        }
    }

    /** One scheduled task; cancelled or run at most once. */
    private final class Timer implements ScheduledFuture<Object> {
        final long dueMs;
        final long seq;
        private final Runnable task;
        private boolean done;
        private boolean cancelled;

        Timer(long dueMs, long seq, Runnable task) {
            this.dueMs = dueMs;
            this.seq = seq;
            this.task = task;
        }

        void run() {
            if (!done) {
                task.run();     // like a real executor's task: not yet done while it runs
                done = true;
            }
        }

        @Override
        public long getDelay(TimeUnit unit) {
            return unit.convert(dueMs - now, TimeUnit.MILLISECONDS);
        }

        @Override
        public int compareTo(Delayed other) {
            return Long.compare(getDelay(TimeUnit.MILLISECONDS), other.getDelay(TimeUnit.MILLISECONDS));
        }

        @Override
        public boolean cancel(boolean mayInterruptIfRunning) {
            if (done) {
                return false;
            }
            done = true;
            cancelled = true;
            return true;
        }

        @Override
        public boolean isCancelled() {
            return cancelled;
        }

        @Override
        public boolean isDone() {
            return done;
        }

        @Override
        public Object get() {
            return null;
        }

        @Override
        public Object get(long timeout, TimeUnit unit) {
            return null;
        }
    }
}
