package io.spindle.perf;

import java.time.Duration;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.ShareGroupDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.KafkaShareConsumer;
import org.apache.kafka.common.GroupState;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Share groups (KIP-932) measured from outside with kafka-clients' {@code KafkaShareConsumer}, the same way for any
 * broker: the work of {@code spindle perf share} between a broker's start and its stop.
 * <ol>
 *   <li>Catch-up: {@link Plan#records} 1 KiB records are written (acks=all) to a topic of one partition; a share group
 *       of one member, then another of four, reads them all (share.auto.offset.reset=earliest, set on the group through
 *       IncrementalAlterConfigs before it starts), acknowledging implicitly. The rate is taken from the first record
 *       received to the moment every offset has been received once.</li>
 *   <li>Slow tasks: {@link Plan#slowConsumers} members, each handling one record at a time (max.poll.records=1) for
 *       {@link Plan#handleTime}, subscribe to an empty topic of one partition; once the broker describes the group
 *       stable with all of them, {@link Plan#slowRecords} records are written and the time from the first send until
 *       every record has been handled once is taken. Once with a share group (share.acquire.mode=record_limit, so that a
 *       member acquires only what it handles next), once with a consumer group, each on its own topic: the consumer
 *       group can give the one partition to one member only.</li>
 * </ol>
 * Offsets are counted once each, so a redelivery (a lock that timed out) costs time but is not counted twice.
 */
final class ShareRun {
    /** What is measured, per broker and round; the unit in the label. */
    enum Figure implements SideBySide.Figure {
        CATCH_UP_ONE("share group of 1: catch-up, 1 KiB records", "records/s"),
        CATCH_UP_FOUR("share group of 4: catch-up, 1 KiB records", "records/s"),
        SLOW_SHARE("slow tasks, share group: time to handle all", "s"),
        SLOW_CONSUMER_GROUP("slow tasks, consumer group: time to handle all", "s"),
        SLOW_SPEEDUP("  consumer group's time / share group's", "x");

        private final Caption caption;

        Figure(String label, String unit) {
            caption = new Caption(label, unit);
        }

        @Override
        public Caption caption() {
            return caption;
        }
    }

    /**
     * The sizes of a run.
     *
     * @param records       1 KiB records of the catch-up topic
     * @param slowRecords   records of each slow-task topic
     * @param handleTime    how long one slow task takes
     * @param slowConsumers members of each slow-task group
     * @param timeout       the longest wait for one step (a group to settle, the records to be handled)
     */
    record Plan(long records, long slowRecords, Duration handleTime, int slowConsumers, Duration timeout) {
        Plan {
            if (records < 1 || records > Integer.MAX_VALUE || slowRecords < 1 || slowRecords > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("Records must be 1 to " + Integer.MAX_VALUE + ", not " + records
                        + " (catch-up) and " + slowRecords + " (slow tasks)");
            }
            if (slowConsumers < 1 || handleTime.isNegative()) {
                throw new IllegalArgumentException("The slow tasks need at least one consumer and a handling time of 0"
                        + " or more, not " + slowConsumers + " and " + handleTime);
            }
        }
    }

    static final String CATCH_UP_TOPIC = "share-catch-up";
    static final String SLOW_SHARE_TOPIC = "slow-share";
    static final String SLOW_GROUP_TOPIC = "slow-group";
    static final int RECORD_SIZE = 1024;
    private static final Duration POLL = Duration.ofMillis(100);
    private static final Duration CLOSE = Duration.ofSeconds(10);

    private ShareRun() {
    }

    /** Measures the broker at {@code bootstrap}. */
    static Map<Figure, Double> run(Plan plan, String bootstrap) throws InterruptedException {
        Map<Figure, Double> figures = new EnumMap<>(Figure.class);
        Topics.ensure(bootstrap, CATCH_UP_TOPIC, 1);
        ProduceRun.run(Workload.defaults(bootstrap, CATCH_UP_TOPIC, plan.records()).withRecordSize(RECORD_SIZE));
        figures.put(Figure.CATCH_UP_ONE, catchUp(plan, bootstrap, 1));
        figures.put(Figure.CATCH_UP_FOUR, catchUp(plan, bootstrap, 4));
        figures.put(Figure.SLOW_SHARE, slowTasks(plan, bootstrap, true));
        figures.put(Figure.SLOW_CONSUMER_GROUP, slowTasks(plan, bootstrap, false));
        figures.put(Figure.SLOW_SPEEDUP, figures.get(Figure.SLOW_CONSUMER_GROUP) / figures.get(Figure.SLOW_SHARE));
        return figures;
    }

    private static double catchUp(Plan plan, String bootstrap, int members) throws InterruptedException {
        String group = "share-catch-up-" + members;
        Progress progress = new Progress((int) plan.records());
        try (Members running = Members.start(members, progress, Duration.ZERO,
                i -> shareMember(bootstrap, group, CATCH_UP_TOPIC, Map.of()), earliest(bootstrap, group))) {
            progress.await(plan.timeout(), "share group " + group + " on " + bootstrap);
            running.stop();
        }
        return plan.records() / progress.secondsFrom(progress.firstNanos());
    }

    private static double slowTasks(Plan plan, String bootstrap, boolean share) throws InterruptedException {
        String topic = share ? SLOW_SHARE_TOPIC : SLOW_GROUP_TOPIC;
        String group = topic + "-group";
        Topics.ensure(bootstrap, topic, 1);
        Progress progress = new Progress((int) plan.slowRecords());
        Function<Integer, Member> member = share
                ? i -> shareMember(bootstrap, group, topic, Map.of(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 1,
                        ConsumerConfig.SHARE_ACQUIRE_MODE_CONFIG, "record_limit"))
                : i -> groupMember(bootstrap, group, topic);
        long start;
        try (Members running = Members.start(plan.slowConsumers(), progress, plan.handleTime(), member,
                share ? earliest(bootstrap, group) : () -> { })) {
            awaitStable(bootstrap, group, share, plan.slowConsumers(), plan.timeout());
            start = System.nanoTime();
            ProduceRun.run(Workload.defaults(bootstrap, topic, plan.slowRecords()).withRecordSize(RECORD_SIZE)
                    .withLingerMs(0));
            progress.await(plan.timeout(), (share ? "share group " : "consumer group ") + group + " on " + bootstrap);
            running.stop();
        }
        return progress.secondsFrom(start);
    }

    /** Sets share.auto.offset.reset=earliest on the share group {@code group}, as its consumers cannot. */
    private static Members.Setup earliest(String bootstrap, String group) {
        return () -> Topics.alter(bootstrap, new ConfigResource(ConfigResource.Type.GROUP, group),
                "share.auto.offset.reset", "earliest");
    }

    private static Properties clientProperties(String bootstrap, String group) {
        Properties p = new Properties();
        p.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, "spindle-perf-" + group);
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        return p;
    }

    private static Member shareMember(String bootstrap, String group, String topic, Map<String, Object> settings) {
        Properties p = clientProperties(bootstrap, group);
        p.putAll(settings);
        KafkaShareConsumer<byte[], byte[]> consumer = new KafkaShareConsumer<>(p);
        consumer.subscribe(List.of(topic));
        return new Member(consumer::poll, () -> consumer.close(CLOSE));
    }

    private static Member groupMember(String bootstrap, String group, String topic) {
        Properties p = clientProperties(bootstrap, group);
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 1);
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(p);
        consumer.subscribe(List.of(topic));
        return new Member(consumer::poll, () -> consumer.close(CLOSE));
    }

    /** Waits until the broker describes {@code group} as stable with {@code members} members. */
    private static void awaitStable(String bootstrap, String group, boolean share, int members, Duration timeout)
            throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        String seen = "nothing";
        try (Admin admin = Topics.admin(bootstrap)) {
            while (System.nanoTime() < deadline) {
                try {
                    int count;
                    GroupState state;
                    if (share) {
                        ShareGroupDescription d = admin.describeShareGroups(List.of(group)).describedGroups().get(group)
                                .get(10, TimeUnit.SECONDS);
                        count = d.members().size();
                        state = d.groupState();
                    } else {
                        ConsumerGroupDescription d = admin.describeConsumerGroups(List.of(group)).describedGroups()
                                .get(group).get(10, TimeUnit.SECONDS);
                        count = d.members().size();
                        state = d.groupState();
                    }
                    if (count == members && state == GroupState.STABLE) {
                        return;
                    }
                    seen = count + " members, " + state;
                } catch (ExecutionException | TimeoutException e) {
                    seen = e.toString();        // not known yet: asked again
                }
                Thread.sleep(50);
            }
        }
        throw new PerfException("Group " + group + " on " + bootstrap + " did not become stable with " + members
                + " members within " + timeout.toSeconds() + " s; last seen: " + seen);
    }

    /** One consumer of either kind, as the member threads use it. */
    record Member(Function<Duration, ConsumerRecords<byte[], byte[]>> poll, Runnable close) {
    }

    /** Which offsets have been handled, once each, and when the first and the last were. */
    static final class Progress {
        private final BitSet seen;
        private final int target;
        private final CountDownLatch done = new CountDownLatch(1);
        private int distinct;
        private long first;
        private long last;
        private Throwable failure;

        Progress(int target) {
            this.target = target;
            this.seen = new BitSet(target);
        }

        synchronized void handled(long offset) {
            if (offset < 0 || offset >= target || seen.get((int) offset)) {
                return;
            }
            long now = System.nanoTime();
            if (distinct == 0) {
                first = now;
            }
            seen.set((int) offset);
            last = now;
            if (++distinct == target) {
                done.countDown();
            }
        }

        synchronized void failed(Throwable cause) {
            if (failure == null) {
                failure = cause;
            }
            done.countDown();
        }

        void await(Duration timeout, String who) throws InterruptedException {
            boolean finished = done.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
            synchronized (this) {
                if (failure != null) {
                    throw new PerfException("A consumer of " + who + " failed: " + failure, failure);
                }
                if (!finished) {
                    throw new PerfException(who + " handled " + distinct + " of " + target + " records within "
                            + timeout.toSeconds() + " s");
                }
            }
        }

        synchronized long firstNanos() {
            return first;
        }

        /** Seconds from {@code startNanos} to the last new offset. */
        synchronized double secondsFrom(long startNanos) {
            return (last - startNanos) / 1e9;
        }
    }

    /** Member threads: each polls and handles what it got until stopped, then closes its consumer. */
    static final class Members implements AutoCloseable {
        /** Done before the first member is created. */
        interface Setup {
            void run() throws InterruptedException;
        }

        private final ExecutorService threads;
        private final AtomicBoolean stop = new AtomicBoolean();

        private Members(int count) {
            threads = Executors.newFixedThreadPool(count, r -> {
                Thread t = new Thread(r, "spindle-perf-member");
                t.setDaemon(true);
                return t;
            });
        }

        static Members start(int count, Progress progress, Duration handleTime, Function<Integer, Member> members,
                             Setup setup) throws InterruptedException {
            setup.run();
            Members running = new Members(count);
            for (int i = 0; i < count; i++) {
                int index = i;
                running.threads.execute(() -> running.loop(members, index, progress, handleTime));
            }
            return running;
        }

        private void loop(Function<Integer, Member> members, int index, Progress progress, Duration handleTime) {
            Member member;
            try {
                member = members.apply(index);
            } catch (RuntimeException e) {
                progress.failed(e);
                return;
            }
            try {
                while (!stop.get()) {
                    for (ConsumerRecord<byte[], byte[]> record : member.poll().apply(POLL)) {
                        if (!handleTime.isZero()) {
                            Thread.sleep(handleTime.toMillis());        // the task: a worker busy with one record
                        }
                        progress.handled(record.offset());
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (RuntimeException e) {
                progress.failed(e);
            } finally {
                member.close().run();
            }
        }

        void stop() {
            stop.set(true);
        }

        @Override
        public void close() throws InterruptedException {
            stop();
            threads.shutdown();
            if (!threads.awaitTermination(1, TimeUnit.MINUTES)) {
                threads.shutdownNow();
                throw new PerfException("Consumers did not close within a minute");
            }
        }
    }
}
